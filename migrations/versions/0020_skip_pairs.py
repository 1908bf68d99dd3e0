"""A small group may leave out step 2 (issue 14: adapt the steps): the choice made in
preparation, and whether the workshop did.

Revision ID: 0020_skip_pairs
Revises: 0019_group_size
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_skip_pairs"
down_revision: str | None = "0019_group_size"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(
            sa.Column("skip_pairs", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("pairs_skipped", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("pairs_skipped")
        batch.drop_column("skip_pairs")
