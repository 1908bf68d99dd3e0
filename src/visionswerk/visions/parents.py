"""When the parent changes: outdated flags, notices (in-app and email), the diff, and
re-basing onto the parent's new version."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib

from sqlalchemy import func, select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.models import Membership, Role, Tenant, User
from visionswerk.tenants.policy import require
from visionswerk.tenants.scoping import current_tenant_id
from visionswerk.visions.documents import load_any, statements
from visionswerk.visions.models import Notice
from visionswerk.workshops import signing
from visionswerk.workshops._common import in_scope, touch
from visionswerk.workshops.models import Phase, VisionVersion, Workshop

ALL = {"all_tenants": True}
PARENT_CHANGED = "parent_changed"


def newest_adopted(tenant_id: int) -> VisionVersion | None:
    """The tenant's newest adopted (or imported) version."""
    return db.scalar(
        select(VisionVersion)
        .where(VisionVersion.tenant_id == tenant_id, VisionVersion.adopted_at.is_not(None))
        .order_by(VisionVersion.number.desc())
        .limit(1)
        .execution_options(**ALL)
    )


@dataclasses.dataclass(frozen=True)
class Outdated:
    """Something of ``tenant`` that builds on an older parent version than ``newest``:
    the in-progress ``workshop`` or the adopted ``version`` (its workshop may be None for
    an imported version)."""

    tenant_id: int
    old: VisionVersion
    newest: VisionVersion
    workshop: Workshop | None
    version: VisionVersion | None


def _latest_adopted_by_tenant(tenant_ids: set[int]) -> dict[int, VisionVersion]:
    if not tenant_ids:
        return {}
    latest = (
        select(VisionVersion.tenant_id, func.max(VisionVersion.number).label("n"))
        .where(VisionVersion.tenant_id.in_(tenant_ids), VisionVersion.adopted_at.is_not(None))
        .group_by(VisionVersion.tenant_id)
        .subquery()
    )
    rows = db.scalars(
        select(VisionVersion)
        .join(
            latest,
            (latest.c.tenant_id == VisionVersion.tenant_id) & (latest.c.n == VisionVersion.number),
        )
        .execution_options(**ALL)
    )
    return {v.tenant_id: v for v in rows}


def outdated_for(tenant_ids: set[int]) -> list[Outdated]:
    """Every in-progress workshop and every tenant's current adopted version among
    ``tenant_ids`` that builds on an older version than its parent's newest (a fixed
    number of queries)."""
    if not tenant_ids:
        return []
    workshops = list(
        db.scalars(
            select(Workshop)
            .where(
                Workshop.tenant_id.in_(tenant_ids),
                Workshop.phase != Phase.ADOPTED,
                Workshop.parent_vision_version_id.is_not(None),
            )
            .execution_options(**ALL)
        )
    )
    own_latest = _latest_adopted_by_tenant(tenant_ids)
    adopted = [v for v in own_latest.values() if v.embedded_parent_version_id is not None]
    parent_ids = {w.parent_vision_version_id for w in workshops} | {
        v.embedded_parent_version_id for v in adopted
    }
    parents = {
        v.id: v
        for v in db.scalars(
            select(VisionVersion).where(VisionVersion.id.in_(parent_ids)).execution_options(**ALL)
        )
    }
    newest = _latest_adopted_by_tenant({p.tenant_id for p in parents.values()})
    found: list[Outdated] = []

    def check(tenant_id: int, parent_id: int | None, w: Workshop | None, v: VisionVersion | None):  # type: ignore[no-untyped-def]
        old = parents.get(parent_id)  # type: ignore[arg-type]
        if old is None:
            return
        new = newest.get(old.tenant_id)
        if new is not None and new.number > old.number:
            found.append(Outdated(tenant_id, old, new, w, v))

    for w in workshops:
        check(w.tenant_id, w.parent_vision_version_id, w, None)
    in_progress = {w.id for w in workshops}
    for v in adopted:
        # an adopted version whose workshop is in progress again (re-based) counts there
        if v.workshop_id in in_progress:
            continue
        check(v.tenant_id, v.embedded_parent_version_id, None, v)
    return found


def _facilitators(tenant_ids: set[int]) -> list[tuple[int, User]]:
    rows = db.execute(
        select(Membership.tenant_id, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.tenant_id.in_(tenant_ids),
            Membership.role == Role.FACILITATOR,
            User.active.is_(True),
        )
    ).all()
    return [(tid, user) for tid, user in rows]


def version_adopted(actor: User | None, version: VisionVersion) -> list[Notice]:
    """A tenant adopted (or imported) ``version``: every tenant whose adopted or
    in-progress vision builds on an older version of it is flagged (see outdated_for);
    its facilitators get a notice and an email (idempotent per tenant, version, person)."""
    from visionswerk.worker import emails
    from visionswerk.worker.celery_app import celery, settings_of

    db.flush()
    children = set(db.scalars(select(Tenant.id).where(Tenant.parent_id == version.tenant_id))) | {
        version.tenant_id
    }
    affected = [o for o in outdated_for(children) if o.newest.id == version.id]
    by_tenant: dict[int, VisionVersion] = {}
    for o in affected:
        by_tenant.setdefault(o.tenant_id, o.old)
    notices: list[Notice] = []
    if not by_tenant:
        return notices
    tenants = {t.id: t for t in db.scalars(select(Tenant).where(Tenant.id.in_(by_tenant)))}
    parent_tenant = db.get(Tenant, version.tenant_id)
    assert parent_tenant is not None
    settings = settings_of(celery)
    for tenant_id, user in _facilitators(set(by_tenant)):
        exists = db.scalar(
            select(Notice.id)
            .where(
                Notice.tenant_id == tenant_id,
                Notice.user_id == user.id,
                Notice.kind == PARENT_CHANGED,
                Notice.version_id == version.id,
            )
            .execution_options(**ALL)
        )
        if exists is None:
            notice = Notice(
                tenant_id=tenant_id,
                user_id=user.id,
                kind=PARENT_CHANGED,
                version_id=version.id,
                old_version_id=by_tenant[tenant_id].id,
            )
            db.add(notice)
            notices.append(notice)
        tenant = tenants[tenant_id]
        emails.send_to_user(
            settings,
            f"parent-changed:{tenant_id}:{version.id}:{user.id}",
            user,
            "parent_changed",
            tenant_id=tenant_id,
            tenant_name=tenant.name,
            link=f"{settings.base_url}/{tenant.slug}/visionen/grundlage",
            parent_name=parent_tenant.name,
            new_number=version.number,
            old_number=by_tenant[tenant_id].number,
        )
    db.flush()
    return notices


# --- notices -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NoticeView:
    """A notice with what it refers to loaded (the versions belong to another tenant)."""

    id: int
    kind: str
    tenant: Tenant
    version: VisionVersion | None  # the parent's new version
    old_version: VisionVersion | None  # the version still built on
    created_at: dt.datetime


def notices_for(user: User, tenant_id: int | None = None) -> list[NoticeView]:
    """The user's open notices (all their tenants, or one), newest first; a notice whose
    tenant no longer builds on the old version is not shown, nor one of a tenant the
    user no longer facilitates (notices are for its facilitators: version_adopted)."""
    facilitates = {m.tenant_id for m in user.memberships if m.role == Role.FACILITATOR}
    if tenant_id is not None:
        facilitates &= {tenant_id}
    if not facilitates:
        return []  # most readers: no statement at all
    query = (
        select(Notice)
        .where(
            Notice.user_id == user.id,
            Notice.done_at.is_(None),
            Notice.tenant_id.in_(sorted(facilitates)),
        )
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .execution_options(**ALL)
    )
    notices = list(db.scalars(query))
    if not notices:
        return []
    still = {(o.tenant_id, o.newest.id) for o in outdated_for({n.tenant_id for n in notices})}
    notices = [n for n in notices if (n.tenant_id, n.version_id) in still]
    ids = {n.version_id for n in notices} | {n.old_version_id for n in notices}
    versions = {
        v.id: v
        for v in db.scalars(
            select(VisionVersion).where(VisionVersion.id.in_(ids)).execution_options(**ALL)
        )
    }
    tenants = {
        t.id: t
        for t in db.scalars(select(Tenant).where(Tenant.id.in_({n.tenant_id for n in notices})))
    }
    return [
        NoticeView(
            id=n.id,
            kind=n.kind,
            tenant=tenants[n.tenant_id],
            version=versions.get(n.version_id),  # type: ignore[arg-type]
            old_version=versions.get(n.old_version_id),  # type: ignore[arg-type]
            created_at=n.created_at,
        )
        for n in notices
    ]


def _close_notices(tenant_id: int, version_id: int) -> None:
    for notice in db.scalars(
        select(Notice).where(
            Notice.tenant_id == tenant_id,
            Notice.version_id == version_id,
            Notice.done_at.is_(None),
        )
    ):
        notice.done_at = utcnow()


# --- the diff --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DiffLine:
    op: str  # "equal", "insert", "delete"
    text: str


def diff(old: VisionVersion, new: VisionVersion) -> list[DiffLine]:
    """What changed from ``old`` to ``new``, statement by statement (paragraphs and list
    items): kept, new ("insert") and dropped ("delete") statements in reading order."""
    a, b = statements(old.text), statements(new.text)
    if old.title != new.title:
        a, b = [old.title, *a], [new.title, *b]
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine("equal", s) for s in a[i1:i2]]
            continue
        lines += [DiffLine("delete", s) for s in a[i1:i2]]
        lines += [DiffLine("insert", s) for s in b[j1:j2]]
    return lines


# --- what the tenant's facilitators see and do -----------------------------------------


def outdated_of(actor: User, tenant: Tenant) -> list[Outdated]:
    """What of the current tenant builds on an older parent version (``vision.list``)."""
    if current_tenant_id() != tenant.id:
        raise NotFound(N_("Das gibt es hier nicht."))
    require(actor, "vision.list", tenant)
    return outdated_for({tenant.id})


def rebase(actor: User, workshop: Workshop) -> Workshop:
    """Build ``workshop`` on the parent's newest version. In progress: the parent is
    swapped (statements kept as far as the new version still has them). Signing or
    adopted: a new version of the vision embedding the new parent is frozen and needs
    signing again (the workshop goes (back) to signing); the old signed version stays
    valid as what it was."""
    in_scope(workshop)
    require(actor, "vision.rebase", workshop.tenant)
    old = load_any(workshop.parent_vision_version_id)
    if old is None:
        raise Conflict(N_("Dieser Workshop baut auf keiner Vision auf."))
    new = newest_adopted(old.tenant_id)
    if new is None or new.number <= old.number:
        raise Conflict(N_("Der Workshop baut schon auf der neuesten Fassung auf."))
    kept = [s for s in (workshop.parent_statements or []) if s in statements(new.text)]
    workshop.parent_vision_version_id = new.id
    workshop.parent_statements = kept or None
    db.flush()
    frozen: VisionVersion | None = None
    if workshop.phase in (Phase.SIGNING, Phase.ADOPTED):
        current = signing.current_version(workshop)
        assert current is not None
        frozen = signing.freeze_version(actor, workshop, current.title, current.text)
        workshop.phase = Phase.SIGNING
        touch(workshop)
    _close_notices(workshop.tenant_id, new.id)
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "vision.rebase",
        workshop,
        old_version_id=old.id,
        new_version_id=new.id,
        frozen_version=frozen.number if frozen else None,
    )
    return workshop


def workshop_for_rebase(actor: User, tenant: Tenant, outdated: Outdated) -> Workshop:
    """The workshop to re-base for an outdated item (an adopted version's workshop)."""
    if outdated.workshop is not None:
        return outdated.workshop
    assert outdated.version is not None
    if outdated.version.workshop_id is None:
        raise Conflict(
            N_(
                "Eine eingetragene Vision lässt sich nicht neu aufsetzen; tragen Sie die neue "
                "Fassung ein."
            )
        )
    w = db.get(Workshop, outdated.version.workshop_id)
    if w is None:
        raise NotFound(N_("Das gibt es hier nicht."))
    return w
