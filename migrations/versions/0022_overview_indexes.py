"""Indexes the region overview's page needs at 2,000 municipalities: the current workshop
per municipality without a sort, and the counts per workshop (submitted drafts, pairs and
ready pairs, aspects by status) from the index alone. (The last activity per tenant uses
ix_audit_entries_tenant_id_created_at from 0012.)

Revision ID: 0022_overview_indexes
Revises: 0021_start_from_parent
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_overview_indexes"
down_revision: str | None = "0021_start_from_parent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBMITTED = sa.text("submitted_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_workshops_tenant_id_created_at", "workshops", ["tenant_id", "created_at", "id"]
    )
    op.create_index(
        "ix_drafts_workshop_id_submitted",
        "drafts",
        ["workshop_id"],
        postgresql_where=SUBMITTED,
        sqlite_where=SUBMITTED,
    )
    op.create_index(
        "ix_pair_members_workshop_id_pair_id_ready_at",
        "pair_members",
        ["workshop_id", "pair_id", "ready_at"],
    )
    op.create_index("ix_aspects_workshop_id_status", "aspects", ["workshop_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_aspects_workshop_id_status", table_name="aspects")
    op.drop_index("ix_pair_members_workshop_id_pair_id_ready_at", table_name="pair_members")
    op.drop_index("ix_drafts_workshop_id_submitted", table_name="drafts")
    op.drop_index("ix_workshops_tenant_id_created_at", table_name="workshops")
