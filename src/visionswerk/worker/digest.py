"""The daily digest for facilitators and coordinators who chose it
(``NotificationPreference.digest``): one mail per day summarising the workshop events of
their tenants (a coordinator's region includes its municipalities) instead of one mail
per event. Beat runs ``visionswerk.send_digests`` hourly; the outbox key
``digest:<user>:<YYYY-MM-DD>`` makes it one mail per user and day, however often it runs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from visionswerk import timefmt
from visionswerk.db import db
from visionswerk.i18n import N_
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Membership, Role, Tenant, User
from visionswerk.worker import emails
from visionswerk.worker.models import NotificationPreference

#: What the digest reports (German msgids, translated per recipient).
LABELS = {
    "workshop.move": N_("Workshop in einen neuen Schritt gegangen"),
    "workshop.pairs_confirm": N_("Paare bestätigt"),
    "draft.submit": N_("Entwurf eingereicht"),
    "signatory.add": N_("Unterzeichnende eingetragen"),
    "workshop.join": N_("Teilnehmende beigetreten"),
    "vision.freeze": N_("Vision zur Bestätigung eingefroren"),
}


def _tenants_of(user_id: int) -> dict[int, Tenant]:
    """The tenants whose events the user sees in the digest (cross-tenant, explicit)."""
    result: dict[int, Tenant] = {}
    for m in db.scalars(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.role.in_([Role.FACILITATOR, Role.COORDINATOR]),
        )
    ):
        result[m.tenant_id] = m.tenant
        if m.role == Role.COORDINATOR:
            for child in m.tenant.children:
                result[child.id] = child
    return result


def send(settings: Settings, now: dt.datetime) -> list[str]:
    """Queue today's digest for everyone who chose it and has something to read."""
    since = now - dt.timedelta(hours=24)
    keys = []
    for pref in db.scalars(select(NotificationPreference).where(NotificationPreference.digest)):
        user = db.get(User, pref.user_id)
        if user is None or not user.active:
            continue
        tenants = _tenants_of(user.id)
        if not tenants:
            continue
        counts: Counter[tuple[int, str]] = Counter(
            (tid, action)
            for tid, action in db.execute(
                select(AuditEntry.tenant_id, AuditEntry.action)
                .where(
                    AuditEntry.tenant_id.in_(list(tenants)),
                    AuditEntry.action.in_(list(LABELS)),
                    AuditEntry.created_at >= since,
                    AuditEntry.created_at < now,
                )
                .execution_options(all_tenants=True)
            )
        )
        if not counts:
            continue
        locale = emails.locale_of(user)
        lines = [
            {
                "tenant": tenants[tid].name,
                "text": f"{emails.gettext(locale, LABELS[action])}: {n}",
            }
            for (tid, action), n in sorted(counts.items())
        ]
        first = next(iter(tenants.values()))
        # the reader's day, in their (first) tenant's zone: one mail per local day
        local = timefmt.to_local(now, first.time_zone)
        key = f"digest:{user.id}:{local.date().isoformat()}"
        emails.send_to_user(
            settings,
            key,
            user,
            "digest",
            tenant_id=None,
            tenant_name=", ".join(sorted({t.name for t in tenants.values()})),
            link=f"{settings.base_url}/{first.slug}",
            time_zone=first.time_zone,
            lines=lines,
            day=timefmt.format_day(local.date(), first.time_zone, locale),
        )
        keys.append(key)
    return keys
