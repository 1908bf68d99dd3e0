"""Step 3 may start from the parent vision's statements (issue 14: adapt the steps): the
choice made in preparation, whether the workshop went straight to step 3, and an
aspect's parent version (its provenance).

Revision ID: 0021_start_from_parent
Revises: 0020_skip_pairs
Create Date: 2026-12-02 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_start_from_parent"
down_revision: str | None = "0020_skip_pairs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(
            sa.Column("start_from_parent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("individual_skipped", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("aspects") as batch:
        batch.add_column(sa.Column("parent_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_aspects_parent_version_id_vision_versions"),
            "vision_versions",
            ["parent_version_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("aspects") as batch:
        batch.drop_constraint(
            batch.f("fk_aspects_parent_version_id_vision_versions"), type_="foreignkey"
        )
        batch.drop_column("parent_version_id")
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("individual_skipped")
        batch.drop_column("start_from_parent")
