"""The audit log: who did what, when, in a tenant."""

from __future__ import annotations

from typing import Any

from visionswerk.db import db
from visionswerk.tenants.models import AuditEntry, User


def record(
    actor: User | None,
    tenant_id: int,
    action: str,
    obj: Any = None,
    **detail: Any,
) -> AuditEntry:
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        detail=detail,
    )
    db.add(entry)
    return entry
