"""What account deletion erases beyond the rows that name the user by id (finding 12;
retention per kind of data: ``docs/retention.md``).

* **Outbox**: every row addressed to the person is deleted (address, subject, and a body
  still waiting), pending ones included — nothing is sent to a deleted account. The
  ``.eml`` files of the local outbox folder addressed to them are deleted after the
  commit (a rolled-back deletion keeps them).
* **Audit log**: entries stay (a tenant's record of what happened), but every value in
  ``detail`` that is the person's address or display name becomes a pseudonym that is
  the same for every entry of this person (``Gelöschtes Konto <8 hex>``, an HMAC of the
  account id, not reversible without SECRET_KEY). Ids of the deleted account in details
  point nowhere after the deletion.
* **Stored reports** whose HTML names the person are deleted (PDF and HTML). A report is
  derived data: it can be requested again at any time and is then built from what the
  database still holds (signatures of an adopted vision stay, see the retention document).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from email import message_from_binary_file
from email.utils import getaddresses
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import escape
from sqlalchemy import Text, cast, delete, func, or_, select

from visionswerk.db import after_commit, db
from visionswerk.tenants.models import AuditEntry, User
from visionswerk.worker.models import OutgoingEmail, Report

log = logging.getLogger(__name__)


def pseudonym(secret_key: str, user_id: int) -> str:
    digest = hmac.new(secret_key.encode(), f"erased-account:{user_id}".encode(), hashlib.sha256)
    return f"Gelöschtes Konto {digest.hexdigest()[:8]}"


def erase(user: User, secret_key: str, outbox_folder: Path | None) -> None:
    address = user.email.strip().lower()
    db.execute(
        delete(OutgoingEmail)
        .where(func.lower(OutgoingEmail.to) == address)
        .execution_options(all_tenants=True, synchronize_session=False)
    )
    _pseudonymise_audit(user, pseudonym(secret_key, user.id))
    _delete_reports_naming(user)
    if outbox_folder is not None:
        after_commit(partial(delete_eml_files, outbox_folder, address))


def _variants(value: str) -> list[str]:
    """How a string appears inside stored JSON text (escaped non-ASCII) and as is."""
    return sorted({value, json.dumps(value)[1:-1]})


def _replace(value: Any, names: set[str], address: str, alias: str) -> Any:
    if isinstance(value, str):
        return alias if value in names or address in value.lower() else value
    if isinstance(value, list):
        return [_replace(v, names, address, alias) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, names, address, alias) for k, v in value.items()}
    return value


def _pseudonymise_audit(user: User, alias: str) -> None:
    names = {user.display_name, user.email}
    text = cast(AuditEntry.detail, Text)
    patterns = [v for n in names for v in _variants(n)]
    entries = db.scalars(
        select(AuditEntry)
        .where(or_(*(text.contains(p, autoescape=True) for p in patterns)))
        .execution_options(all_tenants=True)
    )
    address = user.email.strip().lower()
    for entry in entries:
        replaced = _replace(entry.detail, names, address, alias)
        if replaced != entry.detail:
            entry.detail = replaced


def _delete_reports_naming(user: User) -> None:
    tenants = [m.tenant_id for m in user.memberships]
    if not tenants:
        return
    needles = {str(escape(user.display_name)), str(escape(user.email))}
    db.execute(
        delete(Report)
        .where(
            Report.tenant_id.in_(tenants),
            or_(*(Report.html.contains(n, autoescape=True) for n in needles)),
        )
        .execution_options(all_tenants=True, synchronize_session=False)
    )


def delete_eml_files(folder: Path, address: str) -> int:
    """Delete the local outbox's messages addressed to ``address``; returns how many."""
    removed = 0
    for path in folder.glob("*.eml") if folder.exists() else []:
        try:
            with path.open("rb") as fh:
                msg = message_from_binary_file(fh)
            recipients = {a.lower() for _, a in getaddresses(msg.get_all("To", []))}
            if address in recipients:
                path.unlink()
                removed += 1
        except OSError as exc:  # another process removed it, or it cannot be read
            log.warning("outbox file %s not checked for erasure: %s", path.name, exc)
    return removed
