"""Workshops: a join code for phones in the room (shown on the projector view), unique
within the tenant. Existing workshops get one here.

Revision ID: 0015_join_codes
Revises: 0014
Create Date: 2026-12-02 14:10:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_join_codes"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# a copy of visionswerk.workshops.join_codes (a migration must not change with the code)
ALPHABET = "ACEFGHKMNPRTWXY34679"


def _code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(6))


def upgrade() -> None:
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_code", sa.String(length=12), nullable=True))
    conn = op.get_bind()
    workshops = sa.table(
        "workshops", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
        sa.column("join_code", sa.String),
    )  # fmt: skip
    taken: set[tuple[int, str]] = set()
    for wid, tenant_id in conn.execute(sa.select(workshops.c.id, workshops.c.tenant_id)).all():
        code = _code()
        while (tenant_id, code) in taken:
            code = _code()
        taken.add((tenant_id, code))
        conn.execute(workshops.update().where(workshops.c.id == wid).values(join_code=code))
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.alter_column("join_code", existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_workshops_tenant_id_join_code"), ["tenant_id", "join_code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_workshops_tenant_id_join_code"), type_="unique")
        batch_op.drop_column("join_code")
