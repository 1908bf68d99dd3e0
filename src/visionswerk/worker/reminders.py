"""Deadline reminders.

A beat task (``visionswerk.send_reminders``, every 10 minutes) calls :func:`sweep`. For each
workshop in a step with a deadline (individual, pairs, signing) and the workshop's offsets
(hours before the deadline, default 48 and 24), the *slot* of an offset is due from
``deadline - offset`` until the deadline; only the latest due slot is sent (a workshop
created 30 h before its deadline gets the 24 h reminder, not both). A reminder goes only
to people with something still to do in that step:

* individual: participants whose step-1 draft is not submitted;
* pairs (after confirmation): pair members who have not marked the proposal ready;
* signing: account signatories of the current version who have not signed.

Exactly once per person, step and slot: the outbox key ``reminder:<workshop>:<user>:<step>:<slot>``
is unique, so a second sweep, a second beat process or a redelivered task changes nothing.
Nobody who switched reminders off (``NotificationPreference.reminders``) gets one.
Time comes in as ``now`` (tests use a controlled clock).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import emails, preferences
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

REMINDED = (Phase.INDIVIDUAL, Phase.PAIRS, Phase.SIGNING)


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


def pending_user_ids(workshop: Workshop) -> list[int]:
    """Who still has something to do in the workshop's current step (current tenant)."""
    if workshop.phase == Phase.INDIVIDUAL:
        submitted = select(Draft.author_id).where(
            Draft.workshop_id == workshop.id, Draft.submitted_at.is_not(None)
        )
        return list(
            db.scalars(
                select(Participation.user_id).where(
                    Participation.workshop_id == workshop.id,
                    Participation.user_id.not_in(submitted),
                )
            )
        )
    if workshop.phase == Phase.PAIRS:
        if not workshop.step1_closed:
            return []
        return list(
            db.scalars(
                select(PairMember.user_id).where(
                    PairMember.workshop_id == workshop.id, PairMember.ready_at.is_(None)
                )
            )
        )
    if workshop.phase == Phase.SIGNING:
        version = current_version(workshop)
        if version is None:
            return []
        signed = select(Signature.signatory_id).where(Signature.version_id == version.id)
        return list(
            db.scalars(
                select(Signatory.user_id).where(
                    Signatory.version_id == version.id,
                    Signatory.user_id.is_not(None),
                    Signatory.id.not_in(signed),
                )
            )
        )
    return []


def _candidate_tenants(now: dt.datetime) -> list[int]:
    """Tenants with a workshop in a reminded step and a deadline ahead (an explicit
    cross-tenant read: ids only)."""
    deadline = (
        (Workshop.phase == Phase.INDIVIDUAL) & (Workshop.deadline_individual > now)
        | (Workshop.phase == Phase.PAIRS) & (Workshop.deadline_pairs > now)
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
        for uid in sorted(set(pending_user_ids(w))):
            result.append(Due(w.id, uid, w.phase.value, slot))
    return result


def sweep_tenant(settings: Settings, tenant_id: int, now: dt.datetime) -> list[str]:
    """Queue the due reminders of one tenant; returns the keys asked for."""
    keys = []
    with tenant_scope(tenant_id):
        tenant = db.get(Tenant, tenant_id)
        assert tenant is not None
        for due in due_reminders(now):
            if not preferences.wants_reminders(due.user_id):
                continue
            user = db.get(User, due.user_id)
            w = db.get(Workshop, due.workshop_id)
            if user is None or not user.active or w is None:
                continue
            emails.send_to_user(
                settings,
                due.key,
                user,
                "reminder",
                tenant_id=tenant_id,
                tenant_name=tenant.name,
                link=emails.task_link(settings, tenant.slug, w.id, due.step),
                workshop=w,
                step=due.step,
                deadline=w.deadline(w.phase),
                hours=due.slot,
            )
            keys.append(due.key)
    return keys


def sweep(settings: Settings, now: dt.datetime) -> list[str]:
    keys: list[str] = []
    for tenant_id in _candidate_tenants(now):
        keys += sweep_tenant(settings, tenant_id, now)
    return keys
