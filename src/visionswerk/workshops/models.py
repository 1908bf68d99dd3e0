"""Workshop models: the 1-2-all method's rows, and the vision versions it produces.

Every row is tenant-owned (queries are scoped to the current tenant). See README.md in
this package for the meaning of each model and the services that change them.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from visionswerk.db import Base, conflict_message, str_enum, utcnow
from visionswerk.i18n import N_
from visionswerk.tenants.models import Tenant, TenantOwned, User

DEFAULT_REMINDER_OFFSETS = [48, 24]


class Phase(enum.StrEnum):
    PREPARATION = "preparation"
    INDIVIDUAL = "individual"  # Schritt 1: Einzelarbeit
    PAIRS = "pairs"  # Schritt 2: Arbeit zu zweit
    PLENARY = "plenary"  # Schritt 3: Alle zusammen
    SIGNING = "signing"  # Bestätigung
    ADOPTED = "adopted"


PHASE_ORDER = list(Phase)


class AspectSource(enum.StrEnum):
    DRAFT = "draft"  # a keyword of a step-1 draft (provenance: participant)
    PROPOSAL = "proposal"  # a keyword of a step-2 proposal (provenance: pair)


class AspectStatus(enum.StrEnum):
    OPEN = "open"
    TAKEN_UP = "taken_up"
    SET_ASIDE = "set_aside"


class VisionSource(enum.StrEnum):
    WORKSHOP = "workshop"
    IMPORTED = "imported"


def _user_fk(ondelete: str = "SET NULL") -> Any:
    return ForeignKey("users.id", ondelete=ondelete)


class Workshop(TenantOwned, Base):
    """One 1-2-all workshop in a municipality or a region."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    guiding_question: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[Phase] = mapped_column(
        str_enum(Phase, "workshop_phase"), default=Phase.PREPARATION
    )
    deadline_individual: Mapped[dt.datetime | None]
    deadline_pairs: Mapped[dt.datetime | None]
    deadline_plenary: Mapped[dt.datetime | None]
    deadline_signing: Mapped[dt.datetime | None]
    # hours before a deadline at which the worker reminds people who still have to act
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    # email addresses invited through tenants.services.invite that join this workshop
    # when they accept (see services.claim_invited_participation)
    invited_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    pairing_seed: Mapped[int | None] = mapped_column(Integer)
    pairs_include_without_draft: Mapped[bool] = mapped_column(default=False)
    pairs_confirmed_at: Mapped[dt.datetime | None]
    # hook for issue 4: the workshop builds on this parent vision version
    parent_vision_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="SET NULL", use_alter=True), index=True
    )
    # issue 4: the statements of the parent the final vision embeds (None = whole text)
    parent_statements: Mapped[list[str] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship()
    created_by: Mapped[User | None] = relationship()
    # no relationship to the parent version: it usually belongs to another tenant (the
    # region), and a lazy load is scoped to the current tenant, so it would find nothing;
    # read it by id across tenants (signing.parent_version)
    participations: Mapped[list[Participation]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", passive_deletes=True
    )

    def deadline(self, phase: Phase | str) -> dt.datetime | None:
        """The deadline of ``phase`` (individual, pairs, plenary, signing) or None."""
        return getattr(self, f"deadline_{Phase(phase).value}", None)

    @property
    def step1_closed(self) -> bool:
        """Step 1 closes when the pairs are confirmed; from then on drafts are frozen."""
        return self.pairs_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.phase.value}>"


class Participation(TenantOwned, Base):
    """A member of the workshop's tenant taking part (facilitators may take part too)."""

    __tablename__ = "workshop_participations"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="participations")
    user: Mapped[User] = relationship()


class Draft(TenantOwned, Base):
    """Step 1: one participant's keywords and/or formulated draft. Private to its author
    until step 1 closes (pairs confirmed); read it only through the services."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("workshop_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[dt.datetime | None]
    # the author agreed that their display name stands beside their keywords in the
    # process documentation (without it, the keywords appear there without a name)
    name_in_documentation: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    workshop: Mapped[Workshop] = relationship()

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class Pair(TenantOwned, Base):
    """Step 2: two participants (one trio when the count is odd)."""

    __tablename__ = "pairs"
    __table_args__ = (UniqueConstraint("workshop_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    workshop: Mapped[Workshop] = relationship()
    members: Mapped[list[PairMember]] = relationship(
        back_populates="pair",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PairMember.id",
    )
    proposal: Mapped[PairProposal | None] = relationship(
        back_populates="pair", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def member_ids(self) -> list[int]:
        return [m.user_id for m in self.members]


class PairMember(TenantOwned, Base):
    """A participant in a pair; ``ready_at`` is set when they mark the proposal ready
    (reset whenever the proposal is saved again)."""

    __tablename__ = "pair_members"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    ready_at: Mapped[dt.datetime | None]

    pair: Mapped[Pair] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    @property
    def ready(self) -> bool:
        return self.ready_at is not None


class DraftFeedback(TenantOwned, Base):
    """Step 2: what a pair member finds especially good ("besonders gut") in a partner's
    draft and what needs sharpening ("noch schärfen")."""

    __tablename__ = "draft_feedback"
    __table_args__ = (UniqueConstraint("draft_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    especially_good: Mapped[str] = mapped_column(Text, default="")
    to_sharpen: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    draft: Mapped[Draft] = relationship()


class PairProposal(TenantOwned, Base):
    """Step 2: the pair's joint proposal. ``version`` counts saves (0 = nothing saved
    yet); a save names the version it started from (optimistic locking)."""

    __tablename__ = "pair_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(_user_fk())

    pair: Mapped[Pair] = relationship(back_populates="proposal")
    workshop: Mapped[Workshop] = relationship()
    strengths: Mapped[list[Strength]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Strength.id",
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Comment.id",
    )


class Strength(TenantOwned, Base):
    """Step 3: a participant marks a proposal's strength ("Stärke"), optionally noted."""

    __tablename__ = "strengths"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("pair_proposals.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposal: Mapped[PairProposal] = relationship(back_populates="strengths")
    user: Mapped[User] = relationship()


class Comment(TenantOwned, Base):
    """Step 3: a comment on a proposal."""

    __tablename__ = "proposal_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("pair_proposals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(_user_fk(), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    proposal: Mapped[PairProposal] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class VisionDraft(TenantOwned, Base):
    """Step 3: the final vision text the facilitator composes (optimistic locking like
    proposals). Frozen into a VisionVersion when signing starts."""

    __tablename__ = "vision_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(_user_fk())


class AspectGroup(TenantOwned, Base):
    """Similar aspects grouped under one label; deciding a group decides its aspects."""

    __tablename__ = "aspect_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    aspects: Mapped[list[Aspect]] = relationship(back_populates="group", order_by="Aspect.id")


class Aspect(TenantOwned, Base):
    """One keyword of the aspect ledger with its provenance. Before signing each is
    taken up (``passage`` occurs in the vision text) or set aside (``reason``)."""

    __tablename__ = "aspects"
    __table_args__ = (UniqueConstraint("workshop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    # idempotency key: "d<draft_id>:<casefolded label>" or "p<pair_id>:<casefolded label>"
    key: Mapped[str] = mapped_column(String(400))
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[AspectSource] = mapped_column(str_enum(AspectSource, "aspect_source"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(_user_fk(), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("aspect_groups.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[AspectStatus] = mapped_column(
        str_enum(AspectStatus, "aspect_status"), default=AspectStatus.OPEN
    )
    passage: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(_user_fk())
    decided_at: Mapped[dt.datetime | None]
    position: Mapped[int] = mapped_column(default=0)

    participant: Mapped[User | None] = relationship(foreign_keys=[participant_id])
    pair: Mapped[Pair | None] = relationship()
    group: Mapped[AspectGroup | None] = relationship(back_populates="aspects")


class VisionVersion(TenantOwned, Base):
    """An immutable vision document: frozen from a workshop when signing starts, or
    imported. ``sha256`` is the hash of ``canonical`` (see signing.canonical_form)."""

    __tablename__ = "vision_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    canonical: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[VisionSource] = mapped_column(
        str_enum(VisionSource, "vision_source"), default=VisionSource.WORKSHOP
    )
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="SET NULL"), index=True
    )
    embedded_parent_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="RESTRICT"), index=True
    )
    # issue 4: the parent's statements this version embeds (None = the whole parent text);
    # part of the canonical form when set
    embedded_statements: Mapped[list[str] | None] = mapped_column(JSON)
    # issue 4: where an imported version comes from ("Gemeinderatsbeschluss vom …")
    source_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    adopted_at: Mapped[dt.datetime | None]

    tenant: Mapped[Tenant] = relationship()
    workshop: Mapped[Workshop | None] = relationship(foreign_keys=[workshop_id])
    # the embedded parent is read by id across tenants (signing.parent_version), not
    # through a relationship: a lazy load is scoped to the current tenant
    signatories: Mapped[list[Signatory]] = relationship(
        back_populates="version", order_by="Signatory.id", passive_deletes=True
    )


class Signatory(TenantOwned, Base):
    """Someone asked to sign a version: an account (``user_id``) or a named person with
    their function, invited by a single-use link (only the token's SHA-256 is stored)."""

    __tablename__ = "signatories"
    # one place on the list per person and version, also when two requests add them
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(_user_fk(), index=True)
    name: Mapped[str] = mapped_column(String(120))
    function: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    version: Mapped[VisionVersion] = relationship(back_populates="signatories")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    signature: Mapped[Signature | None] = relationship(
        back_populates="signatory", passive_deletes=True
    )


class Signature(TenantOwned, Base):
    """A signature: name, function, UTC time and the hash of the text that was signed."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="CASCADE"), index=True
    )
    signatory_id: Mapped[int] = mapped_column(
        ForeignKey("signatories.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int | None] = mapped_column(_user_fk())
    name: Mapped[str] = mapped_column(String(120))
    function: Mapped[str] = mapped_column(String(120), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    signatory: Mapped[Signatory] = relationship(back_populates="signature")


# What a 409 says when one of these constraints stops a request a concurrent one beat
# (platform.errors.integrity_conflict turns the violation into the Conflict).
conflict_message("uq_signatories_version_id_user_id", N_("Diese Person steht schon auf der Liste."))
conflict_message("uq_signatures_signatory_id", N_("Hier wurde schon unterschrieben."))
conflict_message(
    "uq_vision_versions_tenant_id_number",
    N_(
        "Gerade ist gleichzeitig eine andere Fassung einer Vision entstanden. Es wurde "
        "nichts gespeichert; bitte versuchen Sie es noch einmal."
    ),
)

# The policy rules and the personal-data hooks must exist whenever the models do.
from visionswerk.workshops import personal_data as _personal_data  # noqa: E402, F401
from visionswerk.workshops import policy as _policy  # noqa: E402, F401
