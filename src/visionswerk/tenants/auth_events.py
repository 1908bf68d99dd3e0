"""The log of authentication events (ASVS 5.0 V16.3.1): logins, failed logins, logouts,
expired and ended sessions, password resets and changes, API tokens, two-factor changes.

* :func:`record` adds one :class:`AuthEvent` to the current ``db`` session; the caller's
  transaction commits it. A refused request rolls back (a failed login answers 422), so
  each event is also kept across a rollback (``db.keep_on_rollback``): a failure is
  logged precisely when the request fails.
* Who, when (UTC), from which client address and with which coarse device ("Firefox auf
  Windows", never the raw User-Agent), and a small ``detail`` (short strings only, never
  a password, a token or a code).
* A failed login for an address without an account has no user; its address is stored
  masked (:func:`mask_email`: first character and domain, ``m…@musterhausen.example``),
  never in clear — enough for an administrator to see that a municipality's addresses are
  being tried, too little to learn who was meant.
* The web layer tells this module the client of the current request
  (:func:`set_client`); the worker has none (address and device stay empty).
* The account holder reads their own events, the platform admin everyone's
  (:func:`events`). Deleting an account deletes its events (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from visionswerk import db as dbmod
from visionswerk.db import db, utcnow
from visionswerk.i18n import N_
from visionswerk.tenants import devices, personal_data
from visionswerk.tenants.models import AuthEvent, User

#: Every kind of event with its label for people (German msgid; the pages translate it).
LABELS: dict[str, str] = {
    "login": N_("Angemeldet"),
    "login_failed": N_("Anmeldung fehlgeschlagen"),
    "logout": N_("Abgemeldet"),
    "session_expired": N_("Sitzung abgelaufen"),
    "session_ended": N_("Sitzung beendet"),
    "password_reset_requested": N_("Link zum Zurücksetzen des Passworts angefordert"),
    "password_reset": N_("Passwort zurückgesetzt"),
    "password_changed": N_("Passwort geändert"),
    "token_created": N_("API-Schlüssel erstellt"),
    "token_revoked": N_("API-Schlüssel widerrufen"),
    "mfa_enabled": N_("Zwei-Faktor-Anmeldung eingeschaltet"),
    "mfa_disabled": N_("Zwei-Faktor-Anmeldung ausgeschaltet"),
    "mfa_failed": N_("Falscher Bestätigungscode"),
    "mfa_recovery_used": N_("Wiederherstellungscode benutzt"),
    "recovery_codes_renewed": N_("Neue Wiederherstellungscodes erstellt"),
}
KINDS = frozenset(LABELS)

DETAIL_KEYS = 8
DETAIL_LENGTH = 100
PAGE_SIZE = 50


@dataclass(frozen=True)
class Client:
    address: str = ""
    user_agent: str = ""  # the raw header, only ever stored as devices.describe() of it


_client: contextvars.ContextVar[Client | None] = contextvars.ContextVar("auth_client", default=None)


def set_client(address: str | None, user_agent: str | None) -> None:
    """The client of the current request (called by the web layer for each request)."""
    _client.set(Client((address or "")[:45], (user_agent or "")[: devices.MAX_HEADER]))


@contextmanager
def client(address: str | None, user_agent: str | None) -> Iterator[None]:
    """The client for the events recorded inside (the worker, on a request's behalf)."""
    token = _client.set(Client((address or "")[:45], (user_agent or "")[: devices.MAX_HEADER]))
    try:
        yield
    finally:
        _client.reset(token)


def current_client() -> Client:
    return _client.get() or Client()


def mask_email(email: str) -> str:
    """``m…@musterhausen.example``: the first character and the domain, nothing more."""
    local, _, domain = email.strip().lower().rpartition("@")
    if not local:
        return "…"
    return (local[0] + "…@" + domain)[:120]


def record(user: User | None, kind: str, *, email: str | None = None, **detail: str) -> None:
    """Add one event to the current transaction (kept even if it rolls back).

    ``email`` only for an event without a user (a failed login for an unknown address):
    it is stored masked. ``detail``: a few short strings (e.g. ``name`` of a token)."""
    if kind not in KINDS:
        raise ValueError(f"unknown auth event kind {kind!r}")
    client = current_client()
    values: dict[str, Any] = {
        "user_id": user.id if user is not None else None,
        "kind": kind,
        "created_at": utcnow(),
        "client_address": client.address,
        "device": devices.describe(client.user_agent),
        "email_hint": mask_email(email) if email and user is None else None,
        "detail": {
            str(k)[:40]: str(v)[:DETAIL_LENGTH] for k, v in list(detail.items())[:DETAIL_KEYS]
        },
    }
    db.add(AuthEvent(**values))
    dbmod.keep_on_rollback(lambda: db.add(AuthEvent(**values)))


#: How long a successful login makes its address "known" for the account.
KNOWN_ADDRESS_DAYS = 30


def logged_in_from(email: str, address: str) -> bool:
    """Did the account with ``email`` log in from ``address`` in the last 30 days?"""
    if not email or not address:
        return False
    since = utcnow() - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    found = db.scalar(
        select(AuthEvent.id)
        .join(User, AuthEvent.user_id == User.id)
        .where(
            func.lower(User.email) == email.strip().lower(),
            AuthEvent.kind == "login",
            AuthEvent.client_address == address,
            AuthEvent.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


def label(kind: str) -> str:
    """The German msgid of ``kind`` (unknown kinds, e.g. from a newer version, as they are)."""
    return LABELS.get(kind, kind)


@dataclass(frozen=True)
class Page:
    events: list[AuthEvent]
    page: int
    pages: int
    total: int


def _paged(query: Select[tuple[AuthEvent]], page: int) -> Page:
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = db.scalars(
        query.order_by(AuthEvent.created_at.desc(), AuthEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page(list(rows), page, pages, total)


def events_of(user: User, page: int = 1) -> Page:
    """The account holder's own events, newest first."""
    return _paged(select(AuthEvent).where(AuthEvent.user_id == user.id), page)


def all_events(page: int = 1, *, account: str | None = None) -> Page:
    """Everyone's events for the platform admin (the caller checks the policy), newest
    first; ``account`` filters by an account's address (part of it is enough)."""
    query = select(AuthEvent)
    needle = (account or "").strip().lower()
    if needle:
        query = query.join(User, AuthEvent.user_id == User.id).where(
            func.lower(User.email).contains(needle, autoescape=True)
        )
    return _paged(query, page)


@personal_data.exporter("login_history")
def _export(user: User) -> list[dict[str, Any]]:
    """The account's authentication events (DSGVO Art. 15), oldest first."""
    rows = db.scalars(select(AuthEvent).where(AuthEvent.user_id == user.id).order_by(AuthEvent.id))
    return [
        {
            "kind": e.kind,
            "at": e.created_at.isoformat(),
            "client_address": e.client_address,
            "device": e.device,
            "detail": e.detail,
        }
        for e in rows
    ]
