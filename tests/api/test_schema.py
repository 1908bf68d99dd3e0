"""What the description says is what the server does (issue 10): every bug a client
written only from the OpenAPI description found, one test each — big and float ids,
unknown fields, text/plain, PUT that cleared what it was not sent, `PUT …/parent` with
`{}`, required-ness, deep JSON, timestamp overflow, NUL — and that the description states
the bounds, enums and problem types the server enforces."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.visions.helpers import based_workshop, make_region
from visionswerk.db import db
from visionswerk.platform.api.spec import document
from visionswerk.tenants.models import Role
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

BIG = [2**31, 2**53 + 1, 2**63, 10**30]
TYPE = "https://visionswerk.de/probleme/"


def fields_of(problem: dict) -> list[str]:
    return [e["field"] for e in problem["errors"]]


def test_ids_beyond_the_integer_column_answer_404_in_paths_and_422_in_bodies(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="preparation", participants=2)
    slug = setup.tenant.slug
    W = f"/{slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    participant = Api(app, token_for(setup.participants[0]))
    for slug_like in ("x" * 5000, "Groß"):
        facilitator.get(f"/{slug_like}/workshops", status=404)
    # a NUL byte anywhere in the path is refused before any look-up (pipeline)
    facilitator.get("/a\x00b/workshops", status=400)
    for big in [*BIG, 0]:
        for api in (facilitator, participant):
            for method, path in (
                ("GET", f"/{slug}/workshops/{big}"),
                ("PATCH", f"/{slug}/workshops/{big}"),
                ("PUT", f"/{slug}/workshops/{big}/draft"),
                ("GET", f"/{slug}/pairs/{big}/proposal"),
                ("DELETE", f"/{slug}/pairs/{big}/ready"),
                ("GET", f"/{slug}/visions/{big}"),
                ("PUT", f"/{slug}/aspects/{big}/decision"),
            ):  # 404, never 405 (werkzeug's bounded int converter answered 405)
                body = None if method in ("GET", "DELETE") else {}
                problem = api.request(method, path, body, status=404).get_json()
                assert problem["type"] == TYPE + "nicht-gefunden"
        problem = facilitator.post(f"{W}/participants", {"user_ids": [big]}, status=422)
        assert fields_of(problem) == ["user_ids[0]"]
        problem = facilitator.post(f"{W}/signatories", {"user_id": big}, status=422)
        assert fields_of(problem) == ["user_id"]
    # the draft a feedback is about: a body id too
    pairs = make.workshop(phase="pairs", participants=4)
    member = pairs.participants[0]
    with pairs.scope():
        pair = ws.pair_of(member, db.get(Workshop, pairs.id))
        assert pair is not None
        pair_id = pair.id
    problem = Api(app, token_for(member)).put(
        f"/{pairs.tenant.slug}/pairs/{pair_id}/feedback",
        {"draft_id": 2**63, "especially_good": "", "to_sharpen": ""},
        status=422,
    )
    assert fields_of(problem) == ["draft_id"]


def test_integer_valued_floats_are_integers_other_numbers_are_not(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="preparation", participants=1)
    newcomer_id = make.user(setup.tenant, Role.PARTICIPANT).id
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    for bad in (newcomer_id + 0.5, str(newcomer_id), True):
        problem = facilitator.post(f"{W}/participants", {"user_ids": [bad]}, status=422)
        assert fields_of(problem) == ["user_ids[0]"]
    added = facilitator.post(f"{W}/participants", {"user_ids": [float(newcomer_id)]})
    assert newcomer_id in {p["user_id"] for p in added["participants"]}


def test_unknown_fields_wrong_types_and_nul_are_refused_and_change_nothing(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="preparation")
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    problem = facilitator.patch(W, {"titel": "Tippfehler"}, status=422)
    assert problem["type"] == TYPE + "ungueltige-eingabe"
    assert problem["errors"] == [
        {"field": "titel", "detail": "„titel“ gibt es hier nicht; bitte lassen Sie es weg."}
    ]
    assert fields_of(facilitator.patch(W, {"title": "a\x00b"}, status=422)) == ["title"]
    assert fields_of(facilitator.patch(W, {"title": "x" * 201}, status=422)) == ["title"]
    problem = facilitator.patch(W, {"deadlines": {"pairs": 1767225600}}, status=422)
    assert fields_of(problem) == ["deadlines.pairs"]
    problem = facilitator.patch(W, {"deadlines": {"morgen": None}}, status=422)
    assert fields_of(problem) == ["deadlines.morgen"]
    problem = facilitator.post(f"{W}/phase", {"to": "individual", "seed": "3"}, status=422)
    assert fields_of(problem) == ["seed"]
    assert facilitator.get(W)["title"] == "Unsere Gemeinde 2035"


def test_bodies_must_be_json_objects_of_sane_depth(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="preparation")
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    plain = facilitator.client.patch(
        f"/api/v1{W}",
        data=json.dumps({"title": "Als Text"}),
        content_type="text/plain",
        headers={"Authorization": f"Bearer {facilitator.token}"},
    )
    assert plain.status_code == 415 and plain.mimetype == "application/problem+json"
    assert plain.get_json()["type"] == TYPE + "medientyp"
    for deep in ("[" * 100_000 + "]" * 100_000, '{"a":' * 40 + "1" + "}" * 40):
        problem = facilitator.request("PATCH", W, data=deep, status=400).get_json()
        assert problem["type"] == TYPE + "ungueltige-anfrage"
    too_big = facilitator.request("PATCH", W, data=" " * (3 * 1024 * 1024), status=413)
    assert too_big.mimetype == "application/problem+json"
    assert facilitator.get(W)["title"] == "Unsere Gemeinde 2035"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("title=Als+Formular", "application/x-www-form-urlencoded"),  # what curl -d sends
        ("", "application/x-www-form-urlencoded"),
        ("", "multipart/form-data"),
        ("", "text/plain"),
        ('{"title": "Ohne Typ"}', None),
    ],
)
def test_a_body_of_another_declared_type_is_415_not_500(
    app: Flask, make: Factory, body: str, content_type: str | None
) -> None:
    setup = make.workshop(phase="preparation")
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    sent = facilitator.client.patch(
        f"/api/v1{W}",
        data=body,
        headers={"Authorization": f"Bearer {facilitator.token}"},
        **({"content_type": content_type} if content_type is not None else {}),
    )
    assert sent.status_code == 415 and sent.mimetype == "application/problem+json"
    assert sent.get_json()["type"] == TYPE + "medientyp"
    assert facilitator.get(W)["title"] == "Unsere Gemeinde 2035"
    # nothing sent at all is still an empty change, as before
    assert facilitator.request("PATCH", W).get_json()["title"] == "Unsere Gemeinde 2035"


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1969-12-31T00:00:00Z"]
)
def test_timestamps_out_of_range_are_422(app: Flask, make: Factory, value: str) -> None:
    setup = make.workshop(phase="preparation")
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    problem = facilitator.patch(W, {"deadlines": {"individual": value}}, status=422)
    assert fields_of(problem) == ["deadlines.individual"]


def test_put_replaces_and_needs_what_it_replaces_patch_keeps_the_rest(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="individual", participants=2, submitted=0)
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    author = Api(app, token_for(setup.participants[0]))
    author.put(f"{W}/draft", {"keywords": ["Bus"], "text": "Mein Text", "base_version": 0})
    problem = author.put(f"{W}/draft", {"keywords": ["Nur Stichpunkte"]}, status=422)
    assert set(fields_of(problem)) == {"text", "base_version"}
    kept = author.patch(f"{W}/draft", {"keywords": ["Bus", "Rad"]})
    assert kept["text"] == "Mein Text" and kept["keywords"] == ["Bus", "Rad"]
    kept = author.patch(f"{W}/draft", {"text": "Neuer Text", "base_version": kept["version"]})
    assert kept["keywords"] == ["Bus", "Rad"] and kept["text"] == "Neuer Text"
    author.patch(f"{W}/draft", {"text": "Alt", "base_version": 1}, status=409)


def test_proposal_and_vision_patch_keep_what_is_not_sent(app: Flask, make: Factory) -> None:
    pairs = make.workshop(phase="pairs", participants=4)
    member = pairs.participants[0]
    with pairs.scope():
        pair = ws.pair_of(member, db.get(Workshop, pairs.id))
        assert pair is not None
        P = f"/{pairs.tenant.slug}/pairs/{pair.id}/proposal"  # noqa: N806
    api = Api(app, token_for(member))
    saved = api.put(P, {"text": "Gemeinsam", "keywords": ["A"], "base_version": 0})
    assert api.put(P, {"keywords": ["B"], "base_version": 1}, status=422)
    changed = api.patch(P, {"keywords": ["B"], "base_version": saved["version"]})
    assert changed["text"] == "Gemeinsam" and changed["keywords"] == ["B"]
    stale = api.patch(P, {"text": "Zu spät", "base_version": 0}, status=409)
    assert stale["type"] == TYPE + "veraltet" and stale["stored"]["text"] == "Gemeinsam"

    plenary = make.workshop(phase="plenary", participants=4)
    V = f"/{plenary.tenant.slug}/workshops/{plenary.id}/vision"  # noqa: N806
    facilitator = Api(app, token_for(plenary.facilitator))
    facilitator.put(V, {"title": "Vision 2035", "text": "Der Text", "base_version": 0})
    problem = facilitator.put(V, {"text": "Ohne Titel", "base_version": 1}, status=422)
    assert fields_of(problem) == ["title"]
    titled = facilitator.patch(V, {"title": "Vision Mühlbach", "base_version": 1})
    assert titled["title"] == "Vision Mühlbach" and titled["text"] == "Der Text"


def test_put_parent_needs_a_version_and_delete_removes_it(app: Flask, make: Factory) -> None:
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="preparation")
    v1 = r.v1.id
    path = f"/{town.slug}/workshops/{setup.id}/parent"
    facilitator = Api(app, token_for(setup.facilitator))
    for body in ({}, None, {"version_id": None}):
        problem = facilitator.request("PUT", path, body, status=422).get_json()
        assert fields_of(problem) == ["version_id"]
    assert facilitator.get(path)["parent"]["version"]["id"] == v1
    assert facilitator.delete(path)["parent"] is None
    assert facilitator.put(path, {"version_id": v1})["parent"]["version"]["id"] == v1


def test_signatory_needs_an_account_or_a_name(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="preparation")
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    facilitator = Api(app, token_for(setup.facilitator))
    problem = facilitator.post(f"{W}/signatories", {"function": "Bürgermeisterin"}, status=422)
    assert fields_of(problem) == ["user_id"]
    schema = document(app)["components"]["schemas"]["SignatoryCreate"]
    assert [alternative["required"] for alternative in schema["anyOf"]] == [["user_id"], ["name"]]
    problem = facilitator.post(f"{W}/signatories", {"user_id": None, "name": None}, status=422)
    assert fields_of(problem) == ["user_id"]
    operation = document(app)["paths"]["/{tenant_slug}/workshops/{workshop_id}/signatories"]
    assert operation["post"]["requestBody"]["required"] is True


def test_the_description_states_what_the_server_enforces(app: Flask) -> None:
    doc = document(app)
    schemas = doc["components"]["schemas"]
    assert schemas["DraftSave"]["required"] == ["keywords", "text", "base_version"]
    assert schemas["DraftSave"]["additionalProperties"] is False
    text = schemas["DraftSave"]["properties"]["text"]
    assert text["maxLength"] == 10_000 and text["type"] == "string"
    assert schemas["DraftSave"]["properties"]["keywords"]["maxItems"] == 30
    assert schemas["VisionSave"]["required"] == ["title", "text", "base_version"]
    assert schemas["WorkshopParentSet"]["required"] == ["version_id"]
    ids = schemas["ParticipantsAdd"]["properties"]["user_ids"]
    assert ids["items"]["maximum"] == 2**31 - 1 and ids["minItems"] == 1
    assert schemas["StageCount"]["properties"]["stage"]["enum"][0] == "none"
    assert schemas["Notice"]["properties"]["kind"]["const"] == "parent_changed"
    for name, member in (("DraftConflict", "stored"), ("SigningConflict", "current_sha256")):
        assert member in schemas[name]["properties"]
    operation = doc["paths"]["/{tenant_slug}/workshops/{workshop_id}"]["get"]
    (workshop_id,) = [p for p in operation["parameters"] if p["name"] == "workshop_id"]
    assert workshop_id["schema"]["maximum"] == 2**31 - 1
    assert "/{tenant_slug}/visions/parent-changes" not in doc["paths"]
    assert "https://visionswerk.de/probleme/veraltet" in doc["info"]["description"]
    assert '"visionswerk-vision/1"' in doc["info"]["description"]


def test_validation_details_follow_the_accounts_language(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="preparation")
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    user = setup.facilitator
    user.locale = "en"
    db.commit()
    problem = Api(app, token_for(user)).patch(W, {"titel": "x", "title": "y" * 300}, status=422)
    assert [e["detail"] for e in problem["errors"]] == [
        "“title” may be at most 200 characters long.",
        "There is no “titel” here; please leave it out.",
    ]


def test_what_a_reader_may_not_see_is_absent_not_null(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    W = f"/{setup.tenant.slug}/workshops/{setup.id}"  # noqa: N806
    participant, facilitator = (
        Api(app, token_for(u)) for u in (setup.participants[0], setup.facilitator)
    )
    seen = participant.get(W)
    assert not {"submissions", "pair_progress", "invited_emails"} & set(seen)
    managed = facilitator.get(W)
    assert {"submissions", "pair_progress", "invited_emails"} <= set(managed)
