"""Notification preferences and the unsubscribe token.

The token is derived, not stored: ``HMAC-SHA256(SECRET_KEY, "unsubscribe:<user>:<salt>")``;
the row keeps only its SHA-256 (``token_hash``) to find the user again. The worker can thus
put the same link into every mail without keeping a usable secret in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from visionswerk.db import db, utcnow
from visionswerk.settings import Settings
from visionswerk.tenants import personal_data
from visionswerk.tenants.models import User
from visionswerk.worker.models import NotificationPreference


def _derive(secret_key: str, user_id: int, salt: str) -> str:
    mac = hmac.new(secret_key.encode(), f"unsubscribe:{user_id}:{salt}".encode(), "sha256")
    return mac.hexdigest()[:40]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def preference_of(settings: Settings, user_id: int) -> NotificationPreference:
    """The user's row, created with the defaults (reminders on, no digest) if missing."""
    pref = db.get(NotificationPreference, user_id)
    if pref is None:
        # insert-if-absent: two sweeps at once must not fail on the primary key
        salt = secrets.token_hex(8)
        session = db()
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            module.insert(NotificationPreference)
            .values(
                user_id=user_id,
                reminders=True,
                digest=False,
                token_salt=salt,
                token_hash=_hash(_derive(settings.secret_key, user_id, salt)),
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        pref = db.get(NotificationPreference, user_id, populate_existing=True)
        assert pref is not None
    return pref


def token_for(settings: Settings, user_id: int) -> str:
    pref = preference_of(settings, user_id)
    return _derive(settings.secret_key, user_id, pref.token_salt)


def tokens_for(
    settings: Settings, user_ids: list[int], salts_known: dict[int, str] | None = None
) -> dict[int, str]:
    """:func:`token_for` of many users in two or three statements (rows made if missing);
    ``salts_known``: salts the caller already read (then only the missing are asked for)."""
    if not user_ids:
        return {}

    def salts() -> dict[int, str]:
        rows = db.execute(
            select(NotificationPreference.user_id, NotificationPreference.token_salt).where(
                NotificationPreference.user_id.in_(user_ids)
            )
        )
        return {uid: salt for uid, salt in rows}

    found = salts() if salts_known is None else salts_known
    missing = [uid for uid in user_ids if uid not in found]
    if missing:
        session = db()
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        now = utcnow()
        rows = []
        for uid in missing:
            salt = secrets.token_hex(8)
            token_hash = _hash(_derive(settings.secret_key, uid, salt))
            rows.append(
                {
                    "user_id": uid,
                    "reminders": True,
                    "digest": False,
                    "token_salt": salt,
                    "token_hash": token_hash,
                    "updated_at": now,
                }
            )
        # insert-if-absent: a concurrent sweep's rows win; read back what is stored
        session.execute(
            module.insert(NotificationPreference.__table__).on_conflict_do_nothing(
                index_elements=["user_id"]
            ),
            rows,
        )
        found = salts()
    return {uid: _derive(settings.secret_key, uid, salt) for uid, salt in found.items()}


def by_token(token: str) -> NotificationPreference | None:
    if not token or len(token) > 100:
        return None
    return db.scalar(
        select(NotificationPreference).where(NotificationPreference.token_hash == _hash(token))
    )


def wants_reminders(user_id: int) -> bool:
    pref = db.get(NotificationPreference, user_id)
    return pref is None or pref.reminders


def wants_digest(user_id: int) -> bool:
    pref = db.get(NotificationPreference, user_id)
    return pref is not None and pref.digest


def set_preferences(
    settings: Settings, user_id: int, *, reminders: bool | None = None, digest: bool | None = None
) -> NotificationPreference:
    pref = preference_of(settings, user_id)
    if reminders is not None:
        pref.reminders = reminders
    if digest is not None:
        pref.digest = digest
    db.flush()
    return pref


# --- personal data (DSGVO) ---------------------------------------------------------------------


@personal_data.exporter("notifications")
def _export(user: User) -> dict[str, Any]:
    from visionswerk.worker.models import Report

    pref = db.get(NotificationPreference, user.id)
    requested = db.scalars(
        select(Report)
        .where(Report.requested_by_id == user.id)
        .order_by(Report.id)
        .execution_options(all_tenants=True)
    )
    return {
        "reminders": pref.reminders if pref else True,
        "digest": pref.digest if pref else False,
        "reports_requested": [
            {"id": r.id, "kind": r.kind.value, "created_at": r.created_at.isoformat()}
            for r in requested
        ],
    }


@personal_data.eraser
def _erase(user: User) -> None:
    from visionswerk.worker import erasure
    from visionswerk.worker.celery_app import celery, settings_of
    from visionswerk.worker.models import Report

    settings = settings_of(celery)
    # outbox rows and files, audit names, reports naming the person (erasure.py)
    erasure.erase(user, settings.secret_key, None if settings.mail_server else settings.mail_outbox)

    db.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    db.execute(
        update(Report)
        .where(Report.requested_by_id == user.id)
        .values(requested_by_id=None)
        .execution_options(all_tenants=True)
    )
