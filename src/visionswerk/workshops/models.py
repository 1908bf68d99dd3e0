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
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from visionswerk.db import Base, conflict_message, str_enum, utcnow
from visionswerk.i18n import N_
from visionswerk.tenants.models import Tenant, TenantOwned, User
from visionswerk.workshops import join_codes

DEFAULT_REMINDER_OFFSETS = [48, 24]
# step 2 works in groups of this size (chosen in preparation): 2 pairs (the method's
# default), 3 trios, 4 fours; see pairing.make_pairs for the remainder rule
GROUP_SIZES = (2, 3, 4)


class Phase(enum.StrEnum):
    PREPARATION = "preparation"
    INDIVIDUAL = "individual"  # Schritt 1: Einzelarbeit
    PAIRS = "pairs"  # Schritt 2: Arbeit zu zweit
    FOURS = "fours"  # Schritt 2b: Runde zu viert (1-2-4-alle, chosen in preparation)
    PLENARY = "plenary"  # Schritt 3: Alle zusammen
    SIGNING = "signing"  # Bestätigung
    ADOPTED = "adopted"


PHASE_ORDER = list(Phase)


class AspectSource(enum.StrEnum):
    DRAFT = "draft"  # a keyword of a step-1 draft (provenance: participant)
    PROPOSAL = "proposal"  # a keyword of a step-2 proposal (provenance: pair)
    PARENT = "parent"  # a statement of the parent vision (provenance: that version)


class AspectStatus(enum.StrEnum):
    OPEN = "open"
    TAKEN_UP = "taken_up"
    SET_ASIDE = "set_aside"


class SignatureKind(enum.StrEnum):
    ONLINE = "online"  # signed in the app (account or single-use link)
    PAPER = "paper"  # signed with a pen on the printed sheet, recorded by the facilitator


class VisionSource(enum.StrEnum):
    WORKSHOP = "workshop"
    IMPORTED = "imported"


def _user_fk(ondelete: str = "SET NULL") -> Any:
    return ForeignKey("users.id", ondelete=ondelete)


class Workshop(TenantOwned, Base):
    """One 1-2-all workshop in a municipality or a region."""

    __tablename__ = "workshops"
    # the join code people type from the projector: unique within the tenant; and the
    # region overview's current workshop per municipality (newest first, no sort)
    __table_args__ = (
        UniqueConstraint("tenant_id", "join_code"),
        CheckConstraint("group_size BETWEEN 2 AND 4", name="group_size"),
        Index("ix_workshops_tenant_id_created_at", "tenant_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(12), default=join_codes.new_code)
    guiding_question: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[Phase] = mapped_column(
        str_enum(Phase, "workshop_phase"), default=Phase.PREPARATION
    )
    deadline_individual: Mapped[dt.datetime | None]
    deadline_pairs: Mapped[dt.datetime | None]
    deadline_fours: Mapped[dt.datetime | None]
    deadline_plenary: Mapped[dt.datetime | None]
    deadline_signing: Mapped[dt.datetime | None]
    # how often a deadline moved: the SEQUENCE of the steps' calendar entries
    # (workshops/calendar.py), so a calendar that imported one replaces it
    deadline_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # hours before a deadline at which the worker reminds people who still have to act
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    # email addresses invited through tenants.services.invite that join this workshop
    # when they accept (see services.claim_invited_participation)
    invited_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    pairing_seed: Mapped[int | None] = mapped_column(Integer)
    # the size of the groups step 2 is divided into (2, 3 or 4; see GROUP_SIZES)
    group_size: Mapped[int] = mapped_column(default=2, server_default="2")
    # chosen in preparation: a small group (fewer than four submitted drafts) may go from
    # step 1 straight to step 3; pairs_skipped records that it did (lifecycle.skip_pairs)
    skip_pairs: Mapped[bool] = mapped_column(default=False, server_default=false())
    pairs_skipped: Mapped[bool] = mapped_column(default=False, server_default=false())
    # chosen in preparation: step 3 starts from the statements of the parent vision (they
    # become aspects); individual_skipped records that the workshop went from preparation
    # straight to step 3 (lifecycle.start_from_parent)
    start_from_parent: Mapped[bool] = mapped_column(default=False, server_default=false())
    individual_skipped: Mapped[bool] = mapped_column(default=False, server_default=false())
    # chosen in preparation (pairs only): 1-2-4-alle — after the pairs, two pairs merge
    # their proposals in a group of four before step 3; fours_opened_at records when the
    # round began (from then on a participant's current group is their four)
    with_fours: Mapped[bool] = mapped_column(default=False, server_default=false())
    fours_opened_at: Mapped[dt.datetime | None]
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
    def current_round(self) -> int:
        """The round whose groups participants work in: 1 (step 2), 2 (the round of
        four) once it has begun."""
        return 2 if self.fours_opened_at is not None else 1

    @property
    def step1_closed(self) -> bool:
        """Step 1 closes when the pairs are confirmed (or step 2 is left out: the time
        is recorded in the same column); from then on drafts are frozen."""
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
    __table_args__ = (
        UniqueConstraint("workshop_id", "author_id"),
        # the overview's submitted drafts per workshop, from the index alone
        Index(
            "ix_drafts_workshop_id_submitted",
            "workshop_id",
            postgresql_where=sql_text("submitted_at IS NOT NULL"),
            sqlite_where=sql_text("submitted_at IS NOT NULL"),
        ),
    )

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
    # written on paper and recorded by this facilitator ("von der Moderation erfasst")
    recorded_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    workshop: Mapped[Workshop] = relationship()

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class Pair(TenantOwned, Base):
    """Step 2: a group of ``workshop.group_size`` participants (a pair by default; the
    remainder rule of pairing.make_pairs makes one group larger or smaller). Round 2 (the
    round of four): two pairs merged (``merged_into_id`` on each pair points to it; an
    odd pair joins the last four), numbered from 1 again."""

    __tablename__ = "pairs"
    __table_args__ = (UniqueConstraint("workshop_id", "round", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairs.id", ondelete="SET NULL"), index=True
    )
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
    __table_args__ = (
        # one group per person and round (a four's members are also in their pairs)
        UniqueConstraint("workshop_id", "round", "user_id"),
        # the overview's pairs and ready pairs per workshop, from the index alone
        Index("ix_pair_members_workshop_id_pair_id_ready_at", "workshop_id", "pair_id", "ready_at"),
        # … of the current round only (the round of four: its fours), migration 0024
        Index(
            "ix_pair_members_workshop_id_round_pair_id_ready_at",
            "workshop_id",
            "round",
            "pair_id",
            "ready_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
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


class ProposalFeedback(TenantOwned, Base):
    """The round of four: what a member finds especially good in the other pair's
    proposal and what needs sharpening (like DraftFeedback in step 2)."""

    __tablename__ = "proposal_feedback"
    __table_args__ = (UniqueConstraint("proposal_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("pair_proposals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(_user_fk("CASCADE"), index=True)
    especially_good: Mapped[str] = mapped_column(Text, default="")
    to_sharpen: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


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


class DismissedSuggestion(TenantOwned, Base):
    """A suggested group of aspects that the facilitator dismissed: it is not offered again
    (nor any suggestion whose members all lie within it). ``key``: the member aspect ids,
    ascending, joined by "-" — one row per set and workshop."""

    __tablename__ = "dismissed_suggestions"
    __table_args__ = (UniqueConstraint("workshop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    dismissed_by_id: Mapped[int | None] = mapped_column(_user_fk())
    dismissed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Aspect(TenantOwned, Base):
    """One keyword of the aspect ledger with its provenance. Before signing each is
    taken up (``passage`` occurs in the vision text) or set aside (``reason``)."""

    __tablename__ = "aspects"
    __table_args__ = (
        UniqueConstraint("workshop_id", "key"),
        # the overview's coverage (aspects and those taken up) per workshop, index alone
        Index("ix_aspects_workshop_id_status", "workshop_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    # idempotency key: "d<draft_id>:<casefolded label>", "p<pair_id>:<casefolded label>" or
    # "v<parent version id>:<casefolded statement>"
    key: Mapped[str] = mapped_column(String(400))
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[AspectSource] = mapped_column(str_enum(AspectSource, "aspect_source"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(_user_fk(), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    # a statement of the parent vision (usually the region's: read it by id across tenants)
    parent_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="SET NULL")
    )
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
    # until when the link works (SIGNING_LINK_DAYS, never past the signing deadline)
    link_expires_at: Mapped[dt.datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    version: Mapped[VisionVersion] = relationship(back_populates="signatories")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    signature: Mapped[Signature | None] = relationship(
        back_populates="signatory", passive_deletes=True
    )


class Signature(TenantOwned, Base):
    """A signature: name, function, UTC time and the hash of the text that was signed.

    A paper signature (``kind = paper``) is an ordinary row, so every count of signatures
    (the overview, the guard of the move to adoption) includes it: ``signed_on`` is the
    date written on the sheet, ``signed_at`` when it was recorded, ``recorded_by_*`` who
    recorded it (the name stays when the account goes), ``scan`` the optional scan."""

    __tablename__ = "signatures"
    __table_args__ = (
        # the date on the sheet belongs to paper signatures, and every paper one has one
        CheckConstraint(
            "(kind = 'paper' AND signed_on IS NOT NULL) OR (kind = 'online' AND "
            "signed_on IS NULL AND scan IS NULL AND recorded_by_name IS NULL)",
            name="paper_fields",
        ),
    )

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
    kind: Mapped[SignatureKind] = mapped_column(
        str_enum(SignatureKind, "signature_kind"),
        default=SignatureKind.ONLINE,
        server_default=SignatureKind.ONLINE.value,
    )
    signed_on: Mapped[dt.date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(_user_fk())
    recorded_by_name: Mapped[str | None] = mapped_column(String(120))
    # the scan is read only when it is downloaded, never with the list of signatures
    scan: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    scan_type: Mapped[str | None] = mapped_column(String(40))

    signatory: Mapped[Signatory] = relationship(back_populates="signature")

    @property
    def on_paper(self) -> bool:
        return self.kind == SignatureKind.PAPER


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

conflict_message(
    "uq_workshops_tenant_id_join_code",
    N_("Gerade ist gleichzeitig ein Workshop mit demselben Code entstanden. Bitte noch einmal."),
)

# The policy rules and the personal-data hooks must exist whenever the models do.
from visionswerk.workshops import personal_data as _personal_data  # noqa: E402, F401
from visionswerk.workshops import policy as _policy  # noqa: E402, F401
