"""Two-factor login: a TOTP code from an authenticator app (RFC 6238, via ``pyotp``) or a
single-use recovery code, after the password.

* The TOTP secret is stored encrypted (Fernet, key derived from SECRET_KEY, so a copy of
  the database alone does not hold it). Changing SECRET_KEY makes stored secrets unreadable:
  those users log in with a recovery code and set the app up again.
* A code is accepted in the current 30-second step and one step either side (clocks of
  phones drift), and only for a step after the last one accepted: an overheard code cannot
  be used again. The step moves on with one conditional UPDATE, so two logins racing with
  the same code cannot both win.
* Recovery codes (``RECOVERY_CODES`` of 12 characters, 60 bits) are shown once and stored
  as argon2id hashes (ASVS 6.5.2: under 112 bits of entropy needs a salted password hash);
  each works once (again one conditional UPDATE).
* Switching on needs the password and a code of the new secret; switching off and renewing
  the codes need the password and a current code (or a recovery code). Each change logs
  out the account's other devices.

The caller passes SECRET_KEY as ``key``: this package reads no settings itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, func, select, update

from visionswerk.db import db, utcnow
from visionswerk.errors import InvalidInput
from visionswerk.i18n import N_
from visionswerk.tenants import accounts, auth_events, personal_data
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import LoginSession, RecoveryCode, User, UserMfa
from visionswerk.tenants.tokens import hash_token

ISSUER = "Visionswerk"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
RECOVERY_LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-]+")


# --- the secret ---------------------------------------------------------------------------


def _fernet(key: str) -> Fernet:
    # its own derivation label: a key for mail bodies never opens a TOTP secret
    digest = hashlib.sha256(b"visionswerk totp v1\0" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(key: str, secret: str) -> str:
    return _fernet(key).encrypt(secret.encode()).decode("ascii")


def unseal(key: str, sealed: str) -> str | None:
    """The secret, or None when it cannot be read (SECRET_KEY changed, or tampered)."""
    try:
        return _fernet(key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def grouped(secret: str) -> str:
    """``ABCD EFGH …``: blocks of four, to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, after: int) -> int | None:
    """The time step (now, or one either side) whose code is ``code``, if it is later
    than ``after``."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current - 1, current, current + 1):
        if step > after and pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def _clean(code: str) -> str:
    return _SEPARATORS.sub("", code or "").upper()


# --- state ----------------------------------------------------------------------------


def status(user: User) -> UserMfa | None:
    """The user's two-factor login, or None when it is off."""
    return db.get(UserMfa, user.id)


def is_enabled(user: User) -> bool:
    return status(user) is not None


def role_names(user: User) -> set[str]:
    """The names ``MFA_REQUIRED_ROLES`` speaks of that apply to ``user``."""
    names = {m.role.value for m in user.memberships}
    if user.is_platform_admin:
        names.add("platform_admin")
    return names


def is_required(user: User, required_roles: frozenset[str]) -> bool:
    return bool(role_names(user) & required_roles)


def unused_recovery_codes(user: User) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- changes (each needs the password) --------------------------------------------------


def _check_password(user: User, password: str) -> None:
    if not accounts.check_password(user, password):
        raise InvalidField("password", N_("Das Passwort stimmt nicht."))


def _reauthenticate(user: User, password: str, code: str, key: str) -> None:
    """Both factors, as at login (ASVS 7.5.1): an unlocked computer with a saved password
    is not enough to switch the second factor off."""
    _check_password(user, password)
    if verify_login(user, code, key) is None:
        raise InvalidField("code", N_("Dieser Code stimmt nicht oder wurde schon benutzt."))


def _end_other_sessions(user: User) -> None:
    """A changed factor logs out every other device (ASVS 7.4.3); the session whose token
    the user carries (``user.login_token``) stays."""
    others = delete(LoginSession).where(LoginSession.user_id == user.id)
    if user.login_token:
        others = others.where(LoginSession.token_hash != hash_token(user.login_token))
    db.execute(others)


def _new_recovery_codes(user: User) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=accounts.hasher.hash(c)) for c in codes)
    db.flush()
    return ["-".join(c[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for c in codes]


def enable(user: User, secret: str, code: str, password: str, key: str) -> list[str]:
    """Switch two-factor login on with ``secret`` (shown to the user, not yet stored),
    confirmed by a current ``code`` from the app. Returns the recovery codes — the only
    time they are readable."""
    _check_password(user, password)
    if is_enabled(user):
        raise InvalidInput(N_("Die Zwei-Faktor-Anmeldung ist schon eingeschaltet."))
    step = _matching_step(secret, _clean(code), after=0)
    if step is None:
        raise InvalidField(
            "code",
            N_(
                "Dieser Code stimmt nicht. Geben Sie bitte den Code ein, den Ihre App gerade "
                "anzeigt (er wechselt alle 30 Sekunden)."
            ),
        )
    db.add(UserMfa(user_id=user.id, secret_sealed=seal(key, secret), last_step=step))
    codes = _new_recovery_codes(user)
    _end_other_sessions(user)
    auth_events.record(user, "mfa_enabled")
    return codes


def disable(user: User, password: str, code: str, key: str) -> None:
    """Switch it off; needs the password and a current code (or a recovery code)."""
    if not is_enabled(user):
        return
    _reauthenticate(user, password, code, key)
    db.execute(delete(UserMfa).where(UserMfa.user_id == user.id))
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    _end_other_sessions(user)
    db.flush()
    auth_events.record(user, "mfa_disabled")


def renew_recovery_codes(user: User, password: str, code: str, key: str) -> list[str]:
    """New recovery codes; every earlier one stops working. Needs both factors."""
    if not is_enabled(user):
        raise InvalidInput(N_("Die Zwei-Faktor-Anmeldung ist nicht eingeschaltet."))
    _reauthenticate(user, password, code, key)
    codes = _new_recovery_codes(user)
    auth_events.record(user, "recovery_codes_renewed")
    return codes


# --- the second step of logging in --------------------------------------------------------


def _use_totp(user: User, row: UserMfa, code: str, key: str) -> bool:
    secret = unseal(key, row.secret_sealed)
    if secret is None:
        return False
    step = _matching_step(secret, code, after=row.last_step)
    if step is None:
        return False
    moved = db.execute(
        update(UserMfa)
        .where(UserMfa.user_id == user.id, UserMfa.last_step < step)
        .values(last_step=step)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


def _use_recovery_code(user: User, code: str) -> bool:
    unused = db.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        try:
            accounts.hasher.verify(row.code_hash, code)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
        used = db.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
        )
        return used.rowcount == 1  # type: ignore[attr-defined]
    return False


def verify_login(user: User, code: str, key: str) -> str | None:
    """``"totp"`` or ``"recovery"`` when ``code`` is a valid, unused code of ``user``,
    else None (and the failure is logged)."""
    row = status(user)
    clean = _clean(code)
    kind = None
    if row is not None and re.fullmatch(r"\d{6}", clean):
        kind = "totp" if _use_totp(user, row, clean, key) else None
    elif row is not None and len(clean) == RECOVERY_LENGTH:
        kind = "recovery" if _use_recovery_code(user, clean) else None
    if kind is None:
        auth_events.record(user, "mfa_failed")
    elif kind == "recovery":
        auth_events.record(user, "mfa_recovery_used", remaining=str(unused_recovery_codes(user)))
    return kind


# --- the person's own data ---------------------------------------------------------------


@personal_data.exporter("two_factor_login")
def _export(user: User) -> dict[str, Any] | None:
    """That it is on and since when; never the secret or the codes."""
    row = status(user)
    if row is None:
        return None
    return {
        "enabled_at": row.enabled_at.isoformat(),
        "unused_recovery_codes": unused_recovery_codes(user),
    }


@personal_data.eraser
def _erase(user: User) -> None:
    db.execute(delete(UserMfa).where(UserMfa.user_id == user.id))
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
