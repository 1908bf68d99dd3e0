"""Reports, generated in the worker: the vision document, the process documentation of a
workshop, and the region status report — HTML (stored) and PDF (WeasyPrint).

* ``request(actor, kind, tenant, workshop=None, nonce=...)`` (web layer) asks the policy
  (``report.request``), records a :class:`Report` with ``request_key = "report:<nonce>"``
  (the request form carries the nonce: a double submit finds the same row) and enqueues
  ``visionswerk.generate_report`` after the commit.
* ``generate(settings, tenant_id, report_id)`` (worker) runs in ``tenant_scope``: queued →
  running (progress committed as it goes) → done (PDF + HTML stored, "report ready" mail to
  the requester, key ``report-ready:<id>``) or failed. A redelivered task finds the row done
  and returns; a task for a row that is ``running`` re-runs it (its worker died).
* WeasyPrint never fetches from the network: :func:`url_fetcher` refuses everything except
  files inside the app's static folder.
* Privacy: the process documentation shows step-1 drafts only as keywords in the aspect
  ledger, with the author's display name only where they agreed
  (``Draft.name_in_documentation``); proposals with their pair number only, and only from
  step 3 on (before, they belong to their pairs). Before adoption only the workshop's
  facilitators may request or read it; the region's coordinators, participants and
  platform admins once the vision is adopted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import unicodedata
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import defer, selectinload

from visionswerk import db as dbmod
from visionswerk import timefmt
from visionswerk.db import after_commit, db, utcnow
from visionswerk.errors import NotFound
from visionswerk.i18n import N_
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Role, Tenant, TenantKind, User
from visionswerk.tenants.policy import can, require, roles_in, rule
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import emails
from visionswerk.worker.models import Report, ReportKind, ReportStatus
from visionswerk.workshops import pairing
from visionswerk.workshops.models import (
    Aspect,
    AspectSource,
    AspectStatus,
    Comment,
    Draft,
    Pair,
    PairProposal,
    Participation,
    Phase,
    Strength,
    VisionVersion,
    Workshop,
)
from visionswerk.workshops.policy import LATE_PHASES, manages
from visionswerk.workshops.text import render_markdown

STATIC = (Path(__file__).parent.parent / "platform" / "static").resolve()
CSS = Path(__file__).parent / "templates" / "reports" / "report.css"

KIND_TITLES = {
    ReportKind.VISION: N_("Visionsdokument"),
    ReportKind.PROCESS: N_("Prozessdokumentation"),
    ReportKind.REGION: N_("Statusbericht der Region"),
}


class RefusedFetch(ValueError):
    pass


# --- policy ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Subject:
    """What a report is about: its kind, tenant and (vision/process) workshop."""

    kind: ReportKind
    tenant: Tenant
    workshop: Workshop | None = None


def _may(user: User, subject: Subject) -> bool:
    if subject.kind == ReportKind.REGION:
        # a status report lists a region's municipalities: only a region has one
        return subject.tenant.kind == TenantKind.REGION and (
            user.is_platform_admin or Role.COORDINATOR in roles_in(user, subject.tenant)
        )
    w = subject.workshop
    if w is None:
        return False
    adopted = w.phase == Phase.ADOPTED
    if subject.kind == ReportKind.VISION:
        return adopted and (user.is_platform_admin or can(user, "workshop.view", w))
    # process documentation: the workshop's facilitators at any time (it holds what they
    # may read at that moment, see process_context); everyone else who may see the
    # workshop or its status (participants, the region's coordinators, platform admins)
    # once the vision is adopted — never private step-1 or pair content before
    if manages(user, w):
        return True
    return adopted and (
        user.is_platform_admin or can(user, "workshop.status", w) or can(user, "workshop.view", w)
    )


@rule("report.request")
def _request(user: User, subject: Subject) -> bool:
    return _may(user, subject)


@rule("report.read")
def _read(user: User, report: Report) -> bool:
    return _may(user, subject_of(report))


def subject_of(report: Report) -> Subject:
    tenant = db.get(Tenant, report.tenant_id)
    assert tenant is not None
    w = db.get(Workshop, report.workshop_id) if report.workshop_id else None
    return Subject(report.kind, tenant, w)


log = logging.getLogger(__name__)


# --- requesting and listing (web layer) ---------------------------------------------------


def request(
    actor: User, kind: ReportKind | str, tenant: Tenant, workshop: Workshop | None, nonce: str
) -> Report:
    """Record a report request and build it in the worker after the commit."""
    kind = ReportKind(kind)
    if workshop is not None and workshop.tenant_id != tenant.id:
        raise NotFound(N_("Das gibt es hier nicht."))
    require(actor, "report.request", Subject(kind, tenant, workshop))
    key = f"report:{actor.id}:{nonce[:60]}"
    existing = db.scalar(select(Report).where(Report.request_key == key))
    if existing is not None:
        return existing
    report = Report(
        tenant_id=tenant.id,
        kind=kind,
        workshop_id=workshop.id if workshop else None,
        status=ReportStatus.QUEUED,
        progress=0,
        request_key=key,
        requested_by_id=actor.id,
    )
    db.add(report)
    db.flush()
    after_commit(partial(enqueue, tenant.id, report.id))
    return report


def kinds_of(workshop: Workshop | None) -> list[ReportKind]:
    """The kinds of report a workshop (vision, process) or a region (status) has."""
    return [ReportKind.VISION, ReportKind.PROCESS] if workshop else [ReportKind.REGION]


def requestable_kinds(actor: User, tenant: Tenant, workshop: Workshop | None) -> list[ReportKind]:
    """The kinds ``actor`` may have built here now (pages and API offer only these)."""
    return [
        k for k in kinds_of(workshop) if can(actor, "report.request", Subject(k, tenant, workshop))
    ]


def enqueue(tenant_id: int, report_id: int) -> None:
    """Hand one report to the worker after the commit. Best effort, like the outbox: with
    the broker down the report stays queued (the request still answers) and the sweep,
    every minute, hands it over once the broker is back (``sweep_stale``)."""
    from kombu.exceptions import OperationalError

    from visionswerk.worker.tasks import generate_report

    try:
        generate_report.apply_async(
            args=[tenant_id, report_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.5},
        )
    except (OperationalError, ConnectionError, TimeoutError) as exc:
        log.warning(
            "report %s not enqueued (%s); the report sweep will hand it over", report_id, exc
        )


def reports_for(actor: User, tenant: Tenant, workshop: Workshop | None) -> list[Report]:
    """The reports of a workshop (or the tenant's region reports) the actor may read,
    newest first (current tenant). The stored PDF and HTML are loaded only when used."""
    query = select(Report).where(Report.tenant_id == tenant.id)
    if workshop is not None:
        query = query.where(Report.workshop_id == workshop.id)
    else:
        query = query.where(Report.workshop_id.is_(None))
    query = query.options(defer(Report.pdf), defer(Report.html))
    rows = db.scalars(query.order_by(Report.created_at.desc(), Report.id.desc())).all()
    return [r for r in rows if can(actor, "report.read", r)]


BUILDING = (ReportStatus.QUEUED, ReportStatus.RUNNING)


@dataclasses.dataclass(frozen=True)
class PanelEntry:
    """One kind of report as a page offers it: may the reader have a new one built,
    the newest one they may read (perhaps still building) and the newest finished one."""

    kind: ReportKind
    may_request: bool
    latest: Report | None
    ready: Report | None

    @property
    def building(self) -> bool:
        return self.latest is not None and self.latest.status in BUILDING


def panel(actor: User, tenant: Tenant, workshop: Workshop | None) -> list[PanelEntry]:
    """The reports a workshop page (vision, process) or a region page (status report)
    offers ``actor``: only kinds the policy lets them request or read, so a page never
    shows a link its reader cannot follow."""
    if workshop is not None and workshop.tenant_id != tenant.id:
        return []
    rows = reports_for(actor, tenant, workshop)
    entries = []
    for kind in kinds_of(workshop):
        mine = [r for r in rows if r.kind == kind]
        may = can(actor, "report.request", Subject(kind, tenant, workshop))
        if not (may or mine):
            continue
        ready = next((r for r in mine if r.status == ReportStatus.DONE), None)
        entries.append(PanelEntry(kind, may, mine[0] if mine else None, ready))
    return entries


# --- file names ---------------------------------------------------------------------------

#: Words before a place name that a file name can do without ("Gemeinde Musterhausen").
_PLACE_PREFIXES = ("Gemeinde ", "Markt ", "Stadt ", "Kommune ", "ILE-Region ", "ILE ", "Region ")
_GERMAN_ASCII = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def _place(name: str) -> str:
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix) and name[len(prefix) :].strip():
            return name[len(prefix) :].strip()
    return name


def _words(text: str) -> list[str]:
    """Letters (umlauts too) and digits; everything else separates words."""
    return re.findall(r"[^\W_]+", text)


def download_name(report: Report) -> str:
    """A file name a person recognises: ``Vision-Musterhausen-2036-Fassung-2.pdf``,
    ``Prozessdokumentation-Musterhausen-Zukunft-2036-2026-12-01.pdf``,
    ``Statusbericht-Musterland-2026-12-01.pdf`` (date: the local day it was built, in
    the tenant's time zone)."""
    tenant = db.get(Tenant, report.tenant_id)
    assert tenant is not None
    place = _place(tenant.name)
    w = db.get(Workshop, report.workshop_id) if report.workshop_id else None
    day = timefmt.to_local(report.finished_at or report.created_at, tenant.time_zone)
    day = day.date().isoformat()
    if report.kind == ReportKind.VISION and w is not None:
        version = _adopted_version(w)
        title = _words(version.title if version else w.title)
        if title and title[0].casefold() == "vision":
            title = title[1:]
        parts = ["Vision", *_unless_in(place, title), *title]
        parts += ["Fassung", str(version.number)] if version else [day]
    elif report.kind == ReportKind.PROCESS and w is not None:
        title = _words(w.title)
        parts = ["Prozessdokumentation", *_unless_in(place, title), *title, day]
    else:
        parts = ["Statusbericht", *_words(place), day]
    return "-".join(parts)[:150].strip("-") + ".pdf"


def _unless_in(place: str, title: list[str]) -> list[str]:
    words = _words(place)
    folded = [t.casefold() for t in title]
    return [] if all(word.casefold() in folded for word in words) else words


def ascii_name(name: str) -> str:
    """The same name in plain ASCII for old clients: ä → ae, ß → ss, accents dropped."""
    plain = unicodedata.normalize("NFKD", name.translate(_GERMAN_ASCII))
    ascii_only = plain.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_only).strip("-") or "Bericht.pdf"


def get_report(actor: User, report_id: int, *, blobs: bool = True) -> Report:
    """``blobs=False``: without the stored PDF and HTML (the status poll needs neither)."""
    options = [] if blobs else [defer(Report.pdf), defer(Report.html)]
    report = db.get(Report, report_id, options=options)
    if report is None or not can(actor, "report.read", report):
        raise NotFound(N_("Das gibt es hier nicht."))
    return report


# --- generating (worker) ------------------------------------------------------------------


def check_url(url: str) -> Path:
    """The file a resource URL may load, or :class:`RefusedFetch`: only files inside the
    app's static folder; everything else (http, https, data, other files) is refused."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path)).resolve()
        if path.is_relative_to(STATIC) and path.is_file():
            return path
    raise RefusedFetch(f"refused to fetch {url[:200]}")


def _fetcher() -> Any:
    """WeasyPrint's fetcher (a ``URLFetcher`` subclass, WeasyPrint ≥ 66): asks
    :func:`check_url` before anything is opened, so a refused URL makes no request."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            check_url(url)
            return super().fetch(url, headers)

    return StaticOnlyFetcher(allowed_protocols=["file"], allow_redirects=False)


def url_fetcher(url: str) -> Any:
    return _fetcher()(url)


def render_pdf(html: str) -> bytes:
    import weasyprint

    fetcher = _fetcher()
    document = weasyprint.HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=fetcher)
    css = weasyprint.CSS(filename=str(CSS), url_fetcher=fetcher)
    return bytes(document.write_pdf(stylesheets=[css]))


#: A running report whose attempt started this long ago lost its worker (killed, OOM):
#: the sweep hands it over again. Longer than the task's hard time limit, so a build that
#: is still running is never overtaken.
STALE_AFTER = dt.timedelta(minutes=15)
#: A queued report not started this long after it was requested lost its hand-over
#: (broker down at the request, message lost): the sweep, every minute, hands it over.
#: A second message for a report already taken finds it claimed and does nothing.
QUEUED_GRACE = dt.timedelta(seconds=60)
#: A build that killed its worker this often will do so again: the report is failed.
MAX_ATTEMPTS = 3
GAVE_UP = "gave up after {n} attempts (the build stopped its worker each time)"


def _lost_attempt(now: dt.datetime) -> Any:
    started = func.coalesce(Report.started_at, Report.created_at)
    return (Report.status == ReportStatus.RUNNING) & (started <= now - STALE_AFTER)


def claim(report_id: int, now: dt.datetime) -> bool:
    """Take the report for one attempt (one conditional UPDATE; the caller commits at
    once): queued, or running with a lost attempt, and tries left. False otherwise."""
    result = db.execute(
        update(Report)
        .where(
            Report.id == report_id,
            Report.attempts < MAX_ATTEMPTS,
            (Report.status == ReportStatus.QUEUED) | _lost_attempt(now),
        )
        .values(
            status=ReportStatus.RUNNING,
            attempts=Report.attempts + 1,
            started_at=now,
            progress=10,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def sweep_stale(now: dt.datetime) -> list[int]:
    """Fail reports whose every attempt was lost, and hand over the others whose task was
    lost (explicit cross-tenant read of ids; the task scopes itself): queued longer than
    ``QUEUED_GRACE``, running with an attempt older than ``STALE_AFTER``."""
    db.execute(
        update(Report)
        .where(_lost_attempt(now), Report.attempts >= MAX_ATTEMPTS)
        .values(
            status=ReportStatus.FAILED,
            error=GAVE_UP.format(n=MAX_ATTEMPTS),
            finished_at=now,
        )
        .execution_options(all_tenants=True, synchronize_session=False)
    )
    queued_lost = (Report.status == ReportStatus.QUEUED) & (Report.created_at <= now - QUEUED_GRACE)
    rows = db.execute(
        select(Report.tenant_id, Report.id)
        .where(queued_lost | (_lost_attempt(now) & (Report.attempts < MAX_ATTEMPTS)))
        .order_by(Report.id)
        .execution_options(all_tenants=True)
    ).all()
    for tenant_id, report_id in rows:
        after_commit(partial(enqueue, tenant_id, report_id))
    return [report_id for _, report_id in rows]


def _progress(report_id: int, value: int, status: ReportStatus | None = None) -> None:
    report = db.get(Report, report_id, populate_existing=True)
    assert report is not None
    report.progress = value
    if status is not None:
        report.status = status
    dbmod.commit()


def generate(settings: Settings, tenant_id: int, report_id: int) -> str:
    with tenant_scope(tenant_id):
        # fresh from the database: the session may hold the row from before another
        # worker (or an eager test run) built it
        report = db.get(Report, report_id, populate_existing=True)
        if report is None:
            return "missing"
        if report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return report.status.value  # a redelivered task: nothing to do
        if not claim(report_id, utcnow()):
            return "skipped"  # being built by another worker, or no tries left (sweep)
        dbmod.commit()
    with tenant_scope(tenant_id):
        try:
            report = db.get(Report, report_id)
            assert report is not None
            requester = db.get(User, report.requested_by_id) if report.requested_by_id else None
            locale = emails.locale_of(requester)
            html = build_html(report, locale)
            _progress(report_id, 50)
            pdf = render_pdf(html)
        except Exception as exc:  # a broken report must not stay "running"
            dbmod.rollback()
            report = db.get(Report, report_id, populate_existing=True)
            assert report is not None
            report.status = ReportStatus.FAILED
            report.error = f"{type(exc).__name__}: {exc}"[:500]
            report.finished_at = utcnow()
            return "failed"
        report = db.get(Report, report_id, populate_existing=True)
        assert report is not None
        report.html = html
        report.pdf = pdf
        report.progress = 100
        report.status = ReportStatus.DONE
        report.finished_at = utcnow()
        if requester is not None:
            tenant = db.get(Tenant, tenant_id)
            assert tenant is not None
            emails.send_to_user(
                settings,
                f"report-ready:{report.id}",
                requester,
                "report_ready",
                tenant_id=tenant_id,
                tenant_name=tenant.name,
                link=f"{settings.base_url}/{tenant.slug}/berichte/{report.id}",
                title=emails.gettext(locale, KIND_TITLES[report.kind]),
            )
        db.flush()
    return "done"


def build_html(report: Report, locale: str = "de") -> str:
    tenant = db.get(Tenant, report.tenant_id)
    assert tenant is not None
    env = emails.environment(locale)
    w = db.get(Workshop, report.workshop_id) if report.workshop_id else None
    context: dict[str, Any] = {
        "tenant": tenant,
        "workshop": w,
        "generated_at": utcnow(),
        "time_zone": tenant.time_zone,  # every time in a report is local (timefmt)
        "title": emails.gettext(locale, KIND_TITLES[report.kind]),
        "lang": locale,
    }
    if report.kind == ReportKind.VISION:
        assert w is not None
        context.update(vision_context(w))
    elif report.kind == ReportKind.PROCESS:
        assert w is not None
        context.update(process_context(w))
    else:
        requester = db.get(User, report.requested_by_id) if report.requested_by_id else None
        context.update(region_context(tenant, requester))
    return env.get_template(f"reports/{report.kind.value}.html").render(**context)


def _adopted_version(w: Workshop) -> VisionVersion | None:
    return db.scalar(
        select(VisionVersion)
        .where(VisionVersion.workshop_id == w.id, VisionVersion.adopted_at.is_not(None))
        .order_by(VisionVersion.number.desc())
        .limit(1)
    )


def vision_context(w: Workshop) -> dict[str, Any]:
    """The adopted version with what it embeds from its parent (``embedded``: the parent
    version, its tenant, the embedded statements; ``parent_html``: exactly those
    statements, or the parent's whole text) and the one verification of its hash."""
    from visionswerk.visions.documents import embedded_view
    from visionswerk.workshops.signing import signatures_of, verify

    version = _adopted_version(w)
    if version is None:
        raise NotFound(N_("Das gibt es hier nicht."))
    embedded = embedded_view(version)  # the parent is the region's: read across tenants
    parent_html = None
    if embedded is not None:
        source = (
            "\n".join(f"- {s}" for s in embedded.chosen)
            if embedded.chosen
            else embedded.version.text
        )
        parent_html = Markup(render_markdown(source))
    return {
        "version": version,
        "vision_html": Markup(render_markdown(version.text)),
        "embedded": embedded,
        "parent": embedded.version if embedded else None,
        "parent_tenant": embedded.tenant if embedded else None,
        "parent_statements": embedded.statements if embedded else [],
        "parent_chosen": bool(embedded and embedded.chosen),
        "parent_html": parent_html,
        "verified": verify(version),
        "signatures": signatures_of(version),
    }


def process_context(w: Workshop) -> dict[str, Any]:
    moves = db.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == "workshop.move",
            AuditEntry.object_type == "Workshop",
            AuditEntry.object_id == w.id,
        )
        .order_by(AuditEntry.id)
    ).all()
    steps = [(str(e.detail.get("to")), e.created_at) for e in moves]
    participants = db.scalar(
        select(func.count()).select_from(Participation).where(Participation.workshop_id == w.id)
    )
    groups = db.scalars(
        select(Pair)
        .where(Pair.workshop_id == w.id)
        .order_by(Pair.round, Pair.number)
        .options(
            selectinload(Pair.members),
            selectinload(Pair.proposal)
            .selectinload(PairProposal.strengths)
            .joinedload(Strength.user),
            selectinload(Pair.proposal)
            .selectinload(PairProposal.comments)
            .joinedload(Comment.author),
        )
    ).all()
    # round 1: the groups of step 2; round 2: the fours (numbered from 1 again, so a group
    # is known by its id, never by its number alone)
    pairs = [g for g in groups if g.round == 1]
    fours = [g for g in groups if g.round == 2]
    origin = {g.id: _group(g) for g in groups}
    aspects = db.scalars(
        select(Aspect).where(Aspect.workshop_id == w.id).order_by(Aspect.position, Aspect.id)
    ).all()
    from visionswerk.workshops.signing import version_by_id

    # the parent version an aspect comes from, by its number (read across tenants)
    parent_numbers = {
        vid: v.number
        for vid in {a.parent_version_id for a in aspects if a.parent_version_id}
        if (v := version_by_id(vid)) is not None
    }
    coverage = []
    for p in groups:
        mine = [a for a in aspects if a.source == AspectSource.PROPOSAL and a.pair_id == p.id]
        taken = sum(1 for a in mine if a.status == AspectStatus.TAKEN_UP)
        coverage.append({**origin[p.id], "taken_up": taken, "total": len(mine)})
    # names only of those who agreed to stand in the documentation (their draft says so)
    consented = db.scalars(
        select(Draft).where(Draft.workshop_id == w.id, Draft.name_in_documentation)
    ).all()
    named = {d.id: d.author.display_name for d in consented}
    people = {d.author_id: d.author.display_name for d in consented}
    # the proposals belong to their groups until step 3 opens them to everybody — those
    # of the last round (plenary_overview): after a round of four the fours', while the
    # pairs' proposals stay with their pairs
    shared = w.phase in LATE_PHASES
    last_round = [g for g in groups if g.round == w.current_round]
    proposals = [_proposal(w, p, people) for p in (last_round if shared else [])]
    # step-1 aspects: the keyword, with its author's name only where they agreed
    ledger = [
        {
            "label": a.label,
            "source": a.source.value,
            "parent": parent_numbers.get(a.parent_version_id),
            "author": named.get(a.draft_id) if a.source == AspectSource.DRAFT else None,
            "group": origin.get(a.pair_id) if a.pair_id else None,
            "status": a.status.value,
            "passage": a.passage,
            "reason": a.reason,
        }
        for a in aspects
    ]
    signed = _signed_version(w)
    return {
        **signed,
        "steps": steps,
        "participants": participants or 0,
        "pair_count": len(pairs),
        "proposals": proposals,
        "proposals_shared": shared,
        "proposals_round": w.current_round,
        "ledger": ledger,
        "coverage": coverage,
        "fours": _fours(w, steps, pairs, fours) if w.fours_opened_at is not None else None,
        # the variant the workshop ran (issue 14: adapt the steps), as everybody read it
        "remainder_rule": pairing.remainder_rule(w.group_size),
        "adopted": _adopted_version(w) if w.phase == Phase.ADOPTED else None,
    }


def _group(g: Pair) -> dict[str, Any]:
    """How the documentation names a group: its round, number and size (a trio of step 2
    is named as three; a four is a "Vierergruppe" however many pairs joined it)."""
    return {"id": g.id, "round": g.round, "number": g.number, "size": len(g.members)}


def _fours(
    w: Workshop, steps: list[tuple[str, dt.datetime]], pairs: list[Pair], fours: list[Pair]
) -> dict[str, Any]:
    """The round of four: when it began and ended, and which pairs merged into which four."""
    began = w.fours_opened_at
    # it ended with the next move after it began (to step 3)
    ended = next((at for step, at in steps if step != "fours" and began and at > began), None)
    return {
        "began": began,
        "ended": ended,
        "rule": pairing.FOURS_RULE,
        "groups": [
            {
                **_group(four),
                "pairs": [_group(p) for p in pairs if p.merged_into_id == four.id],
            }
            for four in fours
        ],
    }


def _signed_version(w: Workshop) -> dict[str, Any]:
    """How many signed the workshop's latest version, and how many of them on paper."""
    from visionswerk.workshops.models import Signature, SignatureKind
    from visionswerk.workshops.signing import current_version

    version = current_version(w)
    if version is None:
        return {"signature_count": None, "paper_signatures": 0, "signed_version": None}
    kinds = list(db.scalars(select(Signature.kind).where(Signature.version_id == version.id)))
    return {
        "signature_count": len(kinds),
        "paper_signatures": kinds.count(SignatureKind.PAPER),
        "signed_version": version.number,
    }


def _proposal(w: Workshop, pair: Pair, people: dict[int, str]) -> dict[str, Any]:
    """A pair's proposal as step 3 showed it to everybody: keywords, text, the strengths
    marked (with their notes) and the comments. A participant's name only where
    ``people`` (who agreed to be named) has it; the facilitators' as "Moderation"."""
    proposal = pair.proposal
    if proposal is None:
        return {**_group(pair), "keywords": [], "html": "", "strengths": [], "comments": []}

    def who(user: User | None) -> dict[str, Any]:
        if user is None:
            return {"name": None, "facilitator": False}
        name = people.get(user.id)
        return {"name": name, "facilitator": name is None and manages(user, w)}

    return {
        **_group(pair),
        "keywords": proposal.keywords,
        "html": Markup(render_markdown(proposal.text)),
        "strengths": [{"note": s.note, **who(s.user)} for s in proposal.strengths],
        "comments": [
            {"text": c.text, "at": c.created_at, **who(c.author)} for c in proposal.comments
        ],
    }


def region_context(region: Tenant, requester: User | None) -> dict[str, Any]:
    """The region overview (visions.overview, the one definition of a municipality's
    current workshop); without a requester (account deleted) only name, workshop and step."""
    from visionswerk.visions import overview

    rows: list[dict[str, Any]] = []
    if requester is not None:
        for r in overview.region_overview(requester, [region]):
            rows.append(
                {
                    "name": r.name,
                    "phase": r.phase.value if r.phase else None,
                    "workshop": r.workshop_title,
                    "adopted": r.adopted_at,
                    "participants": r.participants,
                }
            )
        return {"rows": rows}
    towns = db.scalars(
        select(Tenant).where(Tenant.parent_id == region.id).order_by(Tenant.name)
    ).all()
    current = overview.current_workshops(t.id for t in towns)
    for town in towns:
        latest = current.get(town.id)
        rows.append(
            {
                "name": town.name,
                "phase": latest.phase.value if latest else None,
                "workshop": latest.title if latest else None,
                "adopted": None,
                "participants": None,
            }
        )
    return {"rows": rows}
