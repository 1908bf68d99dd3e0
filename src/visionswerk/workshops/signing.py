"""Signing ("Bestätigung"): frozen vision versions, signatories, signatures.

Canonical form (format ``visionswerk-vision/1``) — what the SHA-256 covers::

    json.dumps({"format": "visionswerk-vision/1",
                "title": <title>, "text": <text>,
                "embedded_parent": null | {"id": <version id>, "sha256": <its sha256>
                                           [, "statements": [<chosen statement>, …]]}},
               sort_keys=True, ensure_ascii=False, separators=(",", ":"))

encoded as UTF-8, where title and text are NFC-normalised, line endings are LF,
trailing whitespace of each line and of the whole text is removed (the stored
``VisionVersion.text`` is exactly this normalised text). The embedded parent's id and
hash are part of it (issue 4), so a signed document cannot silently change under its
signers. When the municipality embeds only chosen statements of the parent, they are part
of it too (``statements``; absent when the whole parent text is embedded, so versions
without a choice keep their hash).
``sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import unicodedata

from sqlalchemy import func, select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import AuditEntry, Membership, Tenant, User
from visionswerk.tenants.policy import can, require
from visionswerk.tenants.scoping import current_tenant_id
from visionswerk.tenants.tokens import hash_token, new_token
from visionswerk.workshops import live
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, load, lock_workshop
from visionswerk.workshops.models import (
    Phase,
    Signatory,
    Signature,
    VisionSource,
    VisionVersion,
    Workshop,
)

CANONICAL_FORMAT = "visionswerk-vision/1"


class LinkUsed(Conflict):
    """The link's signature exists (a second use, or a concurrent use that lost)."""


VERSION_NOT_FOUND = N_("Diese Fassung der Vision gibt es hier nicht.")
SIGNATORY_NOT_FOUND = N_("Diese Unterschrift gibt es hier nicht.")
LINK_INVALID = N_("Dieser Link zum Unterschreiben ist ungültig.")
SIGNING_LINK_DAYS = 30  # the default of the setting SIGNING_LINK_DAYS


class LinkExpired(InvalidInput):
    """The link to sign by has expired; the page says until when it was valid and whom
    to ask for a new one (``signatory``)."""

    def __init__(self, signatory: Signatory) -> None:
        super().__init__(N_("Dieser Link zum Unterschreiben ist abgelaufen."))
        self.signatory = signatory


def link_expiry(workshop: Workshop, days: int) -> dt.datetime:
    """Until when a link made now works: ``days`` from now, but never past the signing
    deadline (a deadline already passed is ignored: the round is still open)."""
    until = utcnow() + dt.timedelta(days=days)
    deadline = workshop.deadline_signing
    if deadline is not None and utcnow() < deadline < until:
        return deadline
    return until


NOT_SIGNING = N_("Gerade wird nicht unterschrieben.")
LINK_USED = N_("Dieser Link wurde schon benutzt; die Unterschrift liegt vor.")
STALE_HASH = N_(
    "Der Text, den Sie gesehen haben, ist nicht mehr die aktuelle Fassung. Bitte lesen Sie "
    "die aktuelle Fassung und unterschreiben Sie dann."
)


def normalize_document_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def canonical_form(
    title: str,
    text: str,
    embedded_parent: VisionVersion | None = None,
    embedded_statements: list[str] | None = None,
) -> str:
    """The documented, deterministic serialisation the hash covers (see module doc)."""
    parent: dict[str, object] | None = None
    if embedded_parent is not None:
        parent = {"id": embedded_parent.id, "sha256": embedded_parent.sha256}
        if embedded_statements is not None:
            parent["statements"] = [normalize_document_text(s) for s in embedded_statements]
    return json.dumps(
        {
            "format": CANONICAL_FORMAT,
            "title": unicodedata.normalize("NFC", " ".join(title.split())),
            "text": normalize_document_text(text),
            "embedded_parent": parent,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def sha256_of(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_by_id(version_id: int | None) -> VisionVersion | None:
    """A version by id across tenants: the parent a version embeds or a workshop builds on
    usually belongs to the region. (A relationship would be scoped to the current tenant
    and find nothing, which once dropped the embedded parent at freezing and made
    ``verify`` raise a false alarm.) The caller has checked access."""
    if version_id is None:
        return None
    return db.scalar(
        select(VisionVersion)
        .where(VisionVersion.id == version_id)
        .execution_options(all_tenants=True)
    )


def verify(version: VisionVersion) -> bool:
    """Does the stored hash match the version's title, text and embedded parent now, and
    is the embedded parent itself unchanged? The one check behind every "Prüfsumme passt"
    (version page, adopted page, signing pages, API, PDF) and behind signing."""
    return _verify(version, depth=0)


def _verify(version: VisionVersion, depth: int) -> bool:
    parent = None
    if version.embedded_parent_version_id is not None:
        parent = version_by_id(version.embedded_parent_version_id)
        # a missing parent or a chain that loops cannot be verified
        if parent is None or depth >= 8 or not _verify(parent, depth + 1):
            return False
    canonical = canonical_form(
        version.title,
        version.text,
        parent,
        version.embedded_statements if parent is not None else None,
    )
    return canonical == version.canonical and sha256_of(canonical) == version.sha256


def next_version_number(tenant_id: int) -> int:
    """The tenant's next version number. Taken under the tenant row's lock (PostgreSQL:
    ``FOR NO KEY UPDATE``, held until commit), so two versions created at once — two
    workshops moving to signing, an import — get consecutive numbers instead of one
    losing at the unique constraint (which stays as the backstop: a 409, never a 500)."""
    db.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update(key_share=True))
    current = db.scalar(
        select(func.max(VisionVersion.number)).where(VisionVersion.tenant_id == tenant_id)
    )
    return (current or 0) + 1


def create_version(
    *,
    tenant_id: int,
    title: str,
    text: str,
    source: VisionSource,
    created_by: User | None,
    workshop_id: int | None = None,
    embedded_parent: VisionVersion | None = None,
    embedded_statements: list[str] | None = None,
    adopted_at: object = None,
    source_note: str = "",
) -> VisionVersion:
    """Low-level: a new immutable version with the next number of the tenant (used by
    signing; issue 4 uses it for imported visions). No policy check here."""
    if embedded_parent is None:
        embedded_statements = None
    canonical = canonical_form(title, text, embedded_parent, embedded_statements)
    data = json.loads(canonical)
    version = VisionVersion(
        tenant_id=tenant_id,
        number=next_version_number(tenant_id),
        title=data["title"],
        text=data["text"],
        canonical=canonical,
        sha256=sha256_of(canonical),
        source=source,
        workshop_id=workshop_id,
        embedded_parent_version_id=embedded_parent.id if embedded_parent else None,
        embedded_statements=(data["embedded_parent"] or {}).get("statements"),
        source_note=source_note,
        created_by_id=created_by.id if created_by else None,
        adopted_at=adopted_at,
    )
    db.add(version)
    db.flush()
    return version


def current_version(workshop: Workshop) -> VisionVersion | None:
    """The workshop's latest frozen version (the one being signed while signing)."""
    return db.scalar(
        select(VisionVersion)
        .where(VisionVersion.workshop_id == workshop.id)
        .order_by(VisionVersion.number.desc())
        .limit(1)
    )


def freeze_version(actor: User, workshop: Workshop, title: str, text: str) -> VisionVersion:
    """Freeze the composed text as the next version (called by the move to signing).
    Signatories of the workshop's previous version are listed again: accounts as they
    were, named persons without a link (renew it with :func:`renew_signatory_link`)."""
    previous = current_version(workshop)
    embedded = _parent_of(workshop)
    version = create_version(
        tenant_id=workshop.tenant_id,
        title=title,
        text=text,
        source=VisionSource.WORKSHOP,
        created_by=actor,
        workshop_id=workshop.id,
        embedded_parent=embedded,
        embedded_statements=workshop.parent_statements,
    )
    if previous is not None:
        for s in previous.signatories:
            db.add(
                Signatory(
                    tenant_id=workshop.tenant_id,
                    version_id=version.id,
                    user_id=s.user_id,
                    name=s.name,
                    function=s.function,
                    invited_by_id=actor.id,
                )
            )
        db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "vision.freeze",
        version,
        number=version.number,
        sha256=version.sha256,
    )
    return version


def _parent_of(workshop: Workshop) -> VisionVersion | None:
    """The parent version the workshop builds on; the final vision embeds it (with the
    chosen statements). Never silently nothing when the workshop names one."""
    if workshop.parent_vision_version_id is None:
        return None
    parent = version_by_id(workshop.parent_vision_version_id)
    if parent is None:
        raise Conflict(
            N_(
                "Die Vision, auf der der Workshop aufbaut, gibt es nicht mehr. Bitte wählen "
                "Sie die Grundlage neu."
            )
        )
    return parent


def _signing_version(actor: User, workshop: Workshop) -> VisionVersion:
    in_scope(workshop)
    lock_workshop(workshop)  # the list changes one request at a time, not during a move
    if workshop.phase != Phase.SIGNING:
        raise Conflict(NOT_SIGNING)
    require(actor, "signatory.manage", workshop)
    version = current_version(workshop)
    assert version is not None
    return version


def add_signatory(
    actor: User,
    workshop: Workshop,
    *,
    user_id: int | None = None,
    name: str | None = None,
    function: str | None = "",
    link_days: int = SIGNING_LINK_DAYS,
) -> tuple[Signatory, str | None]:
    """List a signatory for the version being signed: an account of the tenant
    (``user_id``; name defaults to the display name) or a named person (``name`` and
    ``function``, e.g. "Bürgermeisterin"). Returns the signatory and, for a named
    person, the raw single-use token for their link (only its SHA-256 is stored), which
    works for ``link_days`` (see :func:`link_expiry`)."""
    version = _signing_version(actor, workshop)
    clean_function = texts.clean_line(function, field="function", limit=texts.FUNCTION_MAX)
    token: str | None = None
    digest: str | None = None
    if user_id is not None:
        user = db.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(User.id == int(user_id), Membership.tenant_id == workshop.tenant_id)
        )
        if user is None:
            raise InvalidField("user_id", N_("Diese Person gehört hier nicht dazu."))
        listed = select(Signatory.id).where(
            Signatory.version_id == version.id, Signatory.user_id == user.id
        )
        if db.scalar(listed) is not None:
            raise InvalidField("user_id", N_("Diese Person steht schon auf der Liste."))
        clean_name = texts.clean_line(name, field="name", limit=texts.NAME_MAX) or user.display_name
    else:
        clean_name = texts.clean_line(
            name,
            field="name",
            limit=texts.NAME_MAX,
            required=True,
            required_message=N_("Bitte geben Sie den Namen an."),
        )
        token, digest = new_token()
    signatory = Signatory(
        tenant_id=workshop.tenant_id,
        version_id=version.id,
        user_id=int(user_id) if user_id is not None else None,
        name=clean_name,
        function=clean_function,
        token_hash=digest,
        link_expires_at=link_expiry(workshop, link_days) if digest else None,
        invited_by_id=actor.id,
    )
    db.add(signatory)
    db.flush()
    db.expire(version, ["signatories"])
    audit.record(actor, workshop.tenant_id, "signatory.add", signatory, version=version.number)
    return signatory, token


def renew_signatory_link(
    actor: User, signatory: Signatory, *, link_days: int = SIGNING_LINK_DAYS
) -> str:
    """A new single-use link for a named signatory who has not signed (the old link
    stops working; the new one works for ``link_days``). Returns the raw token."""
    in_scope(signatory)
    workshop = signatory.version.workshop
    if workshop is None:
        raise NotFound(SIGNATORY_NOT_FOUND)
    version = _signing_version(actor, workshop)
    _reload(signatory)
    if signatory.version_id != version.id or signatory.user_id is not None:
        raise NotFound(SIGNATORY_NOT_FOUND)
    if _signed(signatory):
        raise Conflict(N_("Hier wurde schon unterschrieben."))
    token, digest = new_token()
    signatory.token_hash = digest
    signatory.link_expires_at = link_expiry(workshop, link_days)
    db.flush()
    audit.record(actor, signatory.tenant_id, "signatory.renew_link", signatory)
    return token


def remove_signatory(actor: User, signatory: Signatory) -> None:
    """Take a signatory off the list (not once they have signed)."""
    in_scope(signatory)
    workshop = signatory.version.workshop
    if workshop is None:
        raise NotFound(SIGNATORY_NOT_FOUND)
    version = _signing_version(actor, workshop)
    _reload(signatory)
    if signatory.version_id != version.id:
        raise NotFound(SIGNATORY_NOT_FOUND)
    if _signed(signatory):
        raise Conflict(N_("Wer schon unterschrieben hat, bleibt auf der Liste."))
    audit.record(actor, signatory.tenant_id, "signatory.remove", signatory)
    db.delete(signatory)
    db.flush()
    db.expire(version, ["signatories"])


@dataclasses.dataclass(frozen=True)
class SigningStatus:
    version: VisionVersion
    signatories: list[Signatory]  # each with .signature (None until signed)

    @property
    def signed_count(self) -> int:
        return sum(s.signature is not None for s in self.signatories)

    @property
    def total(self) -> int:
        return len(self.signatories)


def signing_status(actor: User, workshop: Workshop) -> SigningStatus | None:
    """The current version and its signatories with their signatures (``vision.read``
    of the version or ``workshop.status``); None before signing started."""
    in_scope(workshop)
    version = current_version(workshop)
    if version is None:
        if not can(actor, "workshop.view", workshop):
            require(actor, "workshop.status", workshop)
        return None
    if not (can(actor, "vision.read", version) or can(actor, "workshop.status", workshop)):
        require(actor, "vision.read", version)
    return SigningStatus(version, list(version.signatories))


def my_signatory(actor: User, workshop: Workshop) -> Signatory | None:
    """The actor's place on the list of the version being signed, if any."""
    in_scope(workshop)
    version = current_version(workshop)
    if version is None or workshop.phase != Phase.SIGNING:
        return None
    return db.scalar(
        select(Signatory).where(Signatory.version_id == version.id, Signatory.user_id == actor.id)
    )


def get_signatory(actor: User, signatory_id: int) -> Signatory:
    signatory = load(Signatory, signatory_id, SIGNATORY_NOT_FOUND)
    workshop = signatory.version.workshop
    if workshop is None or not (
        can(actor, "sign", signatory) or can(actor, "workshop.manage", workshop)
    ):
        raise NotFound(SIGNATORY_NOT_FOUND)
    return signatory


def _sign(
    signatory: Signatory, sha256: str, user: User | None, token_hash: str | None = None
) -> Signature:
    version = signatory.version
    workshop = version.workshop
    if workshop is None:
        raise Conflict(NOT_SIGNING)
    # One decision per signatory: concurrent uses of one link (or one account's two tabs)
    # wait here for the first to commit and then find its signature (409, no second
    # row); a move ending the signing round waits here, too.
    lock_workshop(workshop)
    _recheck(signatory, user, token_hash)
    if workshop.phase != Phase.SIGNING:
        raise Conflict(NOT_SIGNING)
    current = current_version(workshop)
    if current is None or current.id != version.id:
        raise Conflict(STALE_HASH, payload={"current_sha256": current.sha256 if current else None})
    if (sha256 or "").strip().lower() != version.sha256 or not verify(version):
        raise Conflict(
            STALE_HASH, payload={"current_sha256": version.sha256, "signed_sha256": sha256}
        )
    signature = Signature(
        tenant_id=signatory.tenant_id,
        version_id=version.id,
        signatory_id=signatory.id,
        user_id=user.id if user else None,
        name=signatory.name,
        function=signatory.function,
        sha256=version.sha256,
        signed_at=utcnow(),
    )
    db.add(signature)
    db.flush()
    db.refresh(signatory, ["signature"])
    live.changed(workshop)  # the projector counts the signatures
    audit.record(
        user,
        signatory.tenant_id,
        "vision.sign",
        signature,
        version=version.number,
        sha256=version.sha256,
        signatory_id=signatory.id,
    )
    return signature


def _reload(signatory: Signatory) -> None:
    """Re-read the signatory after the lock; NotFound when a concurrent request removed it."""
    if db.scalar(select(Signatory.id).where(Signatory.id == signatory.id)) is None:
        raise NotFound(SIGNATORY_NOT_FOUND)
    db.refresh(signatory)


def _signed(signatory: Signatory) -> bool:
    """Whether a signature is committed (or in this transaction) now — not what a
    relationship loaded before the lock says; a removal must never cascade over one."""
    signed = select(Signature.id).where(Signature.signatory_id == signatory.id)
    return db.scalar(signed) is not None


def _recheck(signatory: Signatory, user: User | None, token_hash: str | None) -> None:
    """After the lock: the signatory as committed now (still listed, link not renewed,
    not signed meanwhile)."""
    _reload(signatory)
    if token_hash is not None and signatory.token_hash != token_hash:
        raise NotFound(LINK_INVALID)
    if _signed(signatory):
        if user is None:
            raise LinkUsed(LINK_USED)
        raise Conflict(N_("Sie haben diese Fassung schon unterschrieben."))


def sign(actor: User, signatory: Signatory, sha256: str) -> Signature:
    """Sign as an account signatory. ``sha256`` is the hash of the text the signer saw;
    any other hash (the text changed, a new version) is refused with Conflict."""
    in_scope(signatory)
    require(actor, "sign", signatory)
    return _sign(signatory, sha256, actor)


def signatory_by_token(token: str) -> Signatory:
    """The named signatory a link's token belongs to, within the current tenant.
    NotFound for unknown tokens, LinkUsed (409) when the link was already used, LinkExpired
    when it is past its ``link_expires_at``."""
    signatory = db.scalar(select(Signatory).where(Signatory.token_hash == hash_token(token or "")))
    if signatory is None:
        raise NotFound(LINK_INVALID)
    in_scope(signatory, LINK_INVALID)
    if signatory.signature is not None:
        raise LinkUsed(LINK_USED)
    if signatory.link_expires_at is not None and signatory.link_expires_at <= utcnow():
        raise LinkExpired(signatory)
    return signatory


def sign_with_token(token: str, sha256: str) -> Signature:
    """Sign through a single-use link (no account needed). The token works once: of
    concurrent uses exactly one signs, the others get LinkUsed."""
    signatory = signatory_by_token(token)
    return _sign(signatory, sha256, None, token_hash=hash_token(token))


def get_version(actor: User, version_id: int) -> VisionVersion:
    """A vision version the actor may read (``vision.read``); NotFound otherwise."""
    version = load(VisionVersion, version_id, VERSION_NOT_FOUND)
    if not can(actor, "vision.read", version):
        raise NotFound(VERSION_NOT_FOUND)
    return version


def adopted_versions(tenant: Tenant) -> list[VisionVersion]:
    """The tenant's adopted (and imported) versions, newest first (the caller checks
    ``tenant.view``)."""
    if current_tenant_id() != tenant.id:
        return []
    return list(
        db.scalars(
            select(VisionVersion)
            .where(VisionVersion.tenant_id == tenant.id, VisionVersion.adopted_at.is_not(None))
            .order_by(VisionVersion.number.desc())
        )
    )


def public_version(tenant: Tenant, number: int) -> VisionVersion | None:
    """An adopted version for the public page: only when ``tenant.visions_public``."""
    if not tenant.visions_public:
        return None
    return db.scalar(
        select(VisionVersion)
        .where(
            VisionVersion.tenant_id == tenant.id,
            VisionVersion.number == int(number),
            VisionVersion.adopted_at.is_not(None),
        )
        .execution_options(all_tenants=True)
    )


def signatures_of(version: VisionVersion) -> list[Signature]:
    return list(
        db.scalars(
            select(Signature)
            .where(Signature.version_id == version.id)
            .order_by(Signature.signed_at, Signature.id)
            .execution_options(all_tenants=True)
        )
    )


# --- declining by link ----------------------------------------------------------------------

DECLINE = "signatory.decline"


def decline_with_token(token: str, reason: str | None = "") -> Signatory:
    """A named person asked by link does not want to sign. Recorded in the audit log (when,
    and the optional reason, which the facilitator reads); the link stops working. The
    facilitator may still make a new link (the person changed their mind) or take them off
    the list."""
    signatory = signatory_by_token(token)
    workshop = signatory.version.workshop
    if workshop is None:
        raise Conflict(NOT_SIGNING)
    lock_workshop(workshop)  # not while the same link signs
    _recheck(signatory, None, hash_token(token or ""))
    if workshop.phase != Phase.SIGNING:
        raise Conflict(NOT_SIGNING)
    clean_reason = texts.clean_line(reason, field="reason", limit=texts.REASON_MAX)
    signatory.token_hash = None
    db.flush()
    audit.record(None, signatory.tenant_id, DECLINE, signatory, reason=clean_reason)
    return signatory


def declines(version: VisionVersion) -> dict[int, AuditEntry]:
    """Signatories of ``version`` who declined by link and have no new link since, by id."""
    ids = [
        s.id
        for s in version.signatories
        if s.user_id is None and s.token_hash is None and s.signature is None
    ]
    if not ids:
        return {}
    rows = db.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.tenant_id == version.tenant_id,
            AuditEntry.action == DECLINE,
            AuditEntry.object_type == "Signatory",
            AuditEntry.object_id.in_(ids),
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return {int(e.object_id): e for e in rows if e.object_id is not None}
