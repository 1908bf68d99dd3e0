"""An outgoing mail can carry attachments (a step's deadline as .ics), sealed like its
body and wiped with it once sent.

Revision ID: 0018_mail_attachments
Revises: 0017_calendar
Create Date: 2026-12-02 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_mail_attachments"
down_revision: str | None = "0017_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.drop_column("attachments")
