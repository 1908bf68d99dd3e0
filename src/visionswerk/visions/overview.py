"""The coordinator's region overview: one row per municipality, statuses and numbers
only (never step-1 or pair content), in a fixed number of SQL statements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from visionswerk import spreadsheet, timefmt
from visionswerk.db import db, utcnow
from visionswerk.errors import NotFound
from visionswerk.i18n import N_
from visionswerk.tenants.models import AuditEntry, Tenant, TenantKind, User
from visionswerk.tenants.policy import can
from visionswerk.workshops.models import (
    Aspect,
    AspectStatus,
    Draft,
    PairMember,
    Participation,
    Phase,
    Signatory,
    Signature,
    VisionVersion,
    Workshop,
)

ALL = {"all_tenants": True}
ACTIVE_PHASES = (Phase.INDIVIDUAL, Phase.PAIRS, Phase.PLENARY, Phase.SIGNING)
PHASE_LABELS = {
    Phase.PREPARATION: N_("Vorbereitung"),
    Phase.INDIVIDUAL: N_("Einzelarbeit"),
    Phase.PAIRS: N_("Arbeit zu zweit"),
    Phase.PLENARY: N_("Alle zusammen"),
    Phase.SIGNING: N_("Bestätigung"),
    Phase.ADOPTED: N_("Beschlossen"),
}
NO_WORKSHOP = "none"
STAGE_LABELS = {
    NO_WORKSHOP: N_("Kein Workshop"),
    **{p.value: label for p, label in PHASE_LABELS.items()},
}
STAGES = [NO_WORKSHOP, *(p.value for p in Phase)]


@dataclasses.dataclass(frozen=True)
class Ratio:
    done: int
    total: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    def __str__(self) -> str:
        return f"{self.done}/{self.total}"


@dataclasses.dataclass(frozen=True)
class Row:
    region_id: int
    region_name: str
    region_slug: str
    tenant_id: int
    name: str
    slug: str
    workshop_id: int | None
    workshop_title: str | None
    phase: Phase | None
    deadline: dt.datetime | None
    overdue: bool
    participants: int
    drafts_submitted: Ratio
    pairs_ready: Ratio
    coverage: Ratio
    signatures: Ratio
    adopted_version_id: int | None
    adopted_number: int | None
    adopted_title: str | None
    adopted_at: dt.datetime | None
    parent_tenant_name: str | None
    parent_number: int | None
    parent_adopted_at: dt.datetime | None
    parent_outdated: bool
    newest_parent_number: int | None
    last_activity: dt.datetime | None
    # what the reader may open (asked of the policy, so the page links nothing else)
    may_open_workshop: bool = False
    may_read_vision: bool = False

    @property
    def stage(self) -> str:
        return self.phase.value if self.phase else NO_WORKSHOP


def current_workshops(tenant_ids: Iterable[int]) -> dict[int, Workshop]:
    """The current workshop of each municipality (tenant id → workshop), in one statement.

    The rule, written for coordinators in the visions README: the current workshop is
    the one the municipality started last (newest ``created_at``, then ``id``), whatever
    its step. A second round that is running is what a coordinator wants to follow; once
    it is adopted its vision is the newest one; an older workshop left open when a newer
    one was started has been overtaken and is no longer what the municipality works on.
    The page, the CSV, the API and the region report all read this function."""
    ids = set(tenant_ids)
    if not ids:
        return {}
    newest_first = (
        func.row_number()
        .over(
            partition_by=Workshop.tenant_id,
            order_by=(Workshop.created_at.desc(), Workshop.id.desc()),
        )
        .label("rank")
    )
    ranked = select(Workshop.id, newest_first).where(Workshop.tenant_id.in_(ids)).subquery()
    query = (
        select(Workshop)
        .join(ranked, ranked.c.id == Workshop.id)
        .where(ranked.c.rank == 1)
        .execution_options(**ALL)
    )
    return {w.tenant_id: w for w in db.scalars(query)}


def overview_regions(actor: User) -> list[Tenant]:
    """The regions whose overview the actor may read (own coordinator memberships; all
    regions for platform admins)."""
    query = select(Tenant).where(Tenant.kind == TenantKind.REGION).order_by(Tenant.name)
    if not actor.is_platform_admin:
        ids = [m.tenant_id for m in actor.memberships]
        query = query.where(Tenant.id.in_(ids))
    return [t for t in db.scalars(query) if can(actor, "region.overview", t)]


def region_overview(actor: User, regions: Iterable[Tenant]) -> list[Row]:
    """One row per municipality of ``regions`` (each checked with ``region.overview``,
    NotFound otherwise): its current workshop (``current_workshops``), the numbers of that
    workshop, its newest adopted vision and the parent version the row builds on. Issues
    the same number of statements for 3 and for 60 municipalities."""
    regions = list(regions)
    for region in regions:
        if not can(actor, "region.overview", region):
            raise NotFound(N_("Das gibt es hier nicht."))
    region_by_id = {r.id: r for r in regions}
    towns = list(
        db.scalars(
            select(Tenant)
            .where(Tenant.parent_id.in_(region_by_id), Tenant.kind == TenantKind.MUNICIPALITY)
            .order_by(Tenant.name)
        )
    )
    ids = {t.id for t in towns}
    if not ids:
        return []
    current = current_workshops(ids)
    facts = _Facts.gather(ids, current)
    now = utcnow()
    return [
        _row(actor, town, region_by_id[town.parent_id], current.get(town.id), facts, now)  # type: ignore[index]
        for town in towns
    ]


def _grouped(query) -> dict[int, Any]:  # type: ignore[no-untyped-def]
    return {k: v for k, v in db.execute(query.execution_options(**ALL)).all()}


@dataclasses.dataclass
class _Facts:
    """Everything the rows need, each kind in one statement (keyed by workshop, version
    or tenant id)."""

    participants: dict[int, int]
    submitted: dict[int, int]
    pairs_total: dict[int, int]
    pairs_ready: dict[int, int]
    aspects_total: dict[int, int]
    aspects_taken: dict[int, int]
    frozen: dict[int, VisionVersion]  # workshop → its newest version
    adopted: dict[int, VisionVersion]  # tenant → its newest adopted version
    signatories: dict[int, int]
    signatures: dict[int, int]
    activity: dict[int, dt.datetime]
    parents: dict[int, VisionVersion]  # tenant → the parent version its row builds on
    parent_tenants: dict[int, Tenant]
    newest_parent: dict[int, int]  # parent tenant → its newest adopted number

    @classmethod
    def gather(cls, ids: set[int], current: dict[int, Workshop]) -> _Facts:
        wids = {w.id for w in current.values()}
        versions = _versions(ids, wids)
        parents, parent_tenants, newest_parent = _parents(ids, current, versions["adopted"])
        return cls(
            participants=_grouped(
                select(Participation.workshop_id, func.count())
                .where(Participation.workshop_id.in_(wids))
                .group_by(Participation.workshop_id)
            ),
            submitted=_grouped(
                select(Draft.workshop_id, func.count())
                .where(Draft.workshop_id.in_(wids), Draft.submitted_at.is_not(None))
                .group_by(Draft.workshop_id)
            ),
            activity=_grouped(
                select(AuditEntry.tenant_id, func.max(AuditEntry.created_at))
                .where(AuditEntry.tenant_id.in_(ids))
                .group_by(AuditEntry.tenant_id)
            ),
            parents=parents,
            parent_tenants=parent_tenants,
            newest_parent=newest_parent,
            **_pairs_and_aspects(wids),
            **versions,
        )


def _pairs_and_aspects(wids: set[int]) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = {
        k: defaultdict(int)
        for k in ("pairs_total", "pairs_ready", "aspects_total", "aspects_taken")
    }
    for workshop_id, _pair_id, members, ready in db.execute(
        select(
            PairMember.workshop_id,
            PairMember.pair_id,
            func.count(PairMember.id),
            func.count(PairMember.ready_at),
        )
        .where(PairMember.workshop_id.in_(wids))
        .group_by(PairMember.workshop_id, PairMember.pair_id)
        .execution_options(**ALL)
    ).all():
        counts["pairs_total"][workshop_id] += 1
        counts["pairs_ready"][workshop_id] += int(members == ready)
    for workshop_id, status, n in db.execute(
        select(Aspect.workshop_id, Aspect.status, func.count())
        .where(Aspect.workshop_id.in_(wids))
        .group_by(Aspect.workshop_id, Aspect.status)
        .execution_options(**ALL)
    ).all():
        counts["aspects_total"][workshop_id] += n
        if status == AspectStatus.TAKEN_UP:
            counts["aspects_taken"][workshop_id] += n
    return counts


def _versions(ids: set[int], wids: set[int]) -> dict[str, Any]:
    frozen: dict[int, VisionVersion] = {}
    adopted: dict[int, VisionVersion] = {}
    for v in db.scalars(
        select(VisionVersion)
        .where(VisionVersion.tenant_id.in_(ids))
        .order_by(VisionVersion.number)
        .execution_options(**ALL)
    ):
        if v.workshop_id is not None:
            frozen[v.workshop_id] = v
        if v.adopted_at is not None:
            adopted[v.tenant_id] = v
    signing_ids = {frozen[w].id for w in wids if w in frozen}
    return {
        "frozen": frozen,
        "adopted": adopted,
        "signatories": _grouped(
            select(Signatory.version_id, func.count())
            .where(Signatory.version_id.in_(signing_ids))
            .group_by(Signatory.version_id)
        ),
        "signatures": _grouped(
            select(Signature.version_id, func.count())
            .where(Signature.version_id.in_(signing_ids))
            .group_by(Signature.version_id)
        ),
    }


def _parents(
    ids: set[int], current: dict[int, Workshop], adopted: dict[int, VisionVersion]
) -> tuple[dict[int, VisionVersion], dict[int, Tenant], dict[int, int]]:
    """The parent version each row builds on: the current workshop's while it is under
    way, else the adopted version's embedded one, else the current workshop's."""
    embeds: dict[int, int] = {}
    for tid in ids:
        w = current.get(tid)
        if w is not None and w.phase != Phase.ADOPTED and w.parent_vision_version_id:
            embeds[tid] = w.parent_vision_version_id
        elif tid in adopted and adopted[tid].embedded_parent_version_id:
            embeds[tid] = adopted[tid].embedded_parent_version_id  # type: ignore[assignment]
        elif w is not None and w.parent_vision_version_id:
            embeds[tid] = w.parent_vision_version_id
    versions = {
        v.id: v
        for v in db.scalars(
            select(VisionVersion)
            .where(VisionVersion.id.in_(set(embeds.values())))
            .execution_options(**ALL)
        )
    }
    tenants = {
        t.id: t
        for t in db.scalars(
            select(Tenant).where(Tenant.id.in_({v.tenant_id for v in versions.values()}))
        )
    }
    newest = _grouped(
        select(VisionVersion.tenant_id, func.max(VisionVersion.number))
        .where(VisionVersion.tenant_id.in_(set(tenants)), VisionVersion.adopted_at.is_not(None))
        .group_by(VisionVersion.tenant_id)
    )
    parents = {tid: versions[vid] for tid, vid in embeds.items() if vid in versions}
    return parents, tenants, newest


def _row(  # type: ignore[no-untyped-def]
    actor: User, town: Tenant, region: Tenant, w: Workshop | None, f: _Facts, now
) -> Row:
    deadline = w.deadline(w.phase) if w is not None and w.phase in ACTIVE_PHASES else None
    version = f.frozen.get(w.id) if w is not None else None
    ad = f.adopted.get(town.id)
    parent = f.parents.get(town.id)
    newest = f.newest_parent.get(parent.tenant_id) if parent else None
    n_participants = f.participants.get(w.id, 0) if w else 0
    wid = w.id if w else 0
    vid = version.id if version else 0
    return Row(
        region_id=region.id,
        region_name=region.name,
        region_slug=region.slug,
        tenant_id=town.id,
        name=town.name,
        slug=town.slug,
        workshop_id=w.id if w else None,
        workshop_title=w.title if w else None,
        phase=w.phase if w else None,
        deadline=deadline,
        overdue=deadline is not None and deadline < now,
        participants=n_participants,
        drafts_submitted=Ratio(f.submitted.get(wid, 0), n_participants),
        pairs_ready=Ratio(f.pairs_ready.get(wid, 0), f.pairs_total.get(wid, 0)),
        coverage=Ratio(f.aspects_taken.get(wid, 0), f.aspects_total.get(wid, 0)),
        signatures=Ratio(f.signatures.get(vid, 0), f.signatories.get(vid, 0)),
        adopted_version_id=ad.id if ad else None,
        adopted_number=ad.number if ad else None,
        adopted_title=ad.title if ad else None,
        adopted_at=ad.adopted_at if ad else None,
        parent_tenant_name=f.parent_tenants[parent.tenant_id].name if parent else None,
        parent_number=parent.number if parent else None,
        parent_adopted_at=parent.adopted_at if parent else None,
        # outdated is said of the basis the row shows, not of another workshop or version
        parent_outdated=parent is not None and newest is not None and newest > parent.number,
        newest_parent_number=newest,
        last_activity=f.activity.get(town.id),
        may_open_workshop=w is not None and can(actor, "workshop.view", w),
        may_read_vision=ad is not None and can(actor, "vision.read", ad),
    )


# --- sorting, filtering, chart, CSV ------------------------------------------------------

_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
_PAST = dt.datetime.min.replace(tzinfo=dt.UTC)
SORT_KEYS = {
    "kommune": lambda r: (r.name.casefold(),),
    "schritt": lambda r: (STAGES.index(r.stage), r.name.casefold()),
    "frist": lambda r: (r.deadline or _FAR,),
    "teilnehmende": lambda r: (r.participants,),
    "entwuerfe": lambda r: (r.drafts_submitted.percent or -1,),
    "paare": lambda r: (r.pairs_ready.percent or -1,),
    "abdeckung": lambda r: (r.coverage.percent or -1,),
    "unterschriften": lambda r: (r.signatures.done,),
    "vision": lambda r: (r.adopted_at or _PAST,),
    "grundlage": lambda r: (r.parent_outdated, r.parent_number or 0),
    "aktivitaet": lambda r: (r.last_activity or _PAST,),
}
FILTERS = {
    "ueberfaellig": lambda r: r.overdue,
    "veraltet": lambda r: r.parent_outdated,
}


def sort_and_filter(
    rows: list[Row], sort: str | None, direction: str | None, filters: Iterable[str]
) -> list[Row]:
    for name in filters:
        if name in FILTERS:
            rows = [r for r in rows if FILTERS[name](r)]
    key = SORT_KEYS.get(sort or "", SORT_KEYS["kommune"])
    return sorted(rows, key=lambda r: (*key(r), r.name.casefold()), reverse=direction == "ab")


def stage_counts(rows: list[Row]) -> list[tuple[str, int]]:
    """How many municipalities stand at each stage (no workshop, each phase)."""
    counts = {s: 0 for s in STAGES}
    for r in rows:
        counts[r.stage] += 1
    return [(s, counts[s]) for s in STAGES]


CSV_COLUMNS = (
    "Region",
    "Kommune",
    "Workshop",
    "Schritt",
    "Frist",
    "Überfällig",
    "Teilnehmende",
    "Entwürfe abgegeben",
    "Anteil Entwürfe (%)",
    "Paare fertig",
    "Aspekte aufgegriffen",
    "Abdeckung (%)",
    "Unterschriften",
    "Beschlossene Vision",
    "Beschlossen am",
    "Grundlage",
    "Grundlage veraltet",
    "Letzte Aktivität",
)


def _date(value: dt.datetime | None) -> str:
    return timefmt.to_local(value).strftime("%d.%m.%Y") if value else ""  # the local day


def csv_bytes(rows: list[Row], translate=lambda s: s) -> bytes:  # type: ignore[no-untyped-def]
    """The table as CSV for Excel in German locale (``visionswerk.spreadsheet``: BOM,
    ``;``, and no cell a spreadsheet would run as a formula)."""
    return spreadsheet.csv_bytes(CSV_COLUMNS, (_csv_row(r, translate) for r in rows))


def _csv_row(r: Row, translate) -> list[object]:  # type: ignore[no-untyped-def]
    return [
        r.region_name,
        r.name,
        r.workshop_title or "",
        translate(STAGE_LABELS[r.stage]),
        _date(r.deadline),
        "ja" if r.overdue else "nein",
        r.participants,
        str(r.drafts_submitted),
        "" if r.drafts_submitted.percent is None else r.drafts_submitted.percent,
        str(r.pairs_ready),
        str(r.coverage),
        "" if r.coverage.percent is None else r.coverage.percent,
        str(r.signatures),
        f"Fassung {r.adopted_number}: {r.adopted_title}" if r.adopted_number else "",
        _date(r.adopted_at),
        f"{r.parent_tenant_name}, Fassung {r.parent_number}" if r.parent_number else "",
        "ja" if r.parent_outdated else "nein",
        _date(r.last_activity),
    ]


def row_json(r: Row) -> dict[str, object]:
    def iso(v: dt.datetime | None) -> str | None:
        return v.isoformat() if v else None

    def ratio(v: Ratio) -> dict[str, object]:
        return {"done": v.done, "total": v.total, "percent": v.percent}

    return {
        "region": {"id": r.region_id, "slug": r.region_slug, "name": r.region_name},
        "municipality": {"id": r.tenant_id, "slug": r.slug, "name": r.name},
        "workshop": (
            {"id": r.workshop_id, "title": r.workshop_title, "phase": r.stage}
            if r.workshop_id
            else None
        ),
        "deadline": iso(r.deadline),
        "overdue": r.overdue,
        "participants": r.participants,
        "drafts_submitted": ratio(r.drafts_submitted),
        "pairs_ready": ratio(r.pairs_ready),
        "coverage": ratio(r.coverage),
        "signatures": ratio(r.signatures),
        "adopted_vision": (
            {"number": r.adopted_number, "title": r.adopted_title, "adopted_at": iso(r.adopted_at)}
            if r.adopted_number
            else None
        ),
        "parent": (
            {
                "tenant": r.parent_tenant_name,
                "number": r.parent_number,
                "adopted_at": iso(r.parent_adopted_at),
                "outdated": r.parent_outdated,
                "newest_number": r.newest_parent_number,
            }
            if r.parent_number
            else None
        ),
        "last_activity": iso(r.last_activity),
    }
