"""The round of four (issue 14, 1-2-4-alle): the choice made in preparation, its
deadline and start; groups and memberships per round (a four is a group of round 2,
each pair points to the four it merged into); feedback on the other pair's proposal.

Revision ID: 0023_round_of_four
Revises: 0022_overview_indexes
Create Date: 2026-12-02 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_round_of_four"
down_revision: str | None = "0022_overview_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshops") as batch:
        batch.add_column(
            sa.Column("with_fours", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("fours_opened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("deadline_fours", sa.DateTime(), nullable=True))
    with op.batch_alter_table("pairs") as batch:
        batch.add_column(sa.Column("round", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_pairs_merged_into_id_pairs"),
            "pairs",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(batch.f("ix_pairs_merged_into_id"), ["merged_into_id"])
        batch.drop_constraint("uq_pairs_workshop_id_number", type_="unique")
        batch.create_unique_constraint(
            "uq_pairs_workshop_id_round_number", ["workshop_id", "round", "number"]
        )
    with op.batch_alter_table("pair_members") as batch:
        batch.add_column(sa.Column("round", sa.Integer(), server_default="1", nullable=False))
        batch.drop_constraint("uq_pair_members_workshop_id_user_id", type_="unique")
        batch.create_unique_constraint(
            "uq_pair_members_workshop_id_round_user_id", ["workshop_id", "round", "user_id"]
        )
    op.create_table(
        "proposal_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("especially_good", sa.Text(), nullable=False),
        sa.Column("to_sharpen", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"],
            name=op.f("fk_proposal_feedback_author_id_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pairs.id"],
            name=op.f("fk_proposal_feedback_pair_id_pairs"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["pair_proposals.id"],
            name=op.f("fk_proposal_feedback_proposal_id_pair_proposals"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_proposal_feedback_tenant_id_tenants"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_feedback")),
        sa.UniqueConstraint(
            "proposal_id", "author_id", name=op.f("uq_proposal_feedback_proposal_id_author_id")
        ),
    )  # fmt: skip
    for column in ("author_id", "pair_id", "proposal_id", "tenant_id"):
        op.create_index(f"ix_proposal_feedback_{column}", "proposal_feedback", [column])


def downgrade() -> None:
    op.drop_table("proposal_feedback")
    with op.batch_alter_table("pair_members") as batch:
        batch.drop_constraint("uq_pair_members_workshop_id_round_user_id", type_="unique")
        batch.create_unique_constraint(
            "uq_pair_members_workshop_id_user_id", ["workshop_id", "user_id"]
        )
        batch.drop_column("round")
    with op.batch_alter_table("pairs") as batch:
        batch.drop_constraint("uq_pairs_workshop_id_round_number", type_="unique")
        batch.create_unique_constraint("uq_pairs_workshop_id_number", ["workshop_id", "number"])
        batch.drop_index(batch.f("ix_pairs_merged_into_id"))
        batch.drop_constraint(batch.f("fk_pairs_merged_into_id_pairs"), type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.drop_column("round")
    with op.batch_alter_table("workshops") as batch:
        batch.drop_column("deadline_fours")
        batch.drop_column("fours_opened_at")
        batch.drop_column("with_fours")
