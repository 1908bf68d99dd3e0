"""The visions package's share of a person's data (DSGVO). Export: their notices and
the parent statements they took into a draft. Erasure: both go with the account
(ON DELETE CASCADE); imported versions keep no reference but ``created_by`` (SET NULL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants import personal_data
from visionswerk.tenants.models import User
from visionswerk.visions.models import Notice, StatementUse

ALL = {"all_tenants": True}


@personal_data.exporter("visions")
def _export(user: User) -> dict[str, Any]:
    notices = db.scalars(select(Notice).where(Notice.user_id == user.id).execution_options(**ALL))
    uses = db.scalars(
        select(StatementUse).where(StatementUse.user_id == user.id).execution_options(**ALL)
    )
    return {
        "notices": [
            {
                "kind": n.kind,
                "tenant_id": n.tenant_id,
                "created_at": n.created_at.isoformat(),
                "done_at": n.done_at.isoformat() if n.done_at else None,
            }
            for n in notices
        ],
        "parent_statements_taken": [
            {"workshop_id": u.workshop_id, "statement": u.statement, "keyword": u.keyword}
            for u in uses
        ],
    }
