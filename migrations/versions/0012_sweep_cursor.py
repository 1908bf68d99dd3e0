"""The notification scan's cursor (it reads only audit entries it has not seen) and the
indexes the hot audit queries need: last activity per tenant, the scan's actions by id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scan_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scan_cursors")),
    )
    op.create_index(
        "ix_audit_entries_tenant_id_created_at", "audit_entries", ["tenant_id", "created_at"]
    )
    op.create_index("ix_audit_entries_action_id", "audit_entries", ["action", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_action_id", table_name="audit_entries")
    op.drop_index("ix_audit_entries_tenant_id_created_at", table_name="audit_entries")
    op.drop_table("scan_cursors")
