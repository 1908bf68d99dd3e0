"""The region overview in SQL: one page of rows, sorted and filtered by the database.

Two statements answer a page, whatever the number of municipalities:

1. ``_counts``: how many municipalities the regions hold, how many match the filters and
   at which stage the matching ones stand (the chart) — grouped in SQL.
2. ``_page_rows``: the municipalities of the page. An inner query orders and limits the
   municipalities, computing only what the chosen sort and filters need (the current
   workshop always; the adopted and parent versions, the counts or the last activity only
   when sorted or filtered by them); the outer query computes every number of the row
   for those rows only (correlated counts, each an index lookup).

Nothing loads a vision's text or a participant's content; the rows hold statuses and
numbers only. Then the page's tenants, workshops and adopted versions (without their
text) are loaded in one statement each, so ``can()`` answers what the reader may open.
The definitions match ``visionswerk.visions.overview`` (the current workshop, the parent
a row builds on); the tests compare them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, literal, null, select, true
from sqlalchemy.orm import aliased, load_only

from visionswerk.db import db, utcnow
from visionswerk.errors import NotFound
from visionswerk.i18n import N_
from visionswerk.tenants.models import AuditEntry, Tenant, TenantKind, User
from visionswerk.tenants.policy import can
from visionswerk.visions.overview import ACTIVE_PHASES, NO_WORKSHOP, STAGES, Ratio, Row
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

ALL = {"all_tenants": True}  # the regions' municipalities, filtered by tenant explicitly
PER_PAGE = 50
MAX_PER_PAGE = 200
SORTS = (
    "kommune",
    "schritt",
    "frist",
    "teilnehmende",
    "entwuerfe",
    "paare",
    "abdeckung",
    "unterschriften",
    "vision",
    "grundlage",
    "aktivitaet",
)
FILTER_NAMES = ("ueberfaellig", "veraltet")
# what each sort and filter needs beyond the current workshop (see _Source)
_NEEDS = {
    "teilnehmende": {"participants"},
    "entwuerfe": {"participants", "submitted"},
    "paare": {"pairs"},
    "abdeckung": {"aspects"},
    "unterschriften": {"signatures"},
    "vision": {"adopted"},
    "grundlage": {"parent"},
    "veraltet": {"parent"},
    "aktivitaet": {"activity"},
}


@dataclasses.dataclass(frozen=True)
class Query:
    """What the reader asked for: sort key, direction ("auf"/"ab"), filters, page."""

    sort: str = "kommune"
    direction: str = "auf"
    filters: tuple[str, ...] = ()
    page: int = 1
    per_page: int | None = PER_PAGE  # None: every row (CSV, report)

    @classmethod
    def of(
        cls,
        sort: str | None = None,
        direction: str | None = None,
        filters: Iterable[str] = (),
        page: int | None = 1,
        per_page: int | None = PER_PAGE,
    ) -> Query:
        """Unknown sorts and filters fall back to the defaults (links from old pages)."""
        return cls(
            sort=sort if sort in SORTS else "kommune",
            direction="ab" if direction == "ab" else "auf",
            filters=tuple(f for f in FILTER_NAMES if f in set(filters)),
            page=max(1, page or 1),
            per_page=None if per_page is None else max(1, min(per_page, MAX_PER_PAGE)),
        )


@dataclasses.dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # municipalities in the regions
    matching: int  # of them, those the filters keep
    stages: list[tuple[str, int]]  # how many of the matching stand at each stage
    number: int  # this page, 1-based
    per_page: int | None

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, math.ceil(self.matching / self.per_page))


def overview_page(
    actor: User, regions: Iterable[Tenant], query: Query = Query(), *, clamp: bool = True
) -> Page:
    """One page of the overview of ``regions`` (each checked with ``region.overview``,
    NotFound otherwise). ``clamp``: a page past the last shows the last (the web page);
    without it an empty page (the API). Five statements for 3 or 2,000 municipalities."""
    regions = list(regions)
    for region in regions:
        if not can(actor, "region.overview", region):
            raise NotFound(N_("Das gibt es hier nicht."))
    region_ids = [r.id for r in regions]
    now = utcnow()
    total, matching, by_phase = _counts(region_ids, query, now)
    stages = [(s, by_phase.get(None if s == NO_WORKSHOP else s, 0)) for s in STAGES]
    number = query.page
    if query.per_page and clamp:
        number = min(number, max(1, math.ceil(matching / query.per_page)))
    rows = _page_rows(actor, {r.id: r for r in regions}, query, number, now) if regions else []
    return Page(rows, total, matching, stages, number, query.per_page)


# --- the SQL ----------------------------------------------------------------------


class _Source:
    """The columns of one municipality's row, each built on first use as a LATERAL join or
    a correlated count onto the statement (``apply``): a sort by name needs none of them
    before the page is cut, a sort by drafts the current workshop and two counts."""

    def __init__(self, tenant_id: Any) -> None:
        self.tenant_id = tenant_id
        self.joins: list[tuple[Any, Any]] = []
        self._cache: dict[str, Any] = {}

    @property
    def cw(self) -> Any:
        """The current workshop: the one the municipality started last (newest
        ``created_at``, then ``id``; ``overview.current_workshops``)."""
        if "cw" not in self._cache:
            self._cache["cw"] = self._current_workshop()
        return self._cache["cw"]

    def _current_workshop(self) -> Any:
        w = aliased(Workshop, name="w")
        columns = {
            "id": w.id,
            "title": w.title,
            "phase": w.phase,
            "parent_vision_version_id": w.parent_vision_version_id,
            "deadline": case(
                *((w.phase == p, getattr(w, f"deadline_{p.value}")) for p in _ACTIVE),
                else_=null(),
            ),
            # Workshop.current_round: 2 once the round of four began, else 1
            "round": case((w.fours_opened_at.is_not(None), 2), else_=1),
        }
        if not _lateral():
            newest = aliased(Workshop, name="wn")
            self.joins.append((w, w.id == _newest_id(newest, newest.tenant_id == self.tenant_id,
                                                     newest.created_at, newest.id)))  # fmt: skip
            return _Columns(columns)
        cw = (
            select(*(c.label(k) for k, c in columns.items()))
            .where(w.tenant_id == self.tenant_id)
            .order_by(w.created_at.desc(), w.id.desc())
            .limit(1)
            .lateral("cw")
        )
        self.joins.append((cw, true()))
        return cw.c

    def adopted(self) -> Any:
        """The municipality's newest adopted version (no text)."""
        if "adopted" not in self._cache and not _lateral():
            v, vn = aliased(VisionVersion, name="av"), aliased(VisionVersion, name="avn")
            adopted = and_(vn.tenant_id == self.tenant_id, vn.adopted_at.is_not(None))
            self.joins.append((v, v.id == _newest_id(vn, adopted, vn.number)))
            self._cache["adopted"] = v
        if "adopted" not in self._cache:
            v = aliased(VisionVersion, name="av")
            ad = (
                select(v.id, v.number, v.title, v.adopted_at, v.embedded_parent_version_id)
                .where(v.tenant_id == self.tenant_id, v.adopted_at.is_not(None))
                .order_by(v.number.desc())
                .limit(1)
                .lateral("ad")
            )
            self.joins.append((ad, true()))
            self._cache["adopted"] = ad.c
        return self._cache["adopted"]

    def parent(self) -> Any:
        """The parent version the row builds on: the current workshop's while it is under
        way, else the adopted version's embedded one, else the current workshop's — and the
        newest adopted number of the parent's tenant."""
        if "parent" not in self._cache:
            cw, ad = self.cw, self.adopted()
            parent_id = case(
                (
                    and_(
                        cw.id.is_not(None),
                        cw.phase != Phase.ADOPTED,
                        cw.parent_vision_version_id.is_not(None),
                    ),
                    cw.parent_vision_version_id,
                ),
                (ad.embedded_parent_version_id.is_not(None), ad.embedded_parent_version_id),
                else_=cw.parent_vision_version_id,
            )
            pv = aliased(VisionVersion, name="pv")
            nv = aliased(VisionVersion, name="nv")
            newest_of = (
                select(func.max(nv.number).label("number"))
                .where(nv.tenant_id == pv.tenant_id, nv.adopted_at.is_not(None))
            )  # fmt: skip
            self.joins.append((pv, pv.id == parent_id))
            if _lateral():
                newest = newest_of.lateral("np")
                self.joins.append((newest, true()))
                number = newest.c.number
            else:
                number = newest_of.correlate_except(nv).scalar_subquery()
            outdated = and_(number.is_not(None), pv.number.is_not(None), number > pv.number)
            self._cache["parent"] = {
                "version": pv,
                "newest": number,
                "outdated": func.coalesce(outdated, False),
            }
        return self._cache["parent"]

    def count(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = _COUNTS[name](self)
        return self._cache[name]

    def apply(self, statement: Select[Any]) -> Select[Any]:
        for target, on in self.joins:
            statement = statement.outerjoin(target, on)
        return statement


def _lateral() -> bool:
    """PostgreSQL joins the newest row LATERAL (the plan the benchmarks measured). SQLite,
    the embedded default, has no LATERAL: there the newest row is joined by its id from a
    correlated subquery instead — the same rows, for the demo's handful of municipalities."""
    return bool(db.get_bind().dialect.name == "postgresql")


def _newest_id(entity: Any, where: Any, *order: Any) -> Any:
    """The id of the newest ``entity`` row matching ``where`` (by ``order``, descending),
    correlated to the enclosing statement."""
    return (
        select(entity.id)
        .where(where)
        .order_by(*(o.desc() for o in order))
        .limit(1)
        .correlate_except(entity)
        .scalar_subquery()
    )


class _Columns:
    """The current workshop's columns by name, as ``lateral(...).c`` offers them (labelled:
    a row read by its column's name finds it)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.__dict__.update({name: c.label(name) for name, c in columns.items()})


# the phases with a deadline of their own (Workshop.deadline)
_ACTIVE = [p for p in ACTIVE_PHASES if hasattr(Workshop, f"deadline_{p.value}")]


def _of_workshop(model: Any, *where: Any) -> Any:
    def build(src: _Source) -> Any:
        return (
            select(func.count())
            .select_from(model)
            .where(model.workshop_id == src.cw.id, *where)
            .correlate_except(model)
            .scalar_subquery()
        )

    return build


def _groups(*where: Any) -> Any:
    """The groups of the current workshop's current round (step 2's pairs, from the
    round of four on its fours) with a member matching ``where``, counted from the index
    on (workshop_id, round, pair_id, ready_at) alone."""

    def build(src: _Source) -> Any:
        return (
            select(func.count(PairMember.pair_id.distinct()))
            .where(PairMember.workshop_id == src.cw.id, PairMember.round == src.cw.round, *where)
            .correlate_except(PairMember)
            .scalar_subquery()
        )

    return build


def _frozen(src: _Source) -> Any:
    """The current workshop's newest version (signing collects signatures on it): a
    LATERAL join, so the counts on it are one level deep and correlate to it alone."""
    v = aliased(VisionVersion, name="fv")
    newest = select(v.id).where(v.workshop_id == src.cw.id).order_by(v.number.desc()).limit(1)
    if not _lateral():
        return newest.correlate_except(v).scalar_subquery()
    fv = newest.lateral("fv")
    src.joins.append((fv, true()))
    return fv.c.id


def _of_version(model: Any) -> Any:
    def build(src: _Source) -> Any:
        return (
            select(func.count())
            .select_from(model)
            .where(model.version_id == src.count("frozen"))
            .correlate_except(model)
            .scalar_subquery()
        )

    return build


def _activity(src: _Source) -> Any:
    # one backward step on ix_audit_entries_tenant_id_created_at per municipality
    return (
        select(func.max(AuditEntry.created_at))
        .where(AuditEntry.tenant_id == src.tenant_id)
        .correlate_except(AuditEntry)
        .scalar_subquery()
    )


_COUNTS = {
    "participants": _of_workshop(Participation),
    "submitted": _of_workshop(Draft, Draft.submitted_at.is_not(None)),
    # the current round's groups; a group is ready when none of its members is missing
    "pairs_total": _groups(),
    "pairs_waiting": _groups(PairMember.ready_at.is_(None)),
    "aspects_total": _of_workshop(Aspect),
    "aspects_taken": _of_workshop(Aspect, Aspect.status == AspectStatus.TAKEN_UP),
    "frozen": _frozen,
    "signatories": _of_version(Signatory),
    "signatures": _of_version(Signature),
    "activity": _activity,
}


def _share(done: Any, total: Any) -> Any:
    """The share done (exact, so the order agrees with the rounded percent shown); -1
    without a total (sorts before 0 %)."""
    return case((total > 0, 1.0 * done / total), else_=-1)


def _sort_key(src: _Source, sort: str) -> list[Any]:
    if sort == "schritt":
        # the order of STAGES ("none" first, then the phases in their order)
        ranks = [(src.cw.phase == Phase(s), i) for i, s in enumerate(STAGES) if s != NO_WORKSHOP]
        return [case(*ranks, else_=0)]
    if sort == "frist":
        # none last going up, first going down (PostgreSQL's default, stated for SQLite)
        return [src.cw.deadline.is_(None), src.cw.deadline]
    if sort == "teilnehmende":
        return [src.count("participants")]
    if sort == "entwuerfe":
        return [_share(src.count("submitted"), src.count("participants"))]
    if sort == "paare":
        total = src.count("pairs_total")
        return [_share(total - src.count("pairs_waiting"), total)]
    if sort == "abdeckung":
        return [_share(src.count("aspects_taken"), src.count("aspects_total"))]
    if sort == "unterschriften":
        return [func.coalesce(src.count("signatures"), 0)]
    if sort == "vision":
        return [func.coalesce(src.adopted().adopted_at, _PAST)]
    if sort == "grundlage":
        parent = src.parent()
        return [parent["outdated"], func.coalesce(parent["version"].number, 0)]
    if sort == "aktivitaet":
        return [func.coalesce(src.count("activity"), _PAST)]
    return []


_PAST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # "never" sorts before every real date


def _conditions(src: _Source, filters: Iterable[str], now: dt.datetime) -> list[Any]:
    conditions = []
    if "ueberfaellig" in filters:
        conditions.append(and_(src.cw.deadline.is_not(None), src.cw.deadline < now))
    if "veraltet" in filters:
        conditions.append(src.parent()["outdated"])
    return conditions


def _towns() -> Any:
    t = aliased(Tenant, name="t")
    regions = bindparam("region_ids", expanding=True)
    return t, and_(t.kind == TenantKind.MUNICIPALITY, t.parent_id.in_(regions))


# Built once per sort, direction, filters and paging: constructing these statements costs
# more than PostgreSQL needs to answer them (ORM aliases, column collections); the values
# are bound parameters (regions, now, limit, offset), so SQLAlchemy's compiled cache and
# psycopg's prepared statements are reused too.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_NOW = bindparam("now", type_=Workshop.__table__.c.deadline_individual.type)


def _statement(kind: str, query: Query) -> Any:
    key = (kind, query.sort, query.direction, query.filters, query.per_page is not None)
    if key not in _STATEMENTS:
        build = _counts_statement if kind == "counts" else _page_statement
        _STATEMENTS[key] = build(query).execution_options(**ALL)
    return _STATEMENTS[key]


def _counts_statement(query: Query) -> Any:
    t, in_regions = _towns()
    src = _Source(t.id)
    conditions = _conditions(src, query.filters, _NOW)
    matches = and_(*conditions) if conditions else literal(True)
    statement = src.apply(
        select(src.cw.phase, func.count(), func.count().filter(matches)).select_from(t)
    )
    return statement.where(in_regions).group_by(src.cw.phase)


def _counts(
    region_ids: list[int], query: Query, now: dt.datetime
) -> tuple[int, int, dict[str | None, int]]:
    if not region_ids:
        return 0, 0, {}
    by_phase: dict[str | None, int] = {}
    total = matching = 0
    found = db.execute(_statement("counts", query), {"region_ids": region_ids, "now": now})
    for phase, n, m in found.all():
        total, matching = total + n, matching + m
        if m:
            by_phase[phase.value if phase is not None else None] = m
    return total, matching, by_phase


def _page_statement(query: Query) -> Any:
    t, in_regions = _towns()
    inner = _Source(t.id)
    conditions = _conditions(inner, query.filters, _NOW)
    keys = [*_sort_key(inner, query.sort), func.lower(t.name), t.id]
    keys = [k.desc() if query.direction == "ab" else k.asc() for k in keys]
    ordered = (
        inner.apply(
            select(
                t.id.label("tenant_id"),
                t.name,
                t.slug,
                t.parent_id.label("region_id"),
                func.row_number().over(order_by=keys).label("position"),
            ).select_from(t)
        )
        .where(in_regions, *conditions)
        .order_by(*keys)
    )
    if query.per_page:
        ordered = ordered.limit(bindparam("limit")).offset(bindparam("offset"))
    page = ordered.subquery("page")
    outer = _Source(page.c.tenant_id)  # the page's rows only: every number of the row
    cw, ad, parent = outer.cw, outer.adopted(), outer.parent()
    pt = aliased(Tenant, name="pt")
    outer.joins.append((pt, pt.id == parent["version"].tenant_id))
    counts = {name: outer.count(name).label(name) for name in _COUNTS if name != "frozen"}
    return outer.apply(
        select(
            *page.c,
            cw.id.label("workshop_id"),
            cw.title.label("workshop_title"),
            cw.phase,
            cw.deadline,
            ad.id.label("adopted_id"),
            ad.number.label("adopted_number"),
            ad.title.label("adopted_title"),
            ad.adopted_at,
            pt.name.label("parent_tenant_name"),
            parent["version"].number.label("parent_number"),
            parent["version"].adopted_at.label("parent_adopted_at"),
            parent["newest"].label("newest_parent_number"),
            parent["outdated"].label("parent_outdated"),
            *counts.values(),
        ).select_from(page)
    ).order_by(page.c.position)


def _page_rows(
    actor: User, regions: dict[int, Tenant], query: Query, number: int, now: dt.datetime
) -> list[Row]:
    values: dict[str, Any] = {"region_ids": list(regions), "now": now}
    if query.per_page:
        values.update(limit=query.per_page, offset=(number - 1) * query.per_page)
    found = db.execute(_statement("page", query), values).mappings().all()
    return _rows(actor, regions, found, now)


def _rows(actor: User, regions: dict[int, Tenant], found: Any, now: dt.datetime) -> list[Row]:
    """Rows from the page's numbers; the page's tenants, workshops and adopted versions
    are loaded (one statement each, no texts) so the policy says what the reader may open."""
    tenant_ids = [r["tenant_id"] for r in found]
    workshop_ids = [r["workshop_id"] for r in found if r["workshop_id"]]
    version_ids = [r["adopted_id"] for r in found if r["adopted_id"]]
    # into the session's identity map: workshop.tenant is no extra query (each of the
    # three statements runs on an empty page too, so a page costs the same statements)
    # (held here: the identity map keeps objects only while they are referenced)
    towns = list(db.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids))))
    workshops = _by_id(
        Workshop, workshop_ids, load_only(Workshop.id, Workshop.tenant_id, Workshop.phase)
    )
    versions = _by_id(
        VisionVersion,
        version_ids,
        load_only(
            VisionVersion.id,
            VisionVersion.tenant_id,
            VisionVersion.workshop_id,
            VisionVersion.adopted_at,
        ),
    )
    rows = []
    for r in found:
        w, ad = workshops.get(r["workshop_id"]), versions.get(r["adopted_id"])
        pairs_total = r["pairs_total"] or 0
        region = regions[r["region_id"]]
        rows.append(
            Row(
                region_id=region.id,
                region_name=region.name,
                region_slug=region.slug,
                tenant_id=r["tenant_id"],
                name=r["name"],
                slug=r["slug"],
                workshop_id=r["workshop_id"],
                workshop_title=r["workshop_title"],
                phase=r["phase"],
                deadline=r["deadline"],
                overdue=r["deadline"] is not None and r["deadline"] < now,
                participants=r["participants"] or 0,
                drafts_submitted=Ratio(r["submitted"] or 0, r["participants"] or 0),
                pairs_ready=Ratio(pairs_total - (r["pairs_waiting"] or 0), pairs_total),
                coverage=Ratio(r["aspects_taken"] or 0, r["aspects_total"] or 0),
                signatures=Ratio(r["signatures"] or 0, r["signatories"] or 0),
                adopted_version_id=r["adopted_id"],
                adopted_number=r["adopted_number"],
                adopted_title=r["adopted_title"],
                adopted_at=r["adopted_at"],
                parent_tenant_name=r["parent_tenant_name"],
                parent_number=r["parent_number"],
                parent_adopted_at=r["parent_adopted_at"],
                parent_outdated=bool(r["parent_outdated"]),
                newest_parent_number=r["newest_parent_number"] if r["parent_number"] else None,
                last_activity=r["activity"],
                may_open_workshop=w is not None and can(actor, "workshop.view", w),
                may_read_vision=ad is not None and can(actor, "vision.read", ad),
            )
        )
    del towns
    return rows


def _by_id(model: Any, ids: list[int], option: Any) -> dict[int, Any]:
    return {
        o.id: o
        for o in db.scalars(
            select(model).options(option).where(model.id.in_(ids)).execution_options(**ALL)
        )
    }


# --- the platform admin's list of regions ------------------------------------------


@dataclasses.dataclass(frozen=True)
class RegionsPage:
    regions: list[tuple[Tenant, int]]  # a region and how many municipalities it has
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def regions_page(actor: User, number: int = 1, per_page: int = PER_PAGE) -> RegionsPage:
    """One page of every region by name with its number of municipalities (admins:
    ``region.create``), in two statements however many regions and municipalities."""
    if not can(actor, "region.create"):
        raise NotFound(N_("Das gibt es hier nicht."))
    total = db.scalar(select(func.count()).where(Tenant.kind == TenantKind.REGION)) or 0
    number = min(max(1, number), max(1, math.ceil(total / per_page)))
    town = aliased(Tenant, name="town")
    towns = (
        select(func.count())
        .where(town.parent_id == Tenant.id, town.kind == TenantKind.MUNICIPALITY)
        .correlate_except(town)
        .scalar_subquery()
    )
    found = db.execute(
        select(Tenant, towns)
        .where(Tenant.kind == TenantKind.REGION)
        .order_by(func.lower(Tenant.name), Tenant.id)
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return RegionsPage([(t, n) for t, n in found], total, number, per_page)
