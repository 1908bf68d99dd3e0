"""Login sessions: server-side, hashed, and they expire (ASVS 5.0 V7.3).

* The cookie carries a random token; only its SHA-256 is stored (``LoginSession``).
  Logging out deletes the row, so a replayed old cookie logs nobody in.
* Two timeouts (:class:`Limits`, from the settings): *idle* since the session was last
  seen and *absolute* since it started. People who run workshops or administer — anyone
  holding a facilitator or coordinator role, and platform admins — get the shorter
  pair; the user's highest role decides, at every request (a promotion applies at once).
* "Last seen" is written at most once per :data:`TOUCH_EVERY`, after the request's own
  transaction (``db.write_after``): a GET stays read-only and holds no lock for it.
* An expired session is refused and deleted, and ``session_expired`` is logged.
* The account holder lists their sessions and ends one or all others; a password reset or
  change ends the others too (:func:`end_other_sessions`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from visionswerk import db as dbmod
from visionswerk.db import db, utcnow
from visionswerk.errors import NotFound
from visionswerk.i18n import N_
from visionswerk.settings import Settings
from visionswerk.tenants import auth_events, devices
from visionswerk.tenants.models import LoginSession, Role, User
from visionswerk.tenants.tokens import hash_token, new_token

#: "Last seen" is written at most this often per session.
TOUCH_EVERY = dt.timedelta(minutes=1)
STAFF_ROLES = frozenset({Role.FACILITATOR, Role.COORDINATOR})


@dataclass(frozen=True)
class Limits:
    """Idle and absolute timeouts; ``staff_*`` for facilitators, coordinators, admins."""

    idle: dt.timedelta = dt.timedelta(hours=8)
    absolute: dt.timedelta = dt.timedelta(days=30)
    staff_idle: dt.timedelta = dt.timedelta(hours=2)
    staff_absolute: dt.timedelta = dt.timedelta(hours=12)

    def for_user(self, user: User) -> tuple[dt.timedelta, dt.timedelta]:
        if is_staff(user):
            return self.staff_idle, self.staff_absolute
        return self.idle, self.absolute


DEFAULT_LIMITS = Limits()


def is_staff(user: User) -> bool:
    """Does the user hold any role beyond participant (the stricter timeouts apply)?"""
    return user.is_platform_admin or any(m.role in STAFF_ROLES for m in user.memberships)


def start_login_session(user: User) -> str:
    """A fresh login session (logged as ``login``); its token is what the cookie carries.
    Call it once every factor is checked: the session is the login."""
    token, digest = new_token()
    now = utcnow()
    device = devices.describe(auth_events.current_client().user_agent)
    db.add(
        LoginSession(
            token_hash=digest, user_id=user.id, created_at=now, last_seen_at=now, device=device
        )
    )
    db.flush()
    user.login_token = token
    auth_events.record(user, "login")
    return token


def expired(row: LoginSession, limits: Limits, now: dt.datetime) -> bool:
    idle, absolute = limits.for_user(row.user)
    return now - row.last_seen_at > idle or now - row.created_at > absolute


@dataclass(frozen=True)
class Check:
    user: User | None
    expired: bool = False


def check_login_token(token: str, limits: Limits = DEFAULT_LIMITS) -> Check:
    """The user of a live session, touching its "last seen"; an expired session is
    refused (``expired=True``), deleted and logged."""
    # one statement: the session, its user and the user's memberships (every request)
    row = (
        db.execute(
            select(LoginSession)
            .where(LoginSession.token_hash == hash_token(token))
            .options(joinedload(LoginSession.user).joinedload(User.memberships))
        )
        .unique()
        .scalar_one_or_none()
    )
    if row is None or not row.user.active:
        return Check(None)
    now = utcnow()
    if expired(row, limits, now):
        _end_expired(row.id, row.user_id)
        return Check(None, expired=True)
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(row.id, now)
    row.user.login_token = token
    return Check(row.user)


def user_for_login_token(token: str, limits: Limits = DEFAULT_LIMITS) -> User | None:
    return check_login_token(token, limits).user


def _touch(session_id: int, now: dt.datetime) -> None:
    # conditional: of two requests at once, one writes; an ended session stays ended
    dbmod.write_after(
        lambda: db.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.last_seen_at < now)
            .values(last_seen_at=now)
        )
    )


def _end_expired(session_id: int, user_id: int) -> None:
    def write() -> None:
        gone = db.execute(delete(LoginSession).where(LoginSession.id == session_id))
        user = db.get(User, user_id)
        if gone.rowcount and user is not None:  # type: ignore[attr-defined]
            auth_events.record(user, "session_expired")

    dbmod.write_after(write)


def sweep_expired(limits: Limits = DEFAULT_LIMITS, now: dt.datetime | None = None) -> int:
    """Delete sessions expired under any role's limits (their cookies are refused anyway;
    this keeps no row longer than needed). Run by the worker's beat."""
    now = now or utcnow()
    idle = max(limits.idle, limits.staff_idle)
    absolute = max(limits.absolute, limits.staff_absolute)
    gone = db.execute(
        delete(LoginSession).where(
            (LoginSession.last_seen_at < now - idle) | (LoginSession.created_at < now - absolute)
        )
    )
    return gone.rowcount or 0  # type: ignore[attr-defined]


def limits_of(settings: Settings) -> Limits:
    """The timeouts configured in ``settings`` (README: ``SESSION_*``)."""
    return Limits(
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
        absolute=dt.timedelta(hours=settings.session_absolute_hours),
        staff_idle=dt.timedelta(minutes=settings.staff_session_idle_minutes),
        staff_absolute=dt.timedelta(hours=settings.staff_session_absolute_hours),
    )


def end_login_session(token: str | None) -> None:
    if token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))


def end_all_login_sessions(user: User) -> None:
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def end_other_sessions(user: User, keep_token: str | None) -> int:
    """End every session of ``user`` but the one whose token is ``keep_token``."""
    others = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        others = others.where(LoginSession.token_hash != hash_token(keep_token))
    return db.execute(others).rowcount or 0  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DeviceSession:
    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    device: str
    current: bool


def sessions_of(user: User, limits: Limits = DEFAULT_LIMITS) -> list[DeviceSession]:
    """The user's live sessions, this device's first, then the most recently active."""
    now = utcnow()
    mine = hash_token(user.login_token) if user.login_token else None
    rows = db.scalars(select(LoginSession).where(LoginSession.user_id == user.id))
    found = [
        DeviceSession(r.id, r.created_at, r.last_seen_at, r.device, r.token_hash == mine)
        for r in rows
        if not expired(r, limits, now)
    ]
    return sorted(found, key=lambda s: (not s.current, -s.last_seen_at.timestamp()))


def end_session(user: User, session_id: int | str) -> None:
    """End one of the user's own sessions ("Diese Sitzung beenden"); another user's
    session, or one that is gone, answers NotFound."""
    try:
        ident = int(session_id)
    except (TypeError, ValueError):
        ident = 0
    gone = db.execute(
        delete(LoginSession).where(LoginSession.id == ident, LoginSession.user_id == user.id)
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise NotFound(N_("Diese Sitzung gibt es nicht mehr."))
    auth_events.record(user, "session_ended")


def end_others(user: User) -> int:
    """ "Alle anderen beenden": every session of the user but this one."""
    count = end_other_sessions(user, user.login_token)
    if count:
        auth_events.record(user, "session_ended", count=str(count))
    return count
