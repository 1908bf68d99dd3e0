"""Errors of the API are application/problem+json with a plain-language detail (German,
English for accounts set to English): 400 bad body, 401, 403 for forbidden actions on
visible objects, 404 for other tenants' ids and hidden objects, 405, 409 for invalid
moves and stale versions, 422 with per-field errors. A failed request changes nothing."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import Phase, Workshop

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(problem: dict, status: int) -> None:
    assert set(problem) >= PROBLEM_KEYS, problem
    assert problem["status"] == status
    assert problem["type"].startswith("https://visionswerk.de/probleme/")
    assert problem["detail"].strip() and problem["title"].strip()


def test_problem_shapes(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="preparation", participants=2)
    slug, wid, town_id = setup.tenant.slug, setup.id, setup.tenant.id
    W = f"/{slug}/workshops/{wid}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    participant = Api(app, token_for(setup.participants[0]))

    unauthenticated = Api(app).get(W, status=401)
    assert_problem(unauthenticated, 401)

    forbidden = participant.post(f"{W}/phase", {"to": "individual"}, status=403)
    assert_problem(forbidden, 403)
    assert forbidden["detail"] == "Dafür fehlt Ihnen die Berechtigung."

    missing = facilitator.get(f"/{slug}/workshops/999999", status=404)
    assert_problem(missing, 404)
    assert_problem(facilitator.get("/gibt/es/nicht", status=404), 404)

    not_allowed = facilitator.request("DELETE", W, status=405)
    assert not_allowed.mimetype == "application/problem+json"
    assert set(not_allowed.headers["Allow"].split(", ")) >= {"GET", "PATCH"}

    invalid_move = facilitator.post(f"{W}/phase", {"to": "signing"}, status=409)
    assert_problem(invalid_move, 409)
    assert invalid_move["from"] == "preparation" and invalid_move["to"] == "signing"
    assert invalid_move["detail"] == "Dieser Schritt ist von hier aus nicht möglich."

    empty_title = facilitator.patch(W, {"title": "  "}, status=422)
    assert_problem(empty_title, 422)
    assert empty_title["errors"] == [{"field": "title", "detail": "Bitte füllen Sie „title“ aus."}]
    wrong_type = facilitator.patch(W, {"title": 42}, status=422)
    assert wrong_type["errors"][0]["field"] == "title"
    bad_deadline = facilitator.patch(W, {"deadlines": {"pairs": "nächsten Dienstag"}}, status=422)
    assert bad_deadline["errors"][0]["field"] == "deadlines.pairs"
    no_target = facilitator.post(f"{W}/phase", {}, status=422)
    assert no_target["errors"][0]["field"] == "to"

    not_json = facilitator.request("PATCH", W, data="{kein json", status=400)
    assert_problem(not_json.get_json(), 400)
    assert "JSON" in not_json.get_json()["detail"]
    facilitator.request("PATCH", W, data="[1, 2]", status=400)

    with tenant_scope(town_id):
        workshop = db.get(Workshop, wid)
        assert workshop is not None
        assert workshop.phase == Phase.PREPARATION and workshop.title == "Unsere Gemeinde 2035"


def test_details_follow_the_accounts_language(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="preparation", participants=2)
    user = db.get(User, setup.participants[0].id)
    assert user is not None
    user.locale = "en"
    db.commit()
    api = Api(app, token_for(user))
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    problem = api.post(f"{W}/phase", {"to": "individual"}, status=403)
    assert problem["detail"] == "You do not have permission to do this."


def test_other_tenants_and_hidden_objects_answer_404_not_403(app: Flask, make: Factory) -> None:
    """A coordinator of another region, and a member of the same municipality who does
    not take part, learn nothing: 404 — while a participant trying a facilitator's
    action on the workshop they see gets 403."""
    setup = make.workshop(phase="pairs", participants=2)
    slug, wid, town_id = setup.tenant.slug, setup.id, setup.tenant.id
    participant = Api(app, token_for(setup.participants[0]))
    W = f"/{slug}/workshops/{wid}"  # noqa: N806
    outsider_region = make.region()
    own_slug = make.municipality(outsider_region).slug
    elsewhere = Api(app, token_for(make.user(outsider_region, Role.COORDINATOR)))
    bystander = Api(app, token_for(make.user(db.get(Tenant, town_id), Role.PARTICIPANT)))
    elsewhere.get(W, status=404)  # the tenant itself is not visible
    elsewhere.get(f"/{own_slug}/workshops/{wid}", status=404)  # wrong tenant
    bystander.get(W, status=404)
    bystander.put(f"{W}/draft", {"text": "x"}, status=404)
    participant.post(f"{W}/pairing/confirm", status=403)
