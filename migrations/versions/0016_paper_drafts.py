"""Paper contributions: a step-1 draft written on paper by a participant without a device
and recorded by the facilitator remembers who recorded it ("von der Moderation erfasst").

Revision ID: 0016
Revises: 0015_join_codes
Create Date: 2026-12-02 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015_join_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_drafts_recorded_by_id_users"),
            "users",
            ["recorded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_constraint(batch.f("fk_drafts_recorded_by_id_users"), type_="foreignkey")
        batch.drop_column("recorded_by_id")
