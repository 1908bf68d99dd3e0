"""Accounts security: signing links expire; text of a form sent after the session
ended is kept for the next login.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:30:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# HELPERS.md named it "0007_accounts_security"; test_migrations wants four digits
revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# links handed out before this revision get the default validity from now on
EXISTING_LINK_DAYS = 30


def upgrade() -> None:
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_expires_at", sa.DateTime(), nullable=True))
    until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=EXISTING_LINK_DAYS)
    op.execute(
        sa.text(
            "UPDATE signatories SET link_expires_at = :until WHERE token_hash IS NOT NULL"
        ).bindparams(until=until)
    )
    op.create_table(
        "kept_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=2000), nullable=False),
        sa.Column("action", sa.String(length=2000), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_kept_forms_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_forms")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_kept_forms_key_hash")),
    )
    with op.batch_alter_table("kept_forms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kept_forms_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_kept_forms_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kept_forms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kept_forms_owner_id"))
        batch_op.drop_index(batch_op.f("ix_kept_forms_created_at"))
    op.drop_table("kept_forms")
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.drop_column("link_expires_at")
