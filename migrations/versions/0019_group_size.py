"""Step 2 in groups of two, three or four (issue 14: adapt the steps): the size the
facilitator chose in preparation.

Revision ID: 0019_group_size
Revises: 0018_mail_attachments
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_group_size"
down_revision: str | None = "0018_mail_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(sa.Column("group_size", sa.Integer(), server_default="2", nullable=False))
        batch.create_check_constraint(
            batch.f("ck_workshops_group_size"), "group_size BETWEEN 2 AND 4"
        )


def downgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.drop_constraint(batch.f("ck_workshops_group_size"), type_="check")
        batch.drop_column("group_size")
