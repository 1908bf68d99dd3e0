"""Step 3: suggested groups the facilitator dismissed, kept per workshop so they do not come
back (keyed by the member aspect ids; who and when).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dismissed_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dismissed_by_id"], ["users.id"],
            name=op.f("fk_dismissed_suggestions_dismissed_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_dismissed_suggestions_tenant_id_tenants"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"],
            name=op.f("fk_dismissed_suggestions_workshop_id_workshops"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dismissed_suggestions")),
        sa.UniqueConstraint(
            "workshop_id", "key", name=op.f("uq_dismissed_suggestions_workshop_id_key")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_dismissed_suggestions_tenant_id"), "dismissed_suggestions", ["tenant_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dismissed_suggestions_tenant_id"), table_name="dismissed_suggestions")
    op.drop_table("dismissed_suggestions")
