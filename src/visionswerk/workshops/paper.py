"""In the room: signatures given with a pen on the printed sheet, step-1 drafts and
groups' proposals written on paper, and "fertig" said by a member without a device — all
recorded by the facilitator.

A paper signature is an ordinary :class:`Signature` row (``kind = paper``) of a
:class:`Signatory` — the person was on the list, or is listed by the recording — so every
count of signatures (the signing page, the guard of the move to adoption, the overview, the
reports) includes it without a second query. It covers the hash of the version being
signed: the sheet carries that version's fingerprint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from sqlalchemy import select

from visionswerk import timefmt
from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import require
from visionswerk.tenants.scoping import current_tenant_id
from visionswerk.workshops import live, proposals, signing
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, load, lock_workshop
from visionswerk.workshops.models import (
    Draft,
    Pair,
    PairMember,
    PairProposal,
    Participation,
    Phase,
    Signatory,
    Signature,
    SignatureKind,
    VisionVersion,
    Workshop,
)

SCAN_MAX = 1024 * 1024  # 1 MB: a phone photo or a one-page scan, not an archive
SCAN_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
SIGNATURE_NOT_FOUND = N_("Diese Unterschrift gibt es hier nicht.")
RECORD_PAPER = "signature.record_paper"


@dataclasses.dataclass(frozen=True)
class Scan:
    data: bytes
    content_type: str  # one of SCAN_TYPES, decided by the content

    @property
    def extension(self) -> str:
        return SCAN_TYPES[self.content_type]


def check_scan(data: bytes | None) -> Scan | None:
    """The scan as stored, or InvalidField("scan"): at most 1 MB, and by its content (not
    its name or the type the browser claims) a PDF, PNG or JPEG that opens."""
    if not data:
        return None
    if len(data) > SCAN_MAX:
        raise InvalidField(
            "scan",
            N_("Der Scan ist zu groß (%(size)s). Erlaubt ist höchstens 1 MB."),
            size=f"{len(data) / 1024 / 1024:.1f} MB".replace(".", ","),
        )
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
        return Scan(data, "application/pdf")
    kind = _image_kind(data)
    if kind is None:
        raise InvalidField("scan", N_("Der Scan muss eine PDF-, PNG- oder JPEG-Datei sein."))
    return Scan(data, kind)


def _image_kind(data: bytes) -> str | None:
    """PNG or JPEG by the signature bytes, confirmed by decoding the header (Pillow)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        expected = "PNG"
    elif data.startswith(b"\xff\xd8\xff"):
        expected = "JPEG"
    else:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            found = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    if found != expected:
        return None
    return "image/png" if expected == "PNG" else "image/jpeg"


def local_today(workshop: Workshop) -> dt.date:
    return timefmt.to_local(utcnow(), workshop.tenant.time_zone).date()


def _check_date(workshop: Workshop, version: VisionVersion, signed_on: dt.date | None) -> dt.date:
    if signed_on is None:
        raise InvalidField("signed_on", N_("Bitte geben Sie an, wann unterschrieben wurde."))
    if signed_on > local_today(workshop):
        raise InvalidField("signed_on", N_("Das Datum liegt in der Zukunft."))
    frozen = timefmt.to_local(version.created_at, workshop.tenant.time_zone).date()
    if signed_on < frozen:
        raise InvalidField(
            "signed_on",
            N_("An diesem Tag gab es diese Fassung noch nicht (eingefroren am %(date)s)."),
            date=frozen.strftime("%d.%m.%Y"),
        )
    return signed_on


def _listed(version: VisionVersion, signatory_id: int) -> Signatory:
    signatory = load(Signatory, signatory_id, signing.SIGNATORY_NOT_FOUND)
    if signatory.version_id != version.id:
        raise NotFound(signing.SIGNATORY_NOT_FOUND)
    if signing._signed(signatory):
        raise Conflict(N_("Hier wurde schon unterschrieben."))
    return signatory


def record_paper_signature(
    actor: User,
    workshop: Workshop,
    *,
    name: str | None = None,
    function: str | None = None,
    signed_on: dt.date | None,
    scan: bytes | None = None,
    signatory_id: int | None = None,
) -> Signature:
    """Record a signature given on the printed sheet: for a listed signatory who has not
    signed (``signatory_id``; name and function default to the list's) or for a person
    the recording lists. Their link, if any, stops working: they have signed."""
    in_scope(workshop)
    lock_workshop(workshop)  # one decision per signatory, not during a move
    if workshop.phase != Phase.SIGNING:
        raise Conflict(signing.NOT_SIGNING)
    require(actor, RECORD_PAPER, workshop)
    version = signing.current_version(workshop)
    assert version is not None
    signatory = _listed(version, signatory_id) if signatory_id is not None else None
    clean_name = texts.clean_line(
        name if name is not None or signatory is None else signatory.name,
        field="name",
        limit=texts.NAME_MAX,
        required=True,
        required_message=N_("Bitte geben Sie den Namen an."),
    )
    clean_function = texts.clean_line(
        function if function is not None or signatory is None else signatory.function,
        field="function",
        limit=texts.FUNCTION_MAX,
    )
    day = _check_date(workshop, version, signed_on)
    checked = check_scan(scan)
    if not signing.verify(version):
        raise Conflict(signing.STALE_HASH, payload={"current_sha256": version.sha256})
    if signatory is None:
        signatory = Signatory(
            tenant_id=workshop.tenant_id,
            version_id=version.id,
            name=clean_name,
            function=clean_function,
            invited_by_id=actor.id,
        )
        db.add(signatory)
        db.flush()
    signatory.token_hash = None  # a link still out there must not sign a second time
    signature = Signature(
        tenant_id=workshop.tenant_id,
        version_id=version.id,
        signatory_id=signatory.id,
        user_id=signatory.user_id,
        name=clean_name,
        function=clean_function,
        sha256=version.sha256,
        signed_at=utcnow(),
        kind=SignatureKind.PAPER,
        signed_on=day,
        recorded_by_id=actor.id,
        recorded_by_name=actor.display_name,
        scan=checked.data if checked else None,
        scan_type=checked.content_type if checked else None,
    )
    db.add(signature)
    db.flush()
    db.refresh(signatory, ["signature"])
    db.expire(version, ["signatories"])
    audit.record(
        actor,
        workshop.tenant_id,
        RECORD_PAPER,
        signature,
        version=version.number,
        sha256=version.sha256,
        signatory_id=signatory.id,
        signed_on=day.isoformat(),
        scan=checked.content_type if checked else None,
    )
    live.changed(workshop)
    return signature


def paper_scan(actor: User, signature_id: int) -> Scan:
    """The scan of a paper signature (``signature.scan``: NotAllowed for others — that a
    paper signature exists is on the signing page anyway); NotFound for signatures without
    a scan and for other tenants."""
    signature = load(Signature, signature_id, SIGNATURE_NOT_FOUND)
    workshop = signature.signatory.version.workshop
    if workshop is None:
        raise NotFound(SIGNATURE_NOT_FOUND)
    require(actor, "signature.scan", workshop)
    if signature.scan is None or signature.scan_type not in SCAN_TYPES:
        raise NotFound(SIGNATURE_NOT_FOUND)
    return Scan(signature.scan, signature.scan_type)


def version_by_hash(sha256: str) -> VisionVersion | None:
    """The current tenant's newest version with this SHA-256 (the verification page; a
    text frozen again unchanged has the same hash: the newest round is the one that counts)."""
    if current_tenant_id() is None:
        return None
    return db.scalar(
        select(VisionVersion)
        .where(VisionVersion.sha256 == (sha256 or "").lower())
        .order_by(VisionVersion.number.desc())
        .limit(1)
    )


def being_signed(version: VisionVersion) -> bool:
    workshop = version.workshop
    if workshop is None or workshop.phase != Phase.SIGNING:
        return False
    current = signing.current_version(workshop)
    return current is not None and current.id == version.id


def paper_count(signatures: list[Signature]) -> int:
    return sum(1 for s in signatures if s.kind == SignatureKind.PAPER)


# --- paper contributions: a draft written on paper (step 1) --------------------------------

RECORD_DRAFT = "draft.record_paper"


def paper_draft_candidates(actor: User, workshop: Workshop) -> list[User]:
    """The participants for whom the facilitator may record a paper draft: those who have
    not begun a draft of their own (names only — nothing of anybody's content)."""
    in_scope(workshop)
    require(actor, RECORD_DRAFT, workshop)
    begun = select(Draft.author_id).where(
        Draft.workshop_id == workshop.id, (Draft.version > 0) | Draft.submitted_at.is_not(None)
    )
    return list(
        db.scalars(
            select(User)
            .join(Participation, Participation.user_id == User.id)
            .where(Participation.workshop_id == workshop.id, User.id.not_in(begun))
            .order_by(User.display_name, User.id)
        )
    )


def record_paper_draft(
    actor: User,
    workshop: Workshop,
    *,
    participant_id: int | None,
    keywords: str | list[str] | None,
    text: str | None,
) -> Draft:
    """Record a step-1 draft written on paper for a participant without a device, submitted
    at once and marked as recorded by ``actor`` ("von der Moderation erfasst"). It is the
    participant's draft like any other: paired, in the ledger and the coverage as theirs.
    A participant who has begun a draft of their own keeps it (Conflict: nothing is
    overwritten)."""
    in_scope(workshop)
    lock_workshop(workshop)  # not while the pairs are confirmed
    if workshop.step1_closed or workshop.phase not in (Phase.INDIVIDUAL, Phase.PAIRS):
        raise Conflict(
            N_("Die Einzelarbeit ist abgeschlossen; Entwürfe können nicht mehr geändert werden.")
        )
    require(actor, RECORD_DRAFT, workshop)
    author = _participant(workshop, participant_id)
    clean_keywords = texts.clean_keywords(keywords)
    clean_text = texts.clean_text(text, field="text", limit=texts.DRAFT_TEXT_MAX)
    if not (clean_keywords or clean_text):
        raise InvalidField(
            "keywords", N_("Bitte tragen Sie die Stichpunkte oder den Entwurf vom Blatt ein.")
        )
    draft = db.scalar(
        select(Draft).where(Draft.workshop_id == workshop.id, Draft.author_id == author.id)
    )
    if draft is not None and (draft.version > 0 or draft.submitted_at is not None):
        raise Conflict(
            N_("%(name)s hat schon einen eigenen Entwurf begonnen; er bleibt, wie er ist."),
            name=author.display_name,
        )
    now = utcnow()
    if draft is None:
        draft = Draft(tenant_id=workshop.tenant_id, workshop_id=workshop.id, author_id=author.id)
        db.add(draft)
    draft.keywords, draft.text, draft.version = clean_keywords, clean_text, 1
    draft.submitted_at, draft.updated_at, draft.recorded_by_id = now, now, actor.id
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        RECORD_DRAFT,
        draft,
        workshop_id=workshop.id,
        author_id=author.id,
    )
    live.changed(workshop)
    return draft


def _participant(workshop: Workshop, participant_id: int | None) -> User:
    author = None
    if participant_id is not None:
        author = db.scalar(
            select(User)
            .join(Participation, Participation.user_id == User.id)
            .where(Participation.workshop_id == workshop.id, User.id == int(participant_id))
        )
    if author is None:
        raise InvalidField(
            "participant_id", N_("Bitte wählen Sie aus, für wen Sie den Entwurf erfassen.")
        )
    return author


# --- paper contributions: a group's proposal written on paper, "fertig" without a device ----

RECORD_GROUP = "proposal.record_paper"
GROUP_SAVED = N_("Die Gruppe hat ihren Vorschlag schon selbst gespeichert; er bleibt, wie er ist.")


def record_paper_proposal(
    actor: User, pair: Pair, *, text: str | None, keywords: str | list[str] | None
) -> PairProposal:
    """Record the proposal a group (a pair, or a four) wrote on its sheet as the group's
    proposal, marked ready for every member: the sheet is what they handed in. Only while
    the group has saved nothing itself (Conflict otherwise: what the group wrote stays,
    and the facilitator never sees it before step 3). The page shows it as "von der
    Moderation erfasst" (saved by someone outside the group)."""
    in_scope(pair)
    lock_workshop(pair.workshop)  # the phase as it is now, not while a move commits
    proposals.check_pair_work(actor, pair, RECORD_GROUP)
    if not (texts.clean_keywords(keywords) or (text or "").strip()):
        raise InvalidField(
            "text", N_("Bitte tragen Sie den Vorschlag oder seine Stichpunkte vom Blatt ein.")
        )
    stored = db.scalar(select(PairProposal).where(PairProposal.pair_id == pair.id))
    if stored is None or stored.version > 0:
        raise Conflict(GROUP_SAVED)
    try:
        proposal = proposals.store_proposal(actor, pair, text, keywords, 0, ready=True)
    except Conflict:  # a member saved meanwhile: theirs stays, and stays unseen
        raise Conflict(GROUP_SAVED) from None
    audit.record(actor, pair.tenant_id, RECORD_GROUP, proposal, pair_id=pair.id)
    return proposal


def mark_ready_for(actor: User, pair: Pair, user_id: object) -> PairMember:
    """A member without a device says "fertig" in the room; the facilitator records it
    (as the member's own mark: a later save of the proposal resets it like any other)."""
    proposals.check_pair_work(actor, pair, RECORD_GROUP)
    member = next((m for m in pair.members if str(m.user_id) == str(user_id)), None)
    if member is None:
        raise InvalidField("user_id", N_("Diese Person gehört nicht zu dieser Gruppe."))
    proposal = proposals.written_proposal(pair)
    if proposal is None:
        raise Conflict(N_("Die Gruppe hat noch keinen gemeinsamen Vorschlag gespeichert."))
    member.ready_at = utcnow()
    db.flush()
    audit.record(
        actor, pair.tenant_id, "proposal.ready_for", proposal, pair_id=pair.id,
        member_id=member.user_id,
    )  # fmt: skip
    live.changed(pair.workshop)
    return member
