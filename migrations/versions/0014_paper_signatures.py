"""Paper signatures: a signature given with a pen on the printed sheet and recorded by the
facilitator is an ordinary signature row (so every count includes it) with its kind, the
date on the sheet, who recorded it and an optional scan.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAPER_FIELDS = (
    "(kind = 'paper' AND signed_on IS NOT NULL) OR (kind = 'online' AND "
    "signed_on IS NULL AND scan IS NULL AND recorded_by_name IS NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sa.Enum("online", "paper", name="signature_kind", native_enum=False, length=20),
                server_default="online",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("signed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recorded_by_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("scan", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("scan_type", sa.String(length=40), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_signatures_recorded_by_id_users"),
            "users",
            ["recorded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(batch.f("ck_signatures_paper_fields"), PAPER_FIELDS)


def downgrade() -> None:
    with op.batch_alter_table("signatures") as batch:
        batch.drop_constraint(batch.f("ck_signatures_paper_fields"), type_="check")
        batch.drop_constraint(batch.f("fk_signatures_recorded_by_id_users"), type_="foreignkey")
        for column in (
            "scan_type",
            "scan",
            "recorded_by_name",
            "recorded_by_id",
            "signed_on",
            "kind",
        ):
            batch.drop_column(column)
