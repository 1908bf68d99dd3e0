"""Small helpers shared by the workshop services (not part of the interface)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select, update

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
    return load_with(model, ident, message=message)[0]  # type: ignore[no-any-return]


def load_with(model: type[T], ident: Any, *columns: Any, message: str = NOT_FOUND) -> Any:
    """``load``, with more ``columns`` (facts about the row) read in the same statement:
    the row ``(obj, *values)``."""
    tenant_id = current_tenant_id()
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if tenant_id is None:
        raise NotFound(message)
    row = db.execute(
        select(model, *columns).where(model.id == ident, model.tenant_id == tenant_id)  # type: ignore[attr-defined]
    ).first()
    if row is None:
        raise NotFound(message)
    return row


def require_phase(workshop: Workshop, *phases: Phase, message: str) -> None:
    if workshop.phase not in phases:
        raise Conflict(message, payload={"phase": workshop.phase.value})


def touch(workshop: Workshop) -> None:
    workshop.updated_at = utcnow()


def lock_workshop(workshop: Workshop) -> Workshop:
    """Take the workshop's row lock until the transaction ends and re-read the row.

    What must be decided once per workshop — a phase move, a signature, the signing list —
    is decided under this lock: a concurrent request waits here until the first one has
    committed and then sees the new phase (PostgreSQL: ``SELECT … FOR NO KEY UPDATE``,
    which leaves rows that merely reference the workshop free to be inserted; SQLite
    writes one transaction at a time anyway and ignores it). Take it before other locks
    (the tenant's version counter), always in this order."""
    db.refresh(workshop, with_for_update={"key_share": True})
    return workshop


def save_if_unchanged(
    obj: Any, base: int, values: dict[str, Any], conflict: Callable[[], Conflict]
) -> None:
    """Optimistic locking, the one implementation (drafts, pair proposals, the vision).

    Writes ``values`` and ``version = base + 1`` only if the stored version is still
    ``base`` — checked in the UPDATE itself (``WHERE version = :base``), so of two saves
    from one version exactly one wins, also concurrently (the second UPDATE waits for
    the first's row lock, then finds the version moved on). Either way ``obj`` is
    re-read; on a lost race ``conflict()`` (built from the stored row, carrying both
    texts) is raised and nothing was written.

    Not SQLAlchemy's ``version_id_col``: the version to compare with is the one the
    person's editor started from (sent with the form), not the one this session loaded,
    and a stale one must answer with both texts rather than a StaleDataError."""
    model = type(obj)
    result = db.execute(
        update(model)
        .where(model.id == obj.id, model.version == base)
        .values(version=base + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.refresh(obj)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise conflict()
