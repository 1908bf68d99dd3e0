"""The region overview counts the groups of the current workshop's current round (step
2's pairs, from the round of four on its fours): an index on pair_members (workshop_id,
round, pair_id, ready_at) answers both counts (groups, groups still waiting) from the
index alone.

Revision ID: 0024_pair_members_round_index
Revises: 0023_round_of_four
Create Date: 2026-12-03 08:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_pair_members_round_index"
down_revision: str | None = "0023_round_of_four"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_pair_members_workshop_id_round_pair_id_ready_at",
        "pair_members",
        ["workshop_id", "round", "pair_id", "ready_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_pair_members_workshop_id_round_pair_id_ready_at", table_name="pair_members")
