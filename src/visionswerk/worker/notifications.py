"""Event notifications from the audit log, so the domain never imports the worker.

A beat task (``visionswerk.send_notifications``, every minute) calls :func:`scan`: it reads
the audit entries with the actions below that are new since its cursor (``ScanCursor``:
the last id it looked at; plus the last ``GRACE``, for entries committed late), no older
than ``WINDOW`` (an explicit cross-tenant read of ids, then one ``tenant_scope`` per
tenant), and queues one mail per (entry, recipient) with the outbox key
``notify:<entry>:<user>``. That key is unique and checked before rendering, so a second
beat, a scan running twice or concurrently, or a redelivered task sends nothing twice;
the cursor row is locked while a scan runs, so a concurrent one reads on after it.

* ``workshop.move`` to individual / plenary / adopted → participants: ``step_opened``
  (what to do now);
* ``workshop.move`` to signing → account signatories of the frozen version:
  ``signature_requested``;
* ``workshop.move`` to fours (the round of four begins) → every member of a four:
  ``step_opened`` with "Ihre Vierergruppe" (the other members' names), a link to the
  four's page (``emails.group_link``), the deadline and its calendar entry;
* ``workshop.pairs_confirm`` → every member of a round-1 group: ``pair_assigned``
  (partners' names) — never the fours, even when the scan runs after the round of four
  began;
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

import dataclasses
import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from visionswerk.db import db, utcnow
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import emails, outbox, preferences
from visionswerk.worker.models import NotificationPreference, OutgoingEmail, ScanCursor
from visionswerk.workshops.models import Pair, Participation, Phase, Signatory, Workshop
from visionswerk.workshops.signing import current_version

#: Entries older than this never notify (a scan that was down for days stays quiet).
WINDOW = dt.timedelta(days=2)
#: Entries this recent are looked at again although the cursor passed them: a transaction
#: may commit its entry after one with a higher id was read. Their keys are then found
#: in the outbox before anything is rendered.
GRACE = dt.timedelta(minutes=2)
#: At most this many new entries per scan.
BATCH = 1000
CURSOR = "notifications"
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
        for pair in db.scalars(
            select(Pair).where(Pair.workshop_id == w.id, Pair.round == 1).order_by(Pair.number)
        ):
            names = {m.user_id: m.user.display_name for m in pair.members}
            for uid in names:
                partners = [n for other, n in names.items() if other != uid]
                out.append((uid, "pair_assigned", w, {"partners": partners}))
        return out
    to = Phase(str(entry.detail.get("to")))
    if to == Phase.FOURS:
        out = []
        for four in db.scalars(
            select(Pair).where(Pair.workshop_id == w.id, Pair.round == 2).order_by(Pair.number)
        ):
            names = {m.user_id: m.user.display_name for m in four.members}
            for uid in names:
                partners = [n for other, n in names.items() if other != uid]
                extra = {"step": to.value, "partners": partners, "group_id": four.id}
                out.append((uid, "step_opened", w, extra))
        return out
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


def _people(user_ids: set[int]) -> dict[int, tuple[str, str, str]]:
    """(email, name, locale) of the active users among ``user_ids`` who want single mails."""
    rows = db.execute(
        select(User.id, User.email, User.display_name, User.locale)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(
            User.id.in_(user_ids),
            User.active.is_(True),
            or_(NotificationPreference.digest.is_(None), ~NotificationPreference.digest),
        )
    )
    return {uid: (email, name, locale) for uid, email, name, locale in rows}


def _sent(keys: list[str]) -> set[str]:
    found = db.scalars(
        select(OutgoingEmail.idempotency_key).where(OutgoingEmail.idempotency_key.in_(keys))
    )
    return set(found)


def _queue_entry(settings: Settings, tenant: Tenant, entry: AuditEntry) -> list[str]:
    """The entry's mails not queued yet: keys are checked before anything is rendered,
    and a mail whose text is the same for everyone is rendered once per locale."""
    wanted = []
    for uid, name, w, extra in _recipients(entry):
        # a signature request is one per version and person, whichever entry
        # (the move to signing or signatory.add) finds it first
        version_id = extra.pop("version_id", None)
        key = (
            f"notify:sign:{version_id}:{uid}"
            if version_id is not None
            else f"notify:{entry.id}:{uid}"
        )
        wanted.append((key, uid, name, w, extra))
    if not wanted:
        return []
    sent = _sent([k for k, *_ in wanted])
    wanted = [item for item in wanted if item[0] not in sent]
    people = _people({uid for _, uid, *_ in wanted})
    wanted = [item for item in wanted if item[1] in people]
    tokens = preferences.tokens_for(settings, sorted({uid for _, uid, *_ in wanted}))
    shared: dict[tuple[str, str, int, str], emails.Shared] = {}
    rows = []
    for key, uid, name, w, extra in wanted:
        address, display_name, locale = people[uid]
        locale = locale if locale in emails.LOCALES else "de"
        # pair mails name the partners: their text differs per person
        cache = (name, locale, w.id, repr(sorted(extra.items())))
        if cache not in shared:
            step = STEP_OF_MAIL.get(name) or extra.get("step")
            # the step's deadline as a calendar entry to import, when it has one
            entry = emails.deadline_attachment(settings, tenant, w, step, locale)  # type: ignore[arg-type]
            # the round of four: the link goes to the four's own page
            group_id = extra.get("group_id")
            given = {k: v for k, v in extra.items() if k != "group_id"}
            context = {"deadline": w.deadline(step) if entry else None, **given}
            link = (
                emails.group_link(settings, tenant.slug, group_id)  # type: ignore[arg-type]
                if group_id is not None
                else emails.task_link(settings, tenant.slug, w.id, step)  # type: ignore[arg-type]
            )
            mail = emails.prepare(
                name,
                locale,
                tenant_id=tenant.id,
                tenant_name=tenant.name,
                time_zone=tenant.time_zone,
                link=link,
                workshop=w,
                calendar=entry is not None,
                **context,
            )
            shared[cache] = dataclasses.replace(mail, attachments=(entry,) if entry else ())
        to = emails.Recipient(uid, address, display_name, locale, tokens[uid])
        rows.append(emails.outbox_row(settings, key, to, shared[cache], tenant_id=tenant.id))
    return outbox.queue_many(rows)


def scan_tenant(settings: Settings, tenant_id: int, entry_ids: list[int]) -> list[str]:
    keys = []
    with tenant_scope(tenant_id):
        tenant = db.get(Tenant, tenant_id)
        assert tenant is not None
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.id.in_(entry_ids)).order_by(AuditEntry.id)
        )
        for entry in entries.all():
            keys += _queue_entry(settings, tenant, entry)
    return keys


def _cursor() -> ScanCursor:
    """The scan's cursor row, locked until the commit: a concurrent scan waits here and
    then reads on from where this one stopped (on SQLite the write lock serialises)."""
    session = db()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        module.insert(ScanCursor)
        .values(name=CURSOR, position=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    cursor = db.scalar(
        select(ScanCursor)
        .where(ScanCursor.name == CURSOR)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert cursor is not None
    return cursor


def _entries(position: int, top: int, now: dt.datetime) -> list[tuple[int, int]]:
    """(id, tenant) of the entries to look at (an explicit cross-tenant read of ids): the
    new ones after the cursor, and those of the last ``GRACE`` at or before it — an
    entry whose transaction committed after a later one's was passed by the cursor."""
    base = select(AuditEntry.id, AuditEntry.tenant_id).where(
        AuditEntry.action.in_(ACTIONS), AuditEntry.created_at >= now - WINDOW
    )
    fresh = (
        base.where(AuditEntry.id > position, AuditEntry.id <= top)
        .order_by(AuditEntry.id)
        .limit(BATCH)
    )
    late = base.where(AuditEntry.id <= position, AuditEntry.created_at >= now - GRACE)
    rows = db.execute(fresh.execution_options(all_tenants=True)).all()
    rows += db.execute(late.execution_options(all_tenants=True)).all()
    return sorted({(entry_id, tenant_id) for entry_id, tenant_id in rows})


def scan(settings: Settings, now: dt.datetime) -> list[str]:
    """Queue the mails of the audit entries since the last scan; returns the new keys.

    Its cost follows what happened since the last scan (at most ``BATCH`` entries, the
    next scan takes the rest), not how much history there is."""
    cursor = _cursor()
    top = db.scalar(select(func.max(AuditEntry.id)).execution_options(all_tenants=True)) or 0
    entries = _entries(cursor.position, top, now)
    fresh = [entry_id for entry_id, _ in entries if entry_id > cursor.position]
    by_tenant: dict[int, list[int]] = {}
    for entry_id, tenant_id in entries:
        by_tenant.setdefault(tenant_id, []).append(entry_id)
    keys: list[str] = []
    for tenant_id in sorted(by_tenant):
        keys += scan_tenant(settings, tenant_id, by_tenant[tenant_id])
    # a full batch: go on after its last entry next time; otherwise all up to top is read
    cursor.position = fresh[-1] if len(fresh) >= BATCH else max(top, cursor.position)
    return keys
