"""Every shape of ``/api/v1``, declared once: request models (``…Save``, ``…Create``,
``…Patch``: strict, closed, bounded — ``extra="forbid"``), answers (built from the domain
objects the services hand out by their ``of`` constructors) and problems.

Validation, serialisation and the OpenAPI description all come from these classes
(``spec.py``). They only *shape*: what a reader may see (privacy, consent to be named)
is decided by the services and the policy before a model is built.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

from visionswerk.platform.api.fields import (
    INT32_MAX,
    Date,
    DateTime,
    DistinctIds,
    Flag,
    Id,
    Integer,
    NonBlank,
    Text,
    Timestamp,
    Version,
)
from visionswerk.workshops import text as limits
from visionswerk.workshops.tasks import TaskKind
from visionswerk.workshops.text import render_markdown


def _absent(value: object) -> bool:
    """Optional answer fields that a reader may not see are left out, not sent as null."""
    return value is None


def html(value: str | None) -> str:
    return render_markdown(value or "")


class Request(BaseModel):
    """A request body: unknown fields are refused (422), types are strict."""

    # patterns checked by Python's ``re``, the engine clients such as schemathesis generate
    # from (pydantic's default, Rust ``regex``, reads ``\s`` and ``$`` differently)
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class Answer(BaseModel):
    """An answer: every field is always present. Built from the domain objects the
    services hand out (``from_attributes``: a field reads the attribute of its name)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class OpenAPIDocument(RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document."""


# --- problems -------------------------------------------------------------------------


class FieldError(Answer):
    field: str = Field(description="The request's field, e.g. `deadlines.individual`.")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details. `type` is one of the problem types listed in the API's
    description; `detail` is plain German (English for accounts set to English)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(json_schema_extra={"format": "uri"})
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(
        None, description="422: what is wrong, per field of the request."
    )


class ConflictProblem(Problem):
    """409: the state does not allow this now. Extension members, when they apply."""

    from_: str | None = Field(None, alias="from", description="A refused move: from …")
    to: str | None = Field(None, description="… to this step.")
    phase: str | None = Field(None, description="The workshop's step now.")
    open_aspects: int | None = Field(None, description="Aspects still to decide.")
    stale_aspect_ids: list[int] | None = Field(
        None, description="Aspects taken up whose passage the vision text no longer has."
    )
    unpaired_user_ids: list[int] | None = Field(None, description="People in no pair.")
    current_sha256: str | None = Field(
        None, description="The hash of the version to sign now (`anderer-text`)."
    )
    signed_sha256: str | None = Field(None, description="The hash that was sent.")


# --- people and tenants -------------------------------------------------------------


class TenantKind(StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"


class Role(StrEnum):
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


class Tenant(Answer):
    slug: str
    name: str
    kind: TenantKind

    @classmethod
    def of(cls, t: Any) -> Tenant:
        return cls(slug=t.slug, name=t.name, kind=t.kind.value)


class Membership(Answer):
    tenant: Tenant
    role: Role


class Me(Answer):
    id: int
    email: str
    display_name: str
    locale: Literal["de", "en"]
    is_platform_admin: bool
    memberships: list[Membership]
    authenticated_by: Literal["token", "session"]
    csrf_token: str | None = Field(
        description="Session clients send it as X-CSRFToken with every change."
    )


# --- step 1 ---------------------------------------------------------------------------

Keyword = Text(limits.KEYWORD_MAX)
Keywords = Annotated[
    list[Keyword], Field(max_length=limits.KEYWORDS_MAX, description="Keywords (Stichpunkte).")
]
DraftText = Text(limits.DRAFT_TEXT_MAX, description="Markdown.")


class Draft(Answer):
    id: int | None
    keywords: list[str]
    text: str
    text_html: str
    version: int = Field(description="0 = nothing saved yet")
    submitted: bool
    submitted_at: DateTime | None
    updated_at: DateTime | None
    writable: bool
    name_in_documentation: bool = Field(
        description="I agreed that my display name stands beside my keywords in the "
        "process documentation."
    )

    @classmethod
    def of(cls, d: Any, *, writable: bool) -> Draft:
        if d is None:
            return cls(
                id=None,
                keywords=[],
                text="",
                text_html="",
                version=0,
                submitted=False,
                submitted_at=None,
                updated_at=None,
                writable=writable,
                name_in_documentation=False,
            )
        return cls(
            id=d.id,
            keywords=list(d.keywords),
            text=d.text,
            text_html=html(d.text),
            version=d.version,
            submitted=d.submitted,
            submitted_at=d.submitted_at,
            updated_at=d.updated_at,
            writable=writable,
            name_in_documentation=d.name_in_documentation,
        )


class DraftSave(Request):
    """Replace my draft: keywords and text, from the version the editor started from."""

    keywords: Keywords
    text: DraftText
    base_version: Version = Field(
        description="The version the editor started from (0: nothing saved yet); a stale "
        "one is a 409 (`veraltet`)."
    )
    submit: Flag = Field(False, description="Submit it too.")


class PaperDraftCreate(Request):
    """A step-1 draft written on paper by a participant without a device, recorded by the
    facilitator and submitted at once ("von der Moderation erfasst"). Keywords or text."""

    participant_id: Id = Field(description="A participant of the workshop without a draft.")
    keywords: Keywords = []
    text: DraftText = ""


class PaperDraftCreated(Answer):
    """What was recorded — ids and times, never the content (it is the participant's)."""

    draft_id: int
    author_id: int
    submitted_at: DateTime
    recorded_by: str


class DraftPatch(Request):
    """Change some of my draft; what is not sent stays as saved."""

    keywords: Keywords | None = None
    text: DraftText | None = None
    base_version: Version | None = Field(
        None, description="The version the editor started from; a stale one is a 409."
    )
    submit: Flag = Field(False, description="Submit it too.")


class DraftStored(Answer):
    keywords: list[str]
    text: str
    version: int


class DraftSubmitted(Answer):
    keywords: list[str]
    text: str
    base_version: int


class DraftConflict(ConflictProblem):
    """409 `veraltet`: saved meanwhile elsewhere — both texts, nothing is lost."""

    stored: DraftStored | None = None
    submitted: DraftSubmitted | None = None


# --- shared pieces --------------------------------------------------------------------

PhaseName = Literal["preparation", "individual", "pairs", "fours", "plenary", "signing", "adopted"]
DeadlinePhase = Literal["individual", "pairs", "fours", "plenary", "signing"]


class Person(Answer):
    user_id: int
    display_name: str


class PersonReady(Person):
    ready: bool


class TenantRef(Answer):
    slug: str
    name: str


# --- me -------------------------------------------------------------------------------


class TaskWorkshop(Answer):
    id: int
    title: str


class TaskTenant(Answer):
    id: int
    slug: str
    name: str


class Task(Answer):
    kind: TaskKind
    label: str
    workshop: TaskWorkshop
    tenant: TaskTenant
    phase: PhaseName
    phase_label: str
    deadline: DateTime | None
    deadline_step: DeadlinePhase | None = Field(description="The step whose deadline it is.")
    calendar: str | None = Field(
        description="The deadline as a calendar entry (`.ics`) to download, when there is one."
    )
    pair_id: int | None
    signatory_id: int | None
    count: int | None


class TaskList(Answer):
    tasks: list[Task]


# --- workshops ------------------------------------------------------------------------


class Deadlines(Answer):
    individual: DateTime | None
    pairs: DateTime | None
    fours: DateTime | None
    plenary: DateTime | None
    signing: DateTime | None


class MyRights(Answer):
    manages: bool
    sees_status: bool
    writes_draft: bool


class Workshop(Answer):
    id: int
    title: str
    guiding_question: str
    guiding_question_html: str
    phase: PhaseName
    phase_label: str
    deadlines: Deadlines
    reminder_offsets: list[int]
    group_size: int = Field(
        description="Step 2 works in groups of this size: 2 pairs, 3 trios, 4 fours "
        "(chosen in preparation)."
    )
    group_rule: str = Field(
        description="The remainder rule for this group size, in the reader's language."
    )
    skip_pairs: bool = Field(
        description="Chosen in preparation: with fewer than four submitted drafts step 2 "
        "may be left out (move from individual straight to plenary)."
    )
    pairs_skipped: bool = Field(description="Step 2 was left out.")
    start_from_parent: bool = Field(
        description="Chosen in preparation: step 3 starts from the parent vision's "
        "statements (they become aspects); the workshop may move from preparation straight "
        "to plenary."
    )
    individual_skipped: bool = Field(description="Steps 1 and 2 were left out.")
    with_fours: bool = Field(
        description="Chosen in preparation (pairs only): after the pairs a round of four "
        "(step `fours`: two pairs merge, give feedback on each other's proposal and write "
        "one together) before plenary."
    )
    fours_opened_at: DateTime | None = Field(description="When the round of four began.")
    step1_closed: bool
    pairs_confirmed_at: DateTime | None
    created_at: DateTime
    updated_at: DateTime
    me: MyRights
    allowed_moves: list[PhaseName]


class WorkshopList(Answer):
    workshops: list[Workshop]


class Submission(Person):
    submitted: bool
    submitted_at: DateTime | None


class PairProgress(Answer):
    pair_id: int
    number: int
    members: list[PersonReady]
    proposal_version: int
    has_text: bool
    feedback_given: int
    feedback_expected: int
    updated_at: DateTime | None
    ready_count: int
    all_ready: bool


class WorkshopDetail(Workshop):
    participants: list[Person]
    submissions: list[Submission] | None = Field(
        None,
        exclude_if=_absent,
        description="Who has submitted (never what) — facilitators, coordinators and admins "
        "only; absent otherwise.",
    )
    pair_progress: list[PairProgress] | None = Field(
        None, exclude_if=_absent, description="As `submissions`."
    )
    invited_emails: list[str] | None = Field(
        None, exclude_if=_absent, description="Facilitators only."
    )


Offsets = Annotated[
    list[Integer(1, 24 * 30)],
    Field(max_length=5, description="Reminders: hours before a deadline (1 … 720), up to 5."),
]


class DeadlinesIn(Request):
    """Per step an ISO 8601 date and time with a time zone, or null (no deadline)."""

    individual: Timestamp | None = None
    pairs: Timestamp | None = None
    fours: Timestamp | None = None
    plenary: Timestamp | None = None
    signing: Timestamp | None = None


UserIds = Annotated[list[Id], Field(max_length=500)]
GroupSize = Annotated[
    Integer(2, 4),  # type: ignore[valid-type]
    Field(description="Step 2 in pairs (2), trios (3) or fours (4)."),
]


class WorkshopCreate(Request):
    title: NonBlank(limits.TITLE_MAX)  # type: ignore[valid-type]
    guiding_question: Text(limits.GUIDING_QUESTION_MAX) = ""  # type: ignore[valid-type]
    deadlines: DeadlinesIn | None = None
    participant_ids: UserIds = Field(
        default_factory=list, description="Members of the tenant to take part."
    )
    reminder_offsets: Offsets | None = None
    group_size: GroupSize = 2
    skip_pairs: Flag = False
    start_from_parent: Flag = False
    with_fours: Flag = Field(
        False,
        description="A round of four after the pairs; only with `group_size` 2 (else 422).",
    )


class WorkshopPatch(Request):
    """Change what is sent; a deadline sent as null is removed."""

    title: NonBlank(limits.TITLE_MAX) | None = None  # type: ignore[valid-type]
    guiding_question: Text(limits.GUIDING_QUESTION_MAX) | None = None  # type: ignore[valid-type]
    deadlines: DeadlinesIn | None = None
    reminder_offsets: Offsets | None = None
    group_size: GroupSize | None = Field(
        None, description="Until step 1 ends; later a different size is a 409."
    )
    skip_pairs: Flag | None = Field(
        None, description="Until step 1 ends; later a different choice is a 409."
    )
    start_from_parent: Flag | None = Field(
        None, description="Until step 1 ends; later a different choice is a 409."
    )
    with_fours: Flag | None = Field(
        None,
        description="Until step 1 ends; later a different choice is a 409. Only with "
        "`group_size` 2 (else 422).",
    )


class ParticipantsAdd(Request):
    user_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]


class PhaseMove(Request):
    to: PhaseName
    include_without_draft: Flag | None = Field(
        None, description="Move to pairs only: pair participants without a draft too."
    )
    seed: Integer(0, INT32_MAX) | None = Field(  # type: ignore[valid-type]
        None, description="Move to pairs only: the shuffle's seed."
    )


# --- pairing --------------------------------------------------------------------------


class PairOfPeople(Answer):
    id: int
    number: int
    members: list[Person]


class Unpaired(Person):
    submitted: bool


class Pairing(Answer):
    workshop_id: int
    confirmed: bool
    pairs: list[PairOfPeople]
    seed: int | None = Field(None, exclude_if=_absent, description="Facilitators only.")
    include_without_draft: bool | None = Field(
        None, exclude_if=_absent, description="Facilitators only."
    )
    unpaired: list[Unpaired] | None = Field(
        None, exclude_if=_absent, description="Facilitators only."
    )


class PairingPropose(Request):
    include_without_draft: Flag | None = Field(
        None, description="Pair participants without a draft too; absent: as before."
    )
    seed: Integer(0, INT32_MAX) | None = Field(  # type: ignore[valid-type]
        None, description="The shuffle's seed; absent: a new one."
    )


class PairingSwap(Request):
    user_a_id: Id
    user_b_id: Id


class PairingMove(Request):
    user_id: Id
    pair_id: Id | None = Field(description="null: out of every pair.")


# --- step 1 (rest) --------------------------------------------------------------------


class NameConsent(Request):
    agreed: Flag


# --- step 2 ---------------------------------------------------------------------------


class Proposal(Answer):
    id: int
    pair_id: int
    pair_number: int
    text: str
    text_html: str
    keywords: list[str]
    version: int = Field(description="0 = nothing saved yet")
    updated_at: DateTime | None
    updated_by: str | None


class PartnerDraft(Answer):
    id: int
    author: Person
    keywords: list[str]
    text: str
    text_html: str
    submitted_at: DateTime | None


class Feedback(Answer):
    id: int
    draft_id: int
    author: Person | None
    especially_good: str
    to_sharpen: str
    updated_at: DateTime


class Pair(Answer):
    id: int
    number: int = Field(description="Numbered per round.")
    round: Literal[1, 2] = Field(description="1: a pair of step 2; 2: a four (round of four).")
    merged_into_id: int | None = Field(
        description="A pair of step 2: the four it merged into, once the round of four began."
    )
    members: list[PersonReady]


class ProposalFeedback(Answer):
    """The round of four: a member's "besonders gut" / "noch schärfen" on the other pair's
    proposal."""

    id: int
    proposal_id: int
    author: Person | None
    especially_good: str
    to_sharpen: str
    updated_at: DateTime


class FourSource(Answer):
    """A proposal of a pair merged into the four, with the feedback given on it so far."""

    pair: Pair = Field(description="The pair of step 2 (`merged_into_id`: this four).")
    own: bool = Field(
        description="The reader's own pair; feedback goes to the other pairs' proposals."
    )
    proposal: Proposal
    feedback: list[ProposalFeedback]


class MyPair(Pair):
    proposal: Proposal
    partner_drafts: list[PartnerDraft] = Field(description="A pair only; a four: empty.")
    feedback: list[Feedback] = Field(description="On the drafts: a pair only; a four: empty.")
    sources: list[FourSource] | None = Field(
        None,
        exclude_if=_absent,
        description="A four only (round 2): its pairs' proposals with the feedback given "
        "within the four; absent for a pair.",
    )
    can_work: bool


class MyPairAnswer(Answer):
    workshop_id: int
    pair: MyPair | None


FeedbackText = Text(limits.FEEDBACK_MAX)


class FeedbackSave(Request):
    """Replace my feedback on a partner's draft."""

    draft_id: Id
    especially_good: FeedbackText  # type: ignore[valid-type]
    to_sharpen: FeedbackText  # type: ignore[valid-type]


class ProposalFeedbackSave(Request):
    """Replace my feedback on the other pair's proposal (the round of four); at least one
    of the two is not blank."""

    especially_good: FeedbackText  # type: ignore[valid-type]
    to_sharpen: FeedbackText  # type: ignore[valid-type]


ProposalText = Text(limits.PROPOSAL_TEXT_MAX, description="Markdown.")


class ProposalSave(Request):
    """Replace the joint proposal, from the version the editor started from."""

    text: ProposalText  # type: ignore[valid-type]
    keywords: Keywords
    base_version: Version


class ProposalPatch(Request):
    """Change the proposal's text or keywords; what is not sent stays."""

    text: ProposalText | None = None  # type: ignore[valid-type]
    keywords: Keywords | None = None
    base_version: Version


class ProposalStored(Answer):
    text: str
    keywords: list[str]
    version: int
    updated_by: str | None


class ProposalSubmitted(Answer):
    text: str
    keywords: list[str]
    base_version: int


class ProposalConflict(ConflictProblem):
    """409 `veraltet`: a partner saved meanwhile — both texts, nothing is lost."""

    stored: ProposalStored | None = None
    submitted: ProposalSubmitted | None = None


# --- step 3 ---------------------------------------------------------------------------


class Strength(Person):
    note: str


class Strengths(Answer):
    proposal_id: int
    strengths: list[Strength]
    strength_count: int
    marked_by_me: bool


class StrengthMark(Request):
    note: Text(limits.STRENGTH_NOTE_MAX) = ""  # type: ignore[valid-type]


class Comment(Answer):
    id: int
    proposal_id: int
    author: Person | None
    text: str
    text_html: str
    created_at: DateTime


class CommentList(Answer):
    proposal_id: int
    comments: list[Comment]


class CommentCreate(Request):
    text: NonBlank(limits.COMMENT_MAX, description="Markdown.")  # type: ignore[valid-type]


class PlenaryProposal(Proposal):
    members: list[Person]
    strengths: list[Strength]
    strength_count: int
    marked_by_me: bool
    comments: list[Comment]


class KeywordAuthor(Answer):
    user_id: int | None = Field(
        description="null unless the author agreed to be named (then display_name is "
        "their name, else „Beitrag A“, …)"
    )
    display_name: str


class DraftKeywords(Answer):
    draft_id: int
    author: KeywordAuthor
    keywords: list[str]


class Plenary(Answer):
    workshop_id: int
    proposals: list[PlenaryProposal]
    draft_keywords: list[DraftKeywords]


class FromParticipant(Answer):
    participant_id: int | None
    participant_name: str | None


class FromPair(Answer):
    pair_id: int
    pair_number: int | None


class FromParent(Answer):
    parent_version_id: int
    parent_number: int | None


class Aspect(Answer):
    id: int
    label: str
    source: Literal["draft", "proposal", "parent"]
    provenance: FromParticipant | FromPair | FromParent
    group_id: int | None
    status: Literal["open", "taken_up", "set_aside"]
    passage: str | None
    reason: str | None
    decided_at: DateTime | None


class AspectGroup(Answer):
    id: int
    label: str
    aspect_ids: list[int]


class AspectGroupDecided(AspectGroup):
    aspects: list[Aspect]


class AspectGroupCreate(Request):
    aspect_ids: DistinctIds(2, 1000)  # type: ignore[valid-type]
    label: NonBlank(limits.GROUP_LABEL_MAX)  # type: ignore[valid-type]


class SuggestionDismiss(Request):
    aspect_ids: DistinctIds(2, 1000) = Field(  # type: ignore[valid-type]
        description="The suggested group's aspect_ids (as offered). Neither it nor any later "
        "suggestion whose members all lie within them is offered again."
    )


class SuggestionDismissed(Answer):
    aspect_ids: list[int] = Field(description="Ascending.")
    dismissed_at: DateTime


Passage = NonBlank(limits.PASSAGE_MAX)
Reason = NonBlank(limits.REASON_MAX)


def _branch(key: str, value: str, needed: str, kind: Any) -> dict[str, Any]:
    """A `oneOf` branch: ``key`` is ``value`` and ``needed`` is required, its schema taken
    from its type, so the description states exactly what validation does."""
    return {
        "properties": {key: {"const": value}, needed: TypeAdapter(kind).json_schema()},
        "required": [key, needed],
    }


class Decision(Request):
    """Take the aspect up (with the passage) or set it aside (with a reason)."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",
        json_schema_extra={
            "oneOf": [
                _branch("status", "taken_up", "passage", Passage),
                _branch("status", "set_aside", "reason", Reason),
            ]
        },
    )

    status: Literal["taken_up", "set_aside"]
    passage: Passage | None = Field(  # type: ignore[valid-type]
        None, description="taken_up: where the saved vision text carries the aspect."
    )
    reason: Reason | None = Field(  # type: ignore[valid-type]
        None, description="set_aside: why, briefly."
    )

    @model_validator(mode="after")
    def _with_its_text(self) -> Decision:
        needed = "passage" if self.status == "taken_up" else "reason"
        if getattr(self, needed) is None:
            raise PydanticCustomError("needs", "missing {field}", {"field": needed})
        return self


class Share(Answer):
    taken_up: int
    set_aside: int
    open: int
    total: int
    percent: int | None


class PairShare(Share):
    pair_id: int
    number: int
    member_names: list[str]


class ParticipantShare(Share):
    user_id: int
    display_name: str


class Coverage(Answer):
    overall: Share
    per_pair: list[PairShare]
    per_participant: list[ParticipantShare]


class Ledger(Answer):
    aspects: list[Aspect]
    groups: list[AspectGroup]
    coverage: Coverage
    open_count: int


class Vision(Answer):
    workshop_id: int
    title: str
    text: str
    text_html: str
    version: int
    updated_at: DateTime | None
    updated_by: str | None


VisionTitle = NonBlank(limits.TITLE_MAX)
VisionText = Text(limits.VISION_TEXT_MAX, description="Markdown.")


class VisionSave(Request):
    """Replace the vision's title and text, from the version the editor started from."""

    title: VisionTitle  # type: ignore[valid-type]
    text: VisionText  # type: ignore[valid-type]
    base_version: Version


class VisionPatch(Request):
    """Change the title or the text; what is not sent stays."""

    title: VisionTitle | None = None  # type: ignore[valid-type]
    text: VisionText | None = None  # type: ignore[valid-type]
    base_version: Version


class VisionStored(Answer):
    title: str
    text: str
    version: int


class VisionSubmitted(Answer):
    title: str | None
    text: str | None
    base_version: int


class VisionConflict(ConflictProblem):
    """409 `veraltet`: saved meanwhile — both texts, nothing is lost."""

    stored: VisionStored | None = None
    submitted: VisionSubmitted | None = None


# --- signing --------------------------------------------------------------------------


class EmbeddedParent(Answer):
    """The parent version this version embeds (part of what the SHA-256 covers)."""

    tenant: TenantRef
    id: int
    number: int
    sha256: str
    statements: list[str] | None = Field(
        description="The chosen statements; null: the whole parent text is embedded."
    )
    outdated: bool


CANONICAL = Field(
    description="The exact UTF-8 string whose SHA-256 is `sha256`: compact JSON, keys "
    'sorted, with `"format": "visionswerk-vision/1"`, `title`, `text` and, when a parent '
    "is embedded, `parent` (its `sha256` and `statements`)."
)


class SigningVersion(Answer):
    id: int
    number: int
    title: str
    sha256: str
    created_at: DateTime
    adopted_at: DateTime | None
    text: str | None = Field(None, exclude_if=_absent, description="Readers of the vision only.")
    text_html: str | None = Field(None, exclude_if=_absent)
    canonical: str | None = Field(None, exclude_if=_absent, description=CANONICAL.description)
    embedded_parent: EmbeddedParent | None = Field(None, exclude_if=_absent)
    verified: bool | None = Field(
        None,
        exclude_if=_absent,
        description="The SHA-256 matches the text and the embedded parent.",
    )


class Signature(Answer):
    name: str
    function: str
    sha256: str
    signed_at: DateTime = Field(description="When it was given online, or recorded (paper).")
    kind: Literal["online", "paper"] = Field(
        "online", description="`paper`: given with a pen on the printed sheet."
    )
    signed_on: dt.date | None = Field(None, description="Paper: the date on the sheet.")
    recorded_by: str | None = Field(None, description="Paper: who recorded it (facilitator).")
    has_scan: bool = Field(False, description="Paper: a scan of the sheet is stored.")


class Signatory(Answer):
    id: int
    kind: Literal["account", "named"]
    user_id: int | None
    name: str
    function: str
    is_me: bool
    signature: Signature | None


class Signing(Answer):
    workshop_id: int
    phase: PhaseName
    phase_label: str
    version: SigningVersion | None
    signatories: list[Signatory]
    signed_count: int
    total: int
    my_signatory_id: int | None


SignatoryFunction = Text(limits.FUNCTION_MAX)
#: a named person needs a visible name; an account's name may be blank (its display name)
SignatoryName = NonBlank(limits.NAME_MAX)


class SignatoryCreate(Request):
    """Either an account of the tenant (`user_id`; it signs in the app) or a named person
    (`name`; it signs through a single-use link)."""

    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",
        json_schema_extra={
            "anyOf": [
                {"required": ["user_id"], "properties": {"user_id": {"type": "integer"}}},
                {
                    "required": ["name"],
                    "properties": {"name": TypeAdapter(SignatoryName).json_schema()},
                },
            ]
        },
    )

    user_id: Id | None = Field(None, description="An account of the tenant …")
    name: SignatoryName | None = Field(  # type: ignore[valid-type]
        None,
        description="… or a named person (for an account: how the name is printed; "
        "left out: the account's display name).",
    )
    function: SignatoryFunction = ""  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _someone(self) -> SignatoryCreate:
        if self.user_id is None and self.name is None:  # the `anyOf` above
            raise PydanticCustomError("needs", "user_id or name", {"field": "user_id"})
        return self


class SignatoryCreated(Answer):
    signatory: Signatory
    link_token: str | None = Field(
        description="Named persons: the single-use signing link's token, shown only now."
    )


class SignatureCreate(Request):
    hash: str = Field(
        pattern="^[0-9a-fA-F]{64}$",
        description="SHA-256 of the version the signer read (signing.version.sha256).",
    )


class SignatureCreated(Answer):
    signatory_id: int
    signature: Signature


#: 1 MB of scan as base64 (4 characters per 3 bytes)
SCAN_BASE64_MAX = 4 * ((1024 * 1024 + 2) // 3)


class PaperProposalCreate(Request):
    """A group's proposal written on its sheet, recorded by the facilitator while the
    group has saved nothing itself; every member is then ready. Text or keywords."""

    text: ProposalText = ""  # type: ignore[valid-type]
    keywords: Keywords = []


class ReadyFor(Request):
    """ "Fertig" said in the room by a member without a device, recorded by the facilitator."""

    user_id: Id = Field(description="A member of the group.")


class PaperSignatureCreate(Request):
    """A signature given with a pen on the printed sheet, recorded by the facilitator: for a
    listed signatory who has not signed (`signatory_id`; name and function default to the
    list's) or for a person not listed yet (`name`)."""

    signatory_id: Id | None = Field(None, description="A listed signatory who has not signed …")
    name: SignatoryName | None = Field(  # type: ignore[valid-type]
        None, description="… or the name as on the sheet (required without `signatory_id`)."
    )
    function: SignatoryFunction | None = None  # type: ignore[valid-type]
    signed_on: Date = Field(
        description="The date on the sheet: not before the version was frozen, not after "
        "today (409 `konflikt`)."
    )
    scan_base64: str | None = Field(
        None,
        max_length=SCAN_BASE64_MAX,
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="Optional scan of the sheet, base64: a PDF, PNG or JPEG of at most 1 MB, "
        "checked by its content.",
    )


class SigningConflict(ConflictProblem):
    """409: `anderer-text` (a new version: `current_sha256`) or the state."""


# --- visions: the region's overview, versions, a workshop's parent ---------------------

Stage = Literal[
    "none", "preparation", "individual", "pairs", "fours", "plenary", "signing", "adopted"
]


class Ratio(Answer):
    done: int
    total: int
    percent: int | None


class Place(Answer):
    id: int
    slug: str
    name: str


class RowWorkshop(Answer):
    id: int
    title: str
    phase: Stage


class AdoptedVision(Answer):
    number: int
    title: str
    adopted_at: DateTime | None


class RowParent(Answer):
    tenant: str
    number: int
    adopted_at: DateTime | None
    outdated: bool
    newest_number: int | None


class OverviewRow(Answer):
    region: Place
    municipality: Place
    workshop: RowWorkshop | None
    deadline: DateTime | None
    overdue: bool
    participants: int
    drafts_submitted: Ratio
    pairs_ready: Ratio
    coverage: Ratio
    signatures: Ratio
    adopted_vision: AdoptedVision | None
    parent: RowParent | None
    last_activity: DateTime | None


class StageCount(Answer):
    stage: Stage = Field(description="`none`: no workshop yet; else the workshop's step.")
    count: int


class OverviewQuery(BaseModel):
    """The page of the overview (municipalities by name). Other query parameters are
    ignored."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=INT32_MAX, description="The page, from 1.")
    per_page: int = Field(
        50, ge=1, le=200, description="Municipalities per page (1 to 200, default 50)."
    )


class Overview(Answer):
    regions: list[TenantRef]
    stages: list[StageCount] = Field(description="Every municipality of the regions by stage.")
    total: int = Field(description="Municipalities in the regions.")
    page: int
    per_page: int
    pages: int = Field(description="At least 1; a page past the last has no municipalities.")
    municipalities: list[OverviewRow] = Field(description="This page's, by name.")


class VisionVersion(Answer):
    id: int
    number: int
    title: str
    source: Literal["workshop", "imported"]
    source_note: str
    adopted_at: DateTime | None
    sha256: str = Field(description="SHA-256 (hex) of `canonical` encoded as UTF-8.")
    canonical: str = CANONICAL
    embedded_parent: EmbeddedParent | None
    text: str | None = Field(None, exclude_if=_absent, description="Single versions only.")
    verified: bool | None = Field(
        None,
        exclude_if=_absent,
        description="Single versions only: the SHA-256 matches the text and parent.",
    )


class VisionVersionList(Answer):
    versions: list[VisionVersion]


class VisionImport(Request):
    title: NonBlank(limits.TITLE_MAX)  # type: ignore[valid-type]
    text: NonBlank(limits.VISION_TEXT_MAX, description="Markdown")  # type: ignore[valid-type]
    adopted_on: Date = Field(
        description="When it was adopted; not after today (a later date: 409 `konflikt`)."
    )
    source_note: Text(500, description="e.g. „Gemeinderatsbeschluss vom …“") = ""  # type: ignore[valid-type]


class Parent(Answer):
    tenant: TenantRef
    version: VisionVersion
    statements: list[str]
    chosen: list[str] | None
    outdated: bool
    newest_number: int | None


class WorkshopParent(Answer):
    parent: Parent | None
    may_set: bool
    may_take: bool
    candidates: list[VisionVersion]


Statement = NonBlank(limits.VISION_TEXT_MAX)


class WorkshopParentSet(Request):
    """Build on this version; removing the parent is `DELETE`."""

    version_id: Id = Field(description="One of `candidates`.")
    statements: Annotated[list[Statement], Field(max_length=500)] | None = Field(  # type: ignore[valid-type]
        None, description="The parent's statements to embed; null or empty: the whole text."
    )


class StatementTake(Request):
    statement: Statement  # type: ignore[valid-type]


class DiffLine(Answer):
    op: Literal["equal", "insert", "delete"]
    text: str


class ParentChange(Answer):
    workshop_id: int | None
    version_id: int | None
    old_number: int
    new_number: int
    diff: list[DiffLine]


class ParentChanges(Answer):
    changes: list[ParentChange]


class Notice(Answer):
    id: int
    kind: Literal["parent_changed"]
    tenant: TenantRef
    new_number: int | None
    old_number: int | None
    created_at: DateTime


class NoticeList(Answer):
    notices: list[Notice]
