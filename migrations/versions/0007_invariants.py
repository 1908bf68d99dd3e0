"""Invariants in the database: one place on a version's signing list per person.

(One signature per signatory — ``uq_signatures_signatory_id`` — and one number per
tenant's vision version — ``uq_vision_versions_tenant_id_number`` — exist since 0003.)
An installation where a race already listed somebody twice stops here with the
constraint's error; remove the duplicate signatory without a signature, then migrate.

Revision ID: 0007_invariants
Revises: 0006
Create Date: 2026-12-02 01:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_invariants"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_signatories_version_id_user_id"), ["version_id", "user_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_signatories_version_id_user_id"), type_="unique")
