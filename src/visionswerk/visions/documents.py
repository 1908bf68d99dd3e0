"""Vision documents: imported versions, statements, the parent a workshop builds on,
taking a parent statement into one's draft."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import func, select

from visionswerk.db import db
from visionswerk.errors import Conflict, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import Tenant, User
from visionswerk.tenants.policy import can, require
from visionswerk.tenants.scoping import current_tenant_id
from visionswerk.visions.models import StatementUse
from visionswerk.workshops import signing
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, load
from visionswerk.workshops.models import Phase, VisionSource, VisionVersion, Workshop

VERSION_NOT_FOUND = signing.VERSION_NOT_FOUND
SOURCE_NOTE_MAX = 500
ALL = {"all_tenants": True}


def _own(tenant: Tenant) -> None:
    if current_tenant_id() is None or tenant.id != current_tenant_id():
        raise NotFound(N_("Das gibt es hier nicht."))


# --- reading ------------------------------------------------------------------------


def versions_of(actor: User, tenant: Tenant) -> list[VisionVersion]:
    """The tenant's adopted and imported versions, newest first (``vision.list``)."""
    _own(tenant)
    require(actor, "vision.list", tenant)
    return list(
        db.scalars(
            select(VisionVersion)
            .where(VisionVersion.tenant_id == tenant.id, VisionVersion.adopted_at.is_not(None))
            .order_by(VisionVersion.number.desc())
        )
    )


def get_version(actor: User, version_id: int) -> VisionVersion:
    """An adopted or imported version of the current tenant the actor may read."""
    version = load(VisionVersion, version_id, VERSION_NOT_FOUND)
    if not can(actor, "vision.read", version):
        raise NotFound(VERSION_NOT_FOUND)
    return version


def load_any(version_id: int | None) -> VisionVersion | None:
    """A version by id across tenants (for parents: the caller has checked access)."""
    return signing.version_by_id(version_id)


def tenant_of(version: VisionVersion) -> Tenant:
    tenant = db.get(Tenant, version.tenant_id)
    assert tenant is not None
    return tenant


_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def statements(text: str) -> list[str]:
    """The statements of a vision text: its paragraphs and list items (headings are
    not statements), in order, whitespace-normalised, without duplicates."""
    found: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        current: list[str] = []
        for line in lines:
            if _HEADING.match(line):
                if current:
                    found.append(" ".join(current))
                    current = []
                continue
            if _ITEM.match(line):
                if current:
                    found.append(" ".join(current))
                current = [_ITEM.sub("", line).strip()]
            else:
                current.append(line.strip())
        if current:
            found.append(" ".join(current))
    result: list[str] = []
    for s in found:
        s = " ".join(s.split())
        if s and s not in result:
            result.append(s)
    return result


# --- importing ----------------------------------------------------------------------


def import_vision(
    actor: User,
    tenant: Tenant,
    *,
    title: str,
    text: str,
    adopted_on: dt.date | None,
    source_note: str = "",
) -> VisionVersion:
    """An existing vision (e.g. the ILE's Leitbild 2021, a Gemeinderat decision) as the
    tenant's next immutable version, marked imported. When it is a newer version of a
    vision others build on, they are flagged and notified (parents.version_adopted)."""
    _own(tenant)
    require(actor, "vision.import", tenant)
    clean_title = texts.clean_line(
        title,
        field="title",
        limit=texts.TITLE_MAX,
        required=True,
        required_message=N_("Bitte geben Sie einen Titel an."),
    )
    clean_text = texts.clean_text(text, field="text", limit=texts.VISION_TEXT_MAX)
    if not clean_text:
        raise InvalidField("text", N_("Bitte geben Sie den Text der Vision ein."))
    if adopted_on is None:
        raise InvalidField(
            "adopted_on", N_("Bitte geben Sie an, wann die Vision beschlossen wurde.")
        )
    if adopted_on > dt.date.today():
        raise InvalidField("adopted_on", N_("Das Datum liegt in der Zukunft."))
    note = texts.clean_line(source_note, field="source_note", limit=SOURCE_NOTE_MAX)
    adopted_at = dt.datetime.combine(adopted_on, dt.time(12, 0), tzinfo=dt.UTC)
    version = signing.create_version(
        tenant_id=tenant.id,
        title=clean_title,
        text=clean_text,
        source=VisionSource.IMPORTED,
        created_by=actor,
        adopted_at=adopted_at,
        source_note=note,
    )
    audit.record(actor, tenant.id, "vision.import", version, number=version.number)
    from visionswerk.visions import parents

    parents.version_adopted(actor, version)
    return version


# --- the parent of a workshop -------------------------------------------------------


def ancestors(tenant: Tenant) -> list[Tenant]:
    found: list[Tenant] = []
    current = tenant.parent
    while current is not None and current not in found:
        found.append(current)
        current = current.parent
    return found


def parent_candidates(actor: User, workshop: Workshop) -> list[VisionVersion]:
    """Versions the workshop may build on: adopted versions of the tenant's ancestors
    (its region …) and the tenant's own imported versions; newest first per tenant."""
    in_scope(workshop)
    require(actor, "workshop.view", workshop)
    ancestor_ids = [t.id for t in ancestors(workshop.tenant)]
    rows = db.scalars(
        select(VisionVersion)
        .where(
            VisionVersion.adopted_at.is_not(None),
            (VisionVersion.tenant_id.in_(ancestor_ids))
            | (
                (VisionVersion.tenant_id == workshop.tenant_id)
                & (VisionVersion.source == VisionSource.IMPORTED)
            ),
        )
        .order_by(VisionVersion.tenant_id, VisionVersion.number.desc())
        .execution_options(**ALL)
    )
    order = {tid: i for i, tid in enumerate(ancestor_ids)}
    return sorted(rows, key=lambda v: (order.get(v.tenant_id, -1), -v.number))


def set_parent(
    actor: User,
    workshop: Workshop,
    version_id: int | None,
    statements_chosen: list[str] | None = None,
) -> Workshop:
    """Base the workshop on the version ``version_id`` (None: on nothing), which must be
    one of its ``parent_candidates`` (InvalidField otherwise). ``statements_chosen``: the
    parent's statements the final vision embeds (None or empty: the whole text)."""
    in_scope(workshop)
    require(actor, "workshop.set_parent", workshop)
    version = None
    if version_id is not None:
        version = next((v for v in parent_candidates(actor, workshop) if v.id == version_id), None)
        if version is None:
            raise InvalidField(
                "version_id", N_("Auf dieser Fassung kann der Workshop nicht aufbauen.")
            )
        available = statements(version.text)
        chosen = [s for s in (statements_chosen or []) if s in available]
        if statements_chosen and len(chosen) != len(statements_chosen):
            raise InvalidField("statements", N_("Diese Aussage steht nicht in der Vision."))
        workshop.parent_vision_version_id = version.id
        workshop.parent_statements = chosen or None
    else:
        workshop.parent_vision_version_id = None
        workshop.parent_statements = None
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.set_parent",
        workshop,
        version_id=version.id if version else None,
        statements=len(workshop.parent_statements or []),
    )
    return workshop


@dataclasses.dataclass(frozen=True)
class ParentView:
    version: VisionVersion
    tenant: Tenant
    statements: list[str]
    chosen: list[str] | None  # None: the whole text is embedded
    outdated: bool
    newest: VisionVersion | None


def parent_of(actor: User, workshop: Workshop) -> ParentView | None:
    """The parent version a workshop builds on, for everybody who sees the workshop."""
    in_scope(workshop)
    require(actor, "workshop.view", workshop)
    version = load_any(workshop.parent_vision_version_id)
    if version is None:
        return None
    from visionswerk.visions.parents import newest_adopted

    newest = newest_adopted(version.tenant_id)
    return ParentView(
        version=version,
        tenant=tenant_of(version),
        statements=statements(version.text),
        chosen=workshop.parent_statements,
        outdated=newest is not None and newest.number > version.number,
        newest=newest,
    )


def embedded_view(version: VisionVersion) -> ParentView | None:
    """What a version embeds (for its read-only page): the parent and its statements."""
    parent = load_any(version.embedded_parent_version_id)
    if parent is None:
        return None
    from visionswerk.visions.parents import newest_adopted

    newest = newest_adopted(parent.tenant_id)
    return ParentView(
        version=parent,
        tenant=tenant_of(parent),
        statements=(
            version.embedded_statements
            if version.embedded_statements is not None
            else statements(parent.text)
        ),
        chosen=version.embedded_statements,
        outdated=newest is not None and newest.number > parent.number,
        newest=newest,
    )


def _keyword_of(statement: str) -> str:
    if len(statement) <= texts.KEYWORD_MAX:
        return statement
    return statement[: texts.KEYWORD_MAX - 1].rstrip() + "…"


OWN_THOUGHTS_FIRST = N_(
    "Schreiben Sie zuerst Ihre eigenen Gedanken auf und speichern Sie Ihren Entwurf. "
    "Danach können Sie Aussagen der Vision übernehmen."
)


def may_take(actor: User, workshop: Workshop) -> bool:
    """May the actor take parent statements into their draft now? Only in step 1 (until
    the pairs are confirmed), when the workshop builds on a vision, and once their own
    draft has saved content: own thoughts first, the parent is context until then."""
    from visionswerk.workshops import services as ws

    if workshop.parent_vision_version_id is None or workshop.step1_closed:
        return False
    if workshop.phase not in (Phase.INDIVIDUAL, Phase.PAIRS):
        return False
    if not can(actor, "draft.write", workshop):
        return False
    draft = ws.draft_for(actor, workshop)
    return draft is not None and bool(draft.text or draft.keywords)


def take_statement(
    actor: User,
    workshop: Workshop,
    statement: str,
    *,
    keywords: list[str] | str | None = None,
    text: str | None = None,
    base_version: int | None = None,
) -> StatementUse:
    """Take a statement of the parent into the actor's own step-1 draft: as a keyword
    (shortened to the keyword limit) and as a quoted line of the text. The provenance is
    recorded, so the aspect ledger can show it as from the parent vision.

    The method asks for one's own thoughts first: only a draft with saved content takes
    statements (Conflict otherwise). ``keywords``/``text``/``base_version``: what the
    draft form holds right now, saved together with the statement (so unsaved typing is
    kept, and the form's version stays the one the page knows); a stale
    ``base_version`` is the usual draft Conflict with both texts. Without them the
    stored draft takes the statement."""
    from visionswerk.workshops import services as ws

    in_scope(workshop)
    require(actor, "draft.write", workshop)
    if workshop.phase == Phase.PREPARATION:
        raise Conflict(N_("Die Einzelarbeit hat noch nicht begonnen."))
    if workshop.phase not in (Phase.INDIVIDUAL, Phase.PAIRS):
        raise Conflict(N_("Die Einzelarbeit ist abgeschlossen."))
    version = load_any(workshop.parent_vision_version_id)
    if version is None:
        raise Conflict(N_("Dieser Workshop baut auf keiner Vision auf."))
    statement = " ".join((statement or "").split())
    if statement not in statements(version.text):
        raise InvalidField("statement", N_("Diese Aussage steht nicht in der Vision."))
    draft = ws.draft_for(actor, workshop)
    if draft is None or not (draft.text or draft.keywords):
        raise Conflict(OWN_THOUGHTS_FIRST)
    typed = keywords is not None or text is not None
    keyword = _keyword_of(statement)
    new_keywords, new_text = _with_statement(
        texts.clean_keywords(keywords or []) if typed else list(draft.keywords),
        (text or "") if typed else draft.text,
        statement,
        keyword,
    )
    ws.save_draft(
        actor,
        workshop,
        keywords=new_keywords,
        text=new_text,
        base_version=base_version if typed else draft.version,
        submit=draft.submitted,
    )
    use = StatementUse(
        tenant_id=workshop.tenant_id,
        workshop_id=workshop.id,
        user_id=actor.id,
        parent_version_id=version.id,
        statement=statement,
        keyword=keyword,
    )
    db.add(use)
    db.flush()
    return use


def _with_statement(
    keywords: list[str], text: str, statement: str, keyword: str
) -> tuple[list[str], str]:
    """The keywords and text with the statement added once (as keyword and quote)."""
    if keyword.casefold() not in {k.casefold() for k in keywords}:
        keywords = [*keywords, keyword]
    quote = f"> {statement}"
    text = text.strip()
    if quote not in text:
        text = f"{text}\n\n{quote}" if text else quote
    return keywords, text


def parent_keywords(workshop: Workshop) -> dict[tuple[int, str], VisionVersion]:
    """(participant id, casefolded keyword) taken from the parent vision in this workshop
    → the parent version: for the aspect ledger's provenance ("aus der Vision von …")."""
    in_scope(workshop)
    rows = db.execute(
        select(StatementUse.user_id, StatementUse.keyword, StatementUse.parent_version_id).where(
            StatementUse.workshop_id == workshop.id
        )
    ).all()
    versions = {
        v.id: v
        for v in db.scalars(
            select(VisionVersion)
            .where(VisionVersion.id.in_({r[2] for r in rows}))
            .execution_options(**ALL)
        )
    }
    return {(uid, kw.casefold()): versions[vid] for uid, kw, vid in rows if vid in versions}


def parent_origin(
    aspect: object, cache: dict[int, dict[tuple[int, str], VisionVersion]]
) -> VisionVersion | None:
    """The parent version a step-1 aspect was taken from (None: the participant's own).
    ``cache`` (per request) keeps it to one query per workshop."""
    workshop_id = getattr(aspect, "workshop_id", None)
    participant_id = getattr(aspect, "participant_id", None)
    if workshop_id is None or participant_id is None:
        return None
    if workshop_id not in cache:
        workshop = db.get(Workshop, workshop_id)
        cache[workshop_id] = parent_keywords(workshop) if workshop is not None else {}
    return cache[workshop_id].get((participant_id, str(getattr(aspect, "label", "")).casefold()))


def current_tenant() -> Tenant | None:
    tid = current_tenant_id()
    return db.get(Tenant, tid) if tid is not None else None


def count_versions(tenant_id: int) -> int:
    return db.scalar(select(func.count()).where(VisionVersion.tenant_id == tenant_id)) or 0
