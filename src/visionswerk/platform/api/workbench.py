"""Issue 12 in ``/api/v1``: the step-3 workbench — suggestions (groups of similar open
aspects, passages of the saved text per open aspect), accepting a suggested group, deciding
several aspects (and whole groups) with one passage or one reason, and inserting a pair's
proposal into the vision text. Suggestions decide nothing; every change is a person's call."""

from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from visionswerk.platform.api import answers as a
from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.fields import DistinctIds, Id, Integer, NonBlank, Version
from visionswerk.platform.api.spec import api, created
from visionswerk.platform.api.views import WORKSHOP, me, workshop
from visionswerk.workshops import services as ws
from visionswerk.workshops import text as limits
from visionswerk.workshops.drafts import contributors

Ids = DistinctIds(0, 1000)
#: "at least one aspect or group", stated for clients (the validator below checks it)
SOME_CHOSEN = {
    "anyOf": [
        {"required": ["aspect_ids"], "properties": {"aspect_ids": {"minItems": 1}}},
        {"required": ["group_ids"], "properties": {"group_ids": {"minItems": 1}}},
    ]
}


class Chosen(m.Request):
    """Aspects and whole groups decided together: at least one of them."""

    model_config = ConfigDict(
        extra="forbid", regex_engine="python-re", json_schema_extra=SOME_CHOSEN
    )

    aspect_ids: Ids = []  # type: ignore[valid-type]
    group_ids: Ids = Field(  # type: ignore[valid-type]
        [], description="Every member of these groups is decided too."
    )

    @model_validator(mode="after")
    def _some(self) -> Chosen:
        if not self.aspect_ids and not self.group_ids:  # the `anyOf` above
            raise PydanticCustomError("needs", "aspect_ids or group_ids", {"field": "aspect_ids"})
        return self


class SuggestedGroup(m.Answer):
    aspect_ids: list[int] = Field(description="Open aspects in no group, similar in meaning.")
    label: str = Field(description="A proposed name (the shortest member's label).")
    key: str = Field(description="Stable name of the suggestion (its members' ids).")


class PassageSpan(m.Answer):
    start: int = Field(description="Offset in the saved vision text (characters).")
    end: int
    text: str = Field(description="text[start:end] — always in the saved text.")


class AspectPassages(m.Answer):
    aspect_id: int
    passages: list[PassageSpan] = Field(description="Best first.")


class Suggestions(m.Answer):
    groups: list[SuggestedGroup]
    passages: list[AspectPassages] = Field(description="Only open aspects with a candidate.")


class GroupAccept(m.Request):
    aspect_ids: DistinctIds(2, 1000)  # type: ignore[valid-type]
    label: NonBlank(limits.GROUP_LABEL_MAX) | None = Field(  # type: ignore[valid-type]
        None, description="Without one: the shortest member's label."
    )


class TakeUpMany(Chosen):
    passage: NonBlank(limits.PASSAGE_MAX) = Field(  # type: ignore[valid-type]
        description="Must occur in the saved vision text (case and spaces ignored)."
    )


class SetAsideMany(Chosen):
    reason: NonBlank(limits.REASON_MAX)  # type: ignore[valid-type]


class Decided(m.Answer):
    aspects: list[m.Aspect]
    open_count: int


class Insert(m.Request):
    proposal_id: Id
    paragraph: Integer(1, 1000) | None = Field(  # type: ignore[valid-type]
        None, description="1-based paragraph of the proposal; none: the whole proposal."
    )
    base_version: Version


@bp.get(WORKSHOP + "/suggestions")
@api(ok=Suggestions, tag="Step 3")
def get_suggestions(workshop_id: int):  # type: ignore[no-untyped-def]
    """Suggested groups and passages for the open aspects (they decide nothing)"""
    hints = ws.suggestions(me(), workshop(workshop_id))
    return Suggestions(
        groups=[
            SuggestedGroup(aspect_ids=g.aspect_ids, label=g.label, key=g.key) for g in hints.groups
        ],
        passages=[
            AspectPassages(
                aspect_id=aid,
                passages=[PassageSpan(start=p.start, end=p.end, text=p.text) for p in spans],
            )
            for aid, spans in hints.passages.items()
        ],
    )


@bp.post(WORKSHOP + "/suggestions/groups")
@api(ok=m.AspectGroup, status=201, tag="Step 3", errors=(409,))
def accept_suggested_group(workshop_id: int, json: GroupAccept):  # type: ignore[no-untyped-def]
    """Accept a suggested group, perhaps edited (fewer members, another label)"""
    group = ws.accept_group(me(), workshop(workshop_id), json.aspect_ids, json.label)
    return created(a.group(group))


@bp.post(WORKSHOP + "/suggestions/dismissals")
@api(ok=m.SuggestionDismissed, status=201, tag="Step 3")
def dismiss_suggested_group(workshop_id: int, json: m.SuggestionDismiss):  # type: ignore[no-untyped-def]
    """Dismiss a suggested group: it is not offered again (the same set twice: the first stands)"""
    row = ws.dismiss_group(me(), workshop(workshop_id), json.aspect_ids)
    return created(
        m.SuggestionDismissed(
            aspect_ids=[int(i) for i in row.key.split("-")], dismissed_at=row.dismissed_at
        )
    )


def _decided(w, aspects) -> Decided:  # type: ignore[no-untyped-def]
    people = contributors(me(), w)
    return Decided(
        aspects=[a.aspect(x, people) for x in aspects], open_count=ws.open_aspect_count(w)
    )


@bp.post(WORKSHOP + "/aspects/take-up")
@api(ok=Decided, tag="Step 3", errors=(409,), state_fields=("passage",))
def take_up_many(workshop_id: int, json: TakeUpMany):  # type: ignore[no-untyped-def]
    """Take up several aspects (and whole groups) with one passage, all or nothing"""
    w = workshop(workshop_id)
    done = ws.take_up_many(me(), w, json.aspect_ids, json.passage, group_ids=json.group_ids)
    return _decided(w, done)


@bp.post(WORKSHOP + "/aspects/set-aside")
@api(ok=Decided, tag="Step 3", errors=(409,))
def set_aside_many(workshop_id: int, json: SetAsideMany):  # type: ignore[no-untyped-def]
    """Set aside several aspects (and whole groups) with one reason, all or nothing"""
    w = workshop(workshop_id)
    done = ws.set_aside_many(me(), w, json.aspect_ids, json.reason, group_ids=json.group_ids)
    return _decided(w, done)


@bp.post(WORKSHOP + "/vision/insertions")
@api(
    ok=m.Vision,
    tag="Step 3",
    conflict=m.VisionConflict,
    state_fields=("paragraph", "proposal_id"),
)
def insert_proposal(workshop_id: int, json: Insert):  # type: ignore[no-untyped-def]
    """Append a pair's proposal (or one paragraph) to the vision text (provenance recorded)"""
    w = workshop(workshop_id)
    draft = ws.insert_proposal(
        me(), w, json.proposal_id, base_version=json.base_version, paragraph=json.paragraph
    )
    return a.vision(draft)
