"""Adapted steps in /api/v1 (issue 14): the group size of step 2 is sent when creating
or changing a workshop, read back with its remainder rule, fixed once step 1 ends (409),
and a size outside 2–4 is a 422; so is a round of four (`with_fours`) without pairs.
Every answer is checked against the OpenAPI document."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from visionswerk.tenants.models import Role


def test_the_group_size_through_the_api(app: Flask, make: Factory) -> None:
    tenant = make.municipality(make.region())
    facilitator = make.user(tenant, Role.FACILITATOR)
    people = [make.user(tenant, Role.PARTICIPANT) for _ in range(7)]
    make.commit()
    ids, slug = [p.id for p in people], tenant.slug
    tokens = [token_for(p) for p in people]
    api = Api(app, token_for(facilitator))
    base = f"/{slug}/workshops"
    api.post(base, {"title": "Jugend 2035", "group_size": 5}, status=422)
    api.post(base, {"title": "Jugend 2035", "group_size": "3"}, status=422)
    w = api.post(
        base,
        {"title": "Jugend 2035", "group_size": 3, "participant_ids": ids},
        status=201,
    )
    assert w["group_size"] == 3 and w["group_rule"].startswith("Es wird zu dritt gearbeitet.")
    url = f"{base}/{w['id']}"
    assert api.patch(url, {"group_size": 4})["group_size"] == 4
    assert api.get(base)["workshops"][0]["group_size"] == 4
    api.post(f"{url}/phase", {"to": "individual"})
    for token in tokens:
        Api(app, token).put(
            f"{url}/draft",
            {"keywords": ["Dorfladen"], "text": "", "base_version": 0, "submit": True},
        )
    api.post(f"{url}/phase", {"to": "pairs", "seed": 5})
    pairing = api.get(f"{url}/pairing")
    assert sorted(len(p["members"]) for p in pairing["pairs"]) == [3, 4]
    refused = api.patch(url, {"group_size": 2}, status=409)
    assert "nur bis zum Ende der Einzelarbeit" in refused["detail"]
    assert api.patch(url, {"group_size": 4})["group_size"] == 4  # unchanged: fine
    participant = Api(app, tokens[0]).get(url)
    assert participant["group_size"] == 4 and "zu viert" in participant["group_rule"]


def test_the_round_of_four_needs_pairs(app: Flask, make: Factory) -> None:
    """`with_fours` with trios or fours is a 422 naming the field, and changes nothing;
    fixed once step 1 ends (tests/api/test_fours_api.py)."""
    town = make.municipality(make.region())
    api = Api(app, token_for(make.user(town, Role.FACILITATOR)))
    base = f"/{town.slug}/workshops"
    refused = api.post(base, {"title": "Zu dritt", "group_size": 3, "with_fours": True}, status=422)
    assert [e["field"] for e in refused["errors"]] == ["with_fours"]
    assert "zu zweit" in refused["detail"]
    api.post(base, {"title": "X", "with_fours": "ja"}, status=422)
    w = api.post(base, {"title": "Zu zweit"}, status=201)
    assert w["with_fours"] is False
    url = f"{base}/{w['id']}"
    assert api.patch(url, {"with_fours": True})["with_fours"] is True
    refused = api.patch(url, {"group_size": 4}, status=422)
    assert [e["field"] for e in refused["errors"]] == ["with_fours"]
    assert api.get(url)["group_size"] == 2  # nothing changed
    changed = api.patch(url, {"group_size": 4, "with_fours": False})
    assert (changed["group_size"], changed["with_fours"]) == (4, False)
