"""Every shape of ``/api/v1``, declared once: request models (``…Save``, ``…Create``,
``…Patch``: strict, closed, bounded — ``extra="forbid"``), answers (built from the domain
objects the services hand out by their ``of`` constructors) and problems.

Validation, serialisation and the OpenAPI description all come from these classes
(``spec.py``). They only *shape*: what a reader may see (privacy, consent to be named)
is decided by the services and the policy before a model is built.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from visionswerk.platform.api.fields import DateTime, Flag, Text, Version
from visionswerk.workshops import text as limits
from visionswerk.workshops.text import render_markdown


def html(value: str | None) -> str:
    return render_markdown(value or "")


class Request(BaseModel):
    """A request body: unknown fields are refused (422), types are strict."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """An answer: every field is always present."""

    model_config = ConfigDict(extra="forbid")


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
