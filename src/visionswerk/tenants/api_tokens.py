"""Personal API tokens: a user creates them on the account page and uses one as
``Authorization: Bearer <token>`` with the JSON API (``/api/v1``).

* The raw token is returned exactly once, by :func:`create_token`; only its SHA-256 is
  stored (plus ``hint``, its first characters, so the owner can tell tokens apart).
* A revoked token, a token of a deactivated account, or an unknown token authenticates
  nobody (the API answers 401).
* ``last_used_at`` is written only when a token is used for a state-changing request
  (``record_use=True``), inside that request's own transaction. Reading requests never
  write: the request pipeline rolls every GET back and refuses to commit during one,
  and a second transaction beside the request's would contend for locks with it. So the
  account page shows "last used for a change".
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from visionswerk.db import db, utcnow
from visionswerk.errors import InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import auth_events, personal_data
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import ApiToken, User
from visionswerk.tenants.tokens import hash_token

PREFIX = "vw_"
HINT_LENGTH = len(PREFIX) + 6
NAME_MAX = 100
MAX_ACTIVE_TOKENS = 20


def _clean_name(name: str | None) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise InvalidField("name", N_("Bitte geben Sie dem Schlüssel einen Namen."))
    if len(clean) > NAME_MAX:
        raise InvalidField(
            "name", N_("Der Name darf höchstens %(n)d Zeichen lang sein."), n=NAME_MAX
        )
    return clean


def create_token(user: User, name: str | None) -> tuple[ApiToken, str]:
    """A new token for ``user`` named ``name`` (e.g. "Auswertung im Rathaus").
    Returns the row and the raw token — the only time it is available."""
    clean = _clean_name(name)
    active = (
        db.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
        or 0
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise InvalidInput(
            N_(
                "Sie haben schon %(n)d aktive Schlüssel. Bitte widerrufen Sie zuerst einen, "
                "den Sie nicht mehr brauchen."
            ),
            n=MAX_ACTIVE_TOKENS,
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=clean, token_hash=hash_token(raw), hint=raw[:HINT_LENGTH]
    )
    db.add(token)
    db.flush()
    auth_events.record(user, "token_created", name=clean)
    return token, raw


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, active first, newest first."""
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )


def revoke_token(user: User, token_id: int | str) -> ApiToken:
    """Revoke one of the user's own tokens (revoking twice changes nothing). Another
    user's token answers NotFound."""
    try:
        ident = int(token_id)
    except (TypeError, ValueError):
        ident = 0
    token = db.scalar(select(ApiToken).where(ApiToken.id == ident, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound(N_("Diesen Schlüssel gibt es nicht."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        auth_events.record(user, "token_revoked", name=token.name)
        db.flush()
    return token


def revoke_all(user: User) -> int:
    """Revoke every active token of ``user`` (after a password reset or change)."""
    active = db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in active:
        token.revoked_at = utcnow()
        auth_events.record(user, "token_revoked", name=token.name, reason="password")
    db.flush()
    return len(active)


def user_for_token(raw: str, *, record_use: bool = False) -> User | None:
    """The active user an active token belongs to, else None. With ``record_use`` the
    token's ``last_used_at`` is set (within the caller's transaction)."""
    raw = (raw or "").strip()
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = (  # one statement: the token, its user and the user's memberships
        db.execute(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None))
            .options(joinedload(ApiToken.user).joinedload(User.memberships))
        )
        .unique()
        .scalar_one_or_none()
    )
    if token is None or not token.user.active:
        return None
    if record_use:
        token.last_used_at = utcnow()
        db.flush()
    return token.user


@personal_data.exporter("api_tokens")
def _export(user: User) -> list[dict[str, Any]]:
    """Names and dates only; the tokens themselves are not stored."""
    return [
        {
            "name": t.name,
            "hint": t.hint,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens_of(user)
    ]
