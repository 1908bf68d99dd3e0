"""Well-formed requests the current state refuses answer 409 ``konflikt`` naming the
field (``spec.api(state_fields=…)``), never a 422 the description did not announce or a
500 — found by tests/api/test_schemathesis.py."""

from __future__ import annotations

from typing import Any

from tests.factories import Factory

KONFLIKT = "https://visionswerk.de/probleme/konflikt"


def _field_conflict(answer: dict[str, Any], field: str) -> None:
    assert answer["type"] == KONFLIKT
    assert [e["field"] for e in answer["errors"]] == [field]


def test_patching_the_vision_from_a_stale_version_is_a_409(make: Factory, api_for: Any) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    api = api_for(setup.facilitator)
    w = f"/{setup.tenant.slug}/workshops/{setup.id}"
    api.put(f"{w}/vision", {"title": "Vision", "text": "Text", "base_version": 0})
    stale = api.patch(
        f"{w}/vision", {"title": None, "text": None, "base_version": 2147483646}, status=409
    )
    assert stale["stored"]["title"] == "Vision"


def test_non_members_as_participants_are_a_409(make: Factory, api_for: Any) -> None:
    setup = make.workshop(phase="preparation", participants=1)
    slug, wid = setup.tenant.slug, setup.id
    api = api_for(setup.facilitator)
    before = api.get(f"/{slug}/workshops")["workshops"]
    answer = api.post(
        f"/{slug}/workshops",
        {"title": "Neu", "participant_ids": [2147483646]},
        status=409,
    )
    _field_conflict(answer, "participant_ids")
    assert api.get(f"/{slug}/workshops")["workshops"] == before  # nothing was created
    answer = api.post(
        f"/{slug}/workshops/{wid}/participants",
        {"user_ids": [2147483646]},
        status=409,
    )
    _field_conflict(answer, "user_ids")


def test_a_passage_not_in_the_vision_text_is_a_409(make: Factory, api_for: Any) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    api = api_for(setup.facilitator)
    aspect = api.get(f"/{slug}/workshops/{wid}/ledger")["aspects"][0]
    answer = api.put(
        f"/{slug}/aspects/{aspect['id']}/decision",
        {"status": "taken_up", "passage": "steht nirgends"},
        status=409,
    )
    _field_conflict(answer, "passage")


def test_blank_titles_are_refused_by_the_description(make: Factory, api_for: Any) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    api = api_for(setup.facilitator)
    w = f"/{setup.tenant.slug}/workshops/{setup.id}"
    for title in ("", "   ", "\u00a0\t", "\x01"):
        answer = api.put(f"{w}/vision", {"title": title, "text": "", "base_version": 0}, status=422)
        assert [e["field"] for e in answer["errors"]] == ["title"]
    api.post(f"{w}/aspect-groups", {"aspect_ids": [1, 2]}, status=422)


def test_years_and_duplicate_ids_are_refused_as_the_description_states(
    make: Factory, api_for: Any
) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    api = api_for(setup.facilitator)
    for when in ("0103-06-07T13:26:23Z", "9999-01-01T00:00:00Z"):
        answer = api.post(
            f"/{slug}/workshops", {"title": "Neu", "deadlines": {"plenary": when}}, status=422
        )
        assert [e["field"] for e in answer["errors"]] == ["deadlines.plenary"]
    aspect = api.get(f"/{slug}/workshops/{wid}/ledger")["aspects"][0]["id"]
    answer = api.post(
        f"/{slug}/workshops/{wid}/aspect-groups",
        {"aspect_ids": [aspect, aspect], "label": "Gruppe"},
        status=422,
    )
    assert [e["field"] for e in answer["errors"]] == ["aspect_ids"]
