"""The coordinator's region overview: one row per municipality, statuses and numbers
only (never step-1 or pair content), in a fixed number of SQL statements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select

from visionswerk import spreadsheet, timefmt
from visionswerk.db import db
from visionswerk.i18n import N_
from visionswerk.tenants.models import Tenant, TenantKind, User
from visionswerk.tenants.policy import can
from visionswerk.workshops.models import (
    Phase,
    Workshop,
)

ALL = {"all_tenants": True}
ACTIVE_PHASES = (Phase.INDIVIDUAL, Phase.PAIRS, Phase.FOURS, Phase.PLENARY, Phase.SIGNING)
PHASE_LABELS = {
    Phase.PREPARATION: N_("Vorbereitung"),
    Phase.INDIVIDUAL: N_("Einzelarbeit"),
    Phase.PAIRS: N_("Arbeit zu zweit"),
    Phase.FOURS: N_("Runde zu viert"),
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
    """Every row of ``regions`` by name (each region checked with ``region.overview``,
    NotFound otherwise): its current workshop (``current_workshops``), the numbers of that
    workshop, its newest adopted vision and the parent version the row builds on. The CSV
    and the region report read all rows; the pages read one page (``overview_sql``). The
    same statements for 3 and for 2,000 municipalities."""
    from visionswerk.visions.overview_sql import Query, overview_page

    return overview_page(actor, regions, Query(per_page=None)).rows


# --- chart, CSV -------------------------------------------------------------------------------


def stage_counts(rows: list[Row]) -> list[tuple[str, int]]:
    """How many of ``rows`` stand at each stage (no workshop, each phase); a page's
    counts come from SQL (``overview_sql.Page.stages``)."""
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
