"""Deadline reminders.

A beat task (``visionswerk.send_reminders``, every 10 minutes) calls :func:`sweep`. For each
workshop in a step with a deadline (individual, pairs, the round of four, signing) and the
workshop's offsets (hours before the deadline, default 48 and 24), the *slot* of an offset
is due from
``deadline - offset`` until the deadline; only the latest due slot is sent (a workshop
created 30 h before its deadline gets the 24 h reminder, not both). A reminder goes only
to people with something still to do in that step:

* individual: participants whose step-1 draft is not submitted;
* pairs (after confirmation): members of a round-1 group (``PairMember.round == 1``) who
  have not marked its proposal ready;
* fours (the round of four, ``deadline_fours``): members of a four (round 2) who have not
  marked the four's proposal ready — the mail says "Ihre Vierergruppe …" and links to the
  four's page (``emails.group_link``), so it is rendered once per four and locale;
* signing: account signatories of the current version who have not signed.

Exactly once per person, step and slot: the outbox key ``reminder:<workshop>:<user>:<step>:<slot>``
is unique, so a second sweep, a second beat process or a redelivered task changes nothing.
The key is compared in SQL before anything is rendered (``_unsent``), and a workshop's
reminder is rendered once per locale (``emails.prepare``), so a sweep costs what it sends.
Nobody who switched reminders off (``NotificationPreference.reminders``) gets one.
Time comes in as ``now`` (tests use a controlled clock).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import Select, String, cast, exists, literal, or_, select

from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import emails, outbox, preferences
from visionswerk.worker.models import NotificationPreference, OutgoingEmail
from visionswerk.workshops.models import (
    Draft,
    PairMember,
    Participation,
    Phase,
    Signatory,
    Signature,
    Workshop,
)
from visionswerk.workshops.signing import current_version

REMINDED = (Phase.INDIVIDUAL, Phase.PAIRS, Phase.FOURS, Phase.SIGNING)
#: The round whose groups a step's reminders go to (step 2: the pairs, then the fours).
ROUND_OF = {Phase.PAIRS: 1, Phase.FOURS: 2}
#: Outbox rows per INSERT.
BATCH = 500


@dataclasses.dataclass(frozen=True)
class Due:
    workshop_id: int
    user_id: int
    step: str
    slot: int  # hours before the deadline

    @property
    def key(self) -> str:
        return f"reminder:{self.workshop_id}:{self.user_id}:{self.step}:{self.slot}"


def due_slot(workshop: Workshop, now: dt.datetime) -> int | None:
    """The offset (hours) whose reminder is due now for the workshop's current step."""
    if workshop.phase not in REMINDED:
        return None
    deadline = workshop.deadline(workshop.phase)
    if deadline is None or now >= deadline:
        return None
    offsets = sorted({int(h) for h in (workshop.reminder_offsets or []) if int(h) > 0})
    for hours in offsets:  # smallest first: the latest slot that has begun
        if deadline - dt.timedelta(hours=hours) <= now:
            return hours
    return None


def pending_users(workshop: Workshop) -> Select[tuple[int]] | None:
    """Who still has something to do in the workshop's current step (current tenant), as
    a SELECT of user ids the sweep joins on; None when nobody can have anything to do."""
    if workshop.phase == Phase.INDIVIDUAL:
        submitted = select(Draft.author_id).where(
            Draft.workshop_id == workshop.id, Draft.submitted_at.is_not(None)
        )
        return select(Participation.user_id).where(
            Participation.workshop_id == workshop.id,
            Participation.user_id.not_in(submitted),
        )
    if workshop.phase in ROUND_OF:
        round_ = ROUND_OF[workshop.phase]
        if not workshop.step1_closed or workshop.current_round != round_:
            return None
        return select(PairMember.user_id).where(
            PairMember.workshop_id == workshop.id,
            PairMember.round == round_,
            PairMember.ready_at.is_(None),
        )
    if workshop.phase == Phase.SIGNING:
        version = current_version(workshop)
        if version is None:
            return None
        signed = select(Signature.signatory_id).where(Signature.version_id == version.id)
        return select(Signatory.user_id).where(
            Signatory.version_id == version.id,
            Signatory.user_id.is_not(None),
            Signatory.id.not_in(signed),
        )
    return None


def pending_user_ids(workshop: Workshop) -> list[int]:
    pending = pending_users(workshop)
    return [] if pending is None else sorted(set(db.scalars(pending)))


def _candidate_tenants(now: dt.datetime) -> list[int]:
    """Tenants with a workshop in a reminded step and a deadline ahead (an explicit
    cross-tenant read: ids only)."""
    deadline = (
        (Workshop.phase == Phase.INDIVIDUAL) & (Workshop.deadline_individual > now)
        | (Workshop.phase == Phase.PAIRS) & (Workshop.deadline_pairs > now)
        | (Workshop.phase == Phase.FOURS) & (Workshop.deadline_fours > now)
        | (Workshop.phase == Phase.SIGNING) & (Workshop.deadline_signing > now)
    )
    return sorted(
        set(
            db.scalars(
                select(Workshop.tenant_id).where(deadline).execution_options(all_tenants=True)
            )
        )
    )


def due_reminders(now: dt.datetime) -> list[Due]:
    """Every reminder due at ``now`` in the current tenant, already sent or not."""
    result = []
    for w in db.scalars(select(Workshop).where(Workshop.phase.in_(REMINDED)).order_by(Workshop.id)):
        slot = due_slot(w, now)
        if slot is None:
            continue
        for uid in pending_user_ids(w):
            result.append(Due(w.id, uid, w.phase.value, slot))
    return result


def _unsent(w: Workshop, slot: int) -> list[tuple[int, str, str, str, str | None, int | None]]:
    """(user id, email, name, locale, token salt, four) of those who get the workshop's
    reminder now and have not got it yet: the outbox key is compared in SQL, before anything
    is rendered. ``four``: the id of their four in the round of four, else None."""
    pending = pending_users(w)
    if pending is None:
        return []
    key = literal(f"reminder:{w.id}:") + cast(User.id, String) + literal(f":{w.phase.value}:{slot}")
    fours = w.phase == Phase.FOURS
    stmt = (
        select(
            User.id,
            User.email,
            User.display_name,
            User.locale,
            NotificationPreference.token_salt,
            PairMember.pair_id if fours else literal(None),
        )
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(
            User.id.in_(pending),
            User.active.is_(True),
            or_(NotificationPreference.reminders.is_(None), NotificationPreference.reminders),
            ~exists().where(OutgoingEmail.idempotency_key == key),
        )
        .order_by(User.id)
    )
    if fours:
        stmt = stmt.join(
            PairMember,
            (PairMember.user_id == User.id)
            & (PairMember.workshop_id == w.id)
            & (PairMember.round == 2),
        )
    return [tuple(row) for row in db.execute(stmt)]  # type: ignore[misc]


def _sweep_workshop(settings: Settings, tenant: Tenant, w: Workshop, slot: int) -> list[str]:
    """Queue one workshop's due reminders: one rendering per locale (in the round of four:
    per four and locale, the link goes to the four's page), one INSERT per batch."""
    people = _unsent(w, slot)
    salts = {p[0]: p[4] for p in people if p[4] is not None}
    tokens = preferences.tokens_for(settings, [p[0] for p in people], salts)
    step = w.phase.value
    shared: dict[tuple[str, int | None], emails.Shared] = {}
    rows = []
    for user_id, address, name, locale, _salt, four in people:
        locale = locale if locale in emails.LOCALES else "de"
        if (locale, four) not in shared:
            link = (
                emails.group_link(settings, tenant.slug, four)
                if four is not None
                else emails.task_link(settings, tenant.slug, w.id, step)
            )
            shared[locale, four] = emails.prepare(
                "reminder",
                locale,
                tenant_id=tenant.id,
                tenant_name=tenant.name,
                time_zone=tenant.time_zone,
                link=link,
                workshop=w,
                step=step,
                deadline=w.deadline(w.phase),
                hours=slot,
            )
        to = emails.Recipient(user_id, address, name, locale, tokens[user_id])
        key = Due(w.id, user_id, step, slot).key
        rows.append(emails.outbox_row(settings, key, to, shared[locale, four], tenant_id=tenant.id))
    keys = []
    for start in range(0, len(rows), BATCH):
        keys += outbox.queue_many(rows[start : start + BATCH])
    return keys


def sweep_tenant(settings: Settings, tenant_id: int, now: dt.datetime) -> list[str]:
    """Queue the due reminders of one tenant that were not sent yet; returns their keys."""
    keys = []
    with tenant_scope(tenant_id):
        tenant = db.get(Tenant, tenant_id)
        assert tenant is not None
        for w in db.scalars(
            select(Workshop).where(Workshop.phase.in_(REMINDED)).order_by(Workshop.id)
        ):
            slot = due_slot(w, now)
            if slot is not None:
                keys += _sweep_workshop(settings, tenant, w, slot)
    return keys


def sweep(settings: Settings, now: dt.datetime) -> list[str]:
    """Queue every due reminder not sent yet; returns the keys created (a second sweep: none).

    Each tenant commits on its own, so the session, the locks and the after-commit
    hand-overs stay as small as one tenant, however many tenants there are."""
    keys: list[str] = []
    for tenant_id in _candidate_tenants(now):
        keys += sweep_tenant(settings, tenant_id, now)
        dbmod.commit()
    return keys
