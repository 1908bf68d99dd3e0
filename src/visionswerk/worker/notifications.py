"""Event notifications from the audit log, so the domain never imports the worker.

A beat task (``visionswerk.send_notifications``, every minute) calls :func:`scan`: it reads
the audit entries of the last ``WINDOW`` (an explicit cross-tenant read of ids, then one
``tenant_scope`` per tenant) with the actions below, and queues one mail per (entry,
recipient) with the outbox key ``notify:<entry>:<user>``. That key is unique, so a second
beat, a scan running twice or concurrently, or a redelivered task sends nothing twice.

* ``workshop.move`` to individual / plenary / adopted → participants: ``step_opened``
  (what to do now);
* ``workshop.move`` to signing → account signatories of the frozen version:
  ``signature_requested``;
* ``workshop.pairs_confirm`` → every pair member: ``pair_assigned`` (partners' names);
* ``signatory.add`` (an account) → that signatory: ``signature_requested``.
  Signature requests are keyed ``notify:sign:<version>:<user>``: one per version and person,
  whether the move to signing (accounts listed again for a new round) or ``signatory.add``
  finds them first.

Not here: invitations (the web layer mails them with the single-use link), named
signatories' links (only the web layer has the raw token, at creation), parent vision
changes (issue 4 sends those), report ready (``reports.generate`` queues it).
People who chose the daily digest (``NotificationPreference.digest``) get no single
mails from here; ``digest.py`` summarises for them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import emails, preferences
from visionswerk.workshops.models import Pair, Participation, Phase, Signatory, Workshop
from visionswerk.workshops.signing import current_version

WINDOW = dt.timedelta(days=2)
ACTIONS = ("workshop.move", "workshop.pairs_confirm", "signatory.add")
STEP_MAILS = {Phase.INDIVIDUAL, Phase.PLENARY, Phase.ADOPTED}
STEP_OF_MAIL = {"pair_assigned": "pairs", "signature_requested": "signing"}


def _participants(workshop: Workshop) -> list[int]:
    return list(
        db.scalars(select(Participation.user_id).where(Participation.workshop_id == workshop.id))
    )


def _recipients(entry: AuditEntry) -> list[tuple[int, str, Workshop, dict[str, object]]]:
    """(user_id, mail name, workshop, extra context) for one entry (current tenant)."""
    if entry.action == "signatory.add":
        signatory = db.get(Signatory, entry.object_id) if entry.object_id else None
        if signatory is None or signatory.user_id is None:
            return []
        version = signatory.version
        w = db.get(Workshop, version.workshop_id) if version.workshop_id else None
        extra: dict[str, object] = {"version_id": version.id}
        return [(signatory.user_id, "signature_requested", w, extra)] if w else []
    w = db.get(Workshop, entry.object_id) if entry.object_id else None
    if w is None:
        return []
    if entry.action == "workshop.pairs_confirm":
        out: list[tuple[int, str, Workshop, dict[str, object]]] = []
        for pair in db.scalars(select(Pair).where(Pair.workshop_id == w.id)):
            names = {m.user_id: m.user.display_name for m in pair.members}
            for uid in names:
                partners = [n for other, n in names.items() if other != uid]
                out.append((uid, "pair_assigned", w, {"partners": partners}))
        return out
    to = Phase(str(entry.detail.get("to")))
    if to in STEP_MAILS:
        deadline = w.deadline(to) if to != Phase.ADOPTED else None
        return [
            (uid, "step_opened", w, {"step": to.value, "deadline": deadline})
            for uid in _participants(w)
        ]
    if to == Phase.SIGNING:
        version = current_version(w)
        if version is None:
            return []
        return [
            (s.user_id, "signature_requested", w, {"version_id": version.id})
            for s in db.scalars(
                select(Signatory).where(
                    Signatory.version_id == version.id, Signatory.user_id.is_not(None)
                )
            )
            if s.user_id is not None
        ]
    return []


def scan_tenant(settings: Settings, tenant_id: int, since: dt.datetime) -> list[str]:
    keys = []
    with tenant_scope(tenant_id):
        tenant = db.get(Tenant, tenant_id)
        assert tenant is not None
        entries = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_(ACTIONS), AuditEntry.created_at >= since)
            .order_by(AuditEntry.id)
        ).all()
        for entry in entries:
            for uid, name, w, extra in _recipients(entry):
                user = db.get(User, uid)
                if user is None or not user.active or preferences.wants_digest(uid):
                    continue
                # a signature request is one per version and person, whichever entry
                # (the move to signing or signatory.add) finds it first
                version_id = extra.pop("version_id", None)
                key = (
                    f"notify:sign:{version_id}:{uid}"
                    if version_id is not None
                    else f"notify:{entry.id}:{uid}"
                )
                emails.send_to_user(
                    settings,
                    key,
                    user,
                    name,
                    tenant_id=tenant_id,
                    tenant_name=tenant.name,
                    link=emails.task_link(
                        settings, tenant.slug, w.id, STEP_OF_MAIL.get(name) or extra.get("step")
                    ),
                    workshop=w,
                    **extra,
                )
                keys.append(key)
    return keys


def scan(settings: Settings, now: dt.datetime) -> list[str]:
    since = now - WINDOW
    tenant_ids = sorted(
        set(
            db.scalars(
                select(AuditEntry.tenant_id)
                .where(AuditEntry.action.in_(ACTIONS), AuditEntry.created_at >= since)
                .execution_options(all_tenants=True)
            )
        )
    )
    keys: list[str] = []
    for tenant_id in tenant_ids:
        keys += scan_tenant(settings, tenant_id, since)
    return keys
