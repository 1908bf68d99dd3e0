"""Small helpers shared by the workshop services (not part of the interface)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants.scoping import current_tenant_id
from visionswerk.workshops.models import Phase, Workshop

T = TypeVar("T")

NOT_FOUND = N_("Das gibt es hier nicht.")


def in_scope(obj: T | None, message: str = NOT_FOUND) -> T:
    """``obj`` if it belongs to the current tenant; NotFound otherwise (also with no
    current tenant). Services check every object they are handed with this, so an
    object of another tenant behaves as if it did not exist."""
    tenant_id = current_tenant_id()
    if obj is None or tenant_id is None or getattr(obj, "tenant_id", None) != tenant_id:
        raise NotFound(message)
    return obj


def load(model: type[T], ident: Any, message: str = NOT_FOUND) -> T:
    """Load a tenant-owned row by id within the current tenant, or raise NotFound."""
    tenant_id = current_tenant_id()
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if tenant_id is None:
        raise NotFound(message)
    obj = db.scalar(
        select(model).where(model.id == ident, model.tenant_id == tenant_id)  # type: ignore[attr-defined]
    )
    if obj is None:
        raise NotFound(message)
    return obj


def require_phase(workshop: Workshop, *phases: Phase, message: str) -> None:
    if workshop.phase not in phases:
        raise Conflict(message, payload={"phase": workshop.phase.value})


def touch(workshop: Workshop) -> None:
    workshop.updated_at = utcnow()
