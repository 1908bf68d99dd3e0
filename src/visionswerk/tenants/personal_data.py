"""A person's own data (DSGVO): what "Meine Daten herunterladen" exports and what
"Konto löschen" erases.

Every part of Visionswerk that stores personal data joins here, beside its own models:

    from visionswerk.tenants import personal_data

    @personal_data.exporter("workshop_drafts")
    def _drafts(user: User) -> list[dict[str, Any]]:
        ...  # JSON-serialisable; read across tenants with execution_options(all_tenants=True)

    @personal_data.eraser
    def _erase_drafts(user: User) -> None:
        ...  # delete or anonymise; runs before the account row is deleted; flush, never commit

Exporters and erasers run in the acting request's transaction with no current tenant, so
tenant-owned rows must be read with ``execution_options(all_tenants=True)`` and filtered
by the user themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select

from visionswerk.db import db, utcnow
from visionswerk.tenants import audit
from visionswerk.tenants.models import Invitation, LoginSession, User

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]

FORMAT = "visionswerk-personal-data/1"
_exporters: dict[str, Exporter] = {}
_erasers: list[Eraser] = []


def exporter(name: str) -> Callable[[Exporter], Exporter]:
    """Register ``fn(user)`` as the part ``name`` of the data export."""

    def register(fn: Exporter) -> Exporter:
        if name in _exporters or name in {"format", "exported_at"}:
            raise RuntimeError(f"an exporter for {name!r} exists already")
        _exporters[name] = fn
        return fn

    return register


def eraser(fn: Eraser) -> Eraser:
    """Register ``fn(user)`` to run when the user deletes their account."""
    _erasers.append(fn)
    return fn


def parts() -> list[str]:
    return sorted(_exporters)


def export(user: User) -> dict[str, Any]:
    """Everything Visionswerk keeps about ``user``, as JSON-serialisable data."""
    data: dict[str, Any] = {"format": FORMAT, "exported_at": utcnow().isoformat()}
    for name in parts():
        data[name] = _exporters[name](user)
    return data


def erase(user: User) -> None:
    for fn in _erasers:
        fn(user)


# --- the tenants package's own share -----------------------------------------------


@exporter("profile")
def _profile(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "locale": user.locale,
        "is_platform_admin": user.is_platform_admin,
        "created_at": user.created_at.isoformat(),
    }


@exporter("memberships")
def _memberships(user: User) -> list[dict[str, Any]]:
    return [
        {
            "tenant": m.tenant.name,
            "tenant_slug": m.tenant.slug,
            "tenant_kind": m.tenant.kind.value,
            "role": m.role.value,
            "since": m.created_at.isoformat(),
        }
        for m in sorted(user.memberships, key=lambda m: m.created_at)
    ]


@exporter("login_sessions")
def _login_sessions(user: User) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    return [{"started_at": row.created_at.isoformat()} for row in rows]


@eraser
def _erase_membership_traces(user: User) -> None:
    """Leave every tenant visibly in its audit log (no personal data in the entry) and
    drop the accepted invitations that carried the user's email address."""
    for m in user.memberships:
        audit.record(None, m.tenant_id, "account.delete", user, role=m.role.value)
    db.execute(
        delete(Invitation)
        .where(Invitation.accepted_by_id == user.id)
        .execution_options(all_tenants=True)
    )
