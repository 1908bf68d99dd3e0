"""Paper signatures in /api/v1: the facilitator records a signature given on the printed
sheet; it shows in the signing answer as `kind: paper` beside the online ones and is
counted. Bad input: 422 naming the field (blank name, unreadable or wrong scan, too big),
409 `konflikt` for a date the state refuses (in the future). Every answer is checked
against the OpenAPI document (tests/api/conftest.py)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.workshops import paper_files
from visionswerk.workshops import paper
from visionswerk.workshops import services as ws


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture()
def signing(app: Flask, make: Factory):  # type: ignore[no-untyped-def]
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        today = paper.local_today(s.workshop).isoformat()
        listed = s.signatory.id  # type: ignore[union-attr]
    w = f"/{s.tenant.slug}/workshops/{s.id}"
    return s, w, today, listed, Api(app, token_for(s.facilitator))


def test_a_paper_signature_is_counted_beside_the_online_ones(app: Flask, signing) -> None:  # type: ignore[no-untyped-def]
    s, w, today, listed, facilitator = signing
    made = facilitator.post(
        f"{w}/paper-signatures",
        {"name": "Erika Muster", "function": "Bürgermeisterin", "signed_on": today,
         "scan_base64": b64(paper_files.jpeg())},
        status=201,
    )  # fmt: skip
    assert made["signature"]["kind"] == "paper"
    assert made["signature"]["signed_on"] == today
    assert made["signature"]["has_scan"] is True
    facilitator.post(
        f"{w}/paper-signatures", {"signatory_id": listed, "signed_on": today}, status=201
    )
    state = Api(app, token_for(s.participants[1])).get(f"{w}/signing")
    assert state["signed_count"] == 2 and state["total"] == 2
    kinds = {x["name"]: x["signature"]["kind"] for x in state["signatories"]}
    assert set(kinds.values()) == {"paper"}
    recorded = {x["signature"]["recorded_by"] for x in state["signatories"]}
    with s.scope():
        assert recorded == {s.facilitator.display_name}


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"name": "   "}, 422, "name"),
        ({"name": None}, 422, "name"),
        ({"scan_base64": "bm90IGEgc2Nhbg=="}, 422, "scan_base64"),  # "not a scan"
        ({"scan_base64": "%%%"}, 422, "scan_base64"),
        ({"scan_base64": "big"}, 422, "scan_base64"),
        ({"signed_on": "tomorrow"}, 409, "signed_on"),
        ({"signed_on": "2026-13-01"}, 422, "signed_on"),
    ],
)
def test_bad_input_is_a_clear_4xx_naming_the_field(
    signing, body: dict, status: int, field: str
) -> None:  # type: ignore[no-untyped-def]
    _s, w, today, _listed, facilitator = signing
    sent = {"name": "Erika Muster", "signed_on": today, **body}
    if sent["signed_on"] == "tomorrow":
        sent["signed_on"] = (dt.date.fromisoformat(today) + dt.timedelta(days=1)).isoformat()
    if sent.get("scan_base64") == "big":
        sent["scan_base64"] = b64(paper_files.too_big())
    if sent["name"] is None:
        del sent["name"]
    problem = facilitator.post(f"{w}/paper-signatures", sent, status=status)
    assert any(field in (e.get("field") or "") for e in problem.get("errors", [])), problem
    assert facilitator.get(f"{w}/signing")["signed_count"] == 0


def test_only_the_facilitator_records(app: Flask, make: Factory, signing) -> None:  # type: ignore[no-untyped-def]
    s, w, today, _listed, facilitator = signing
    others = [token_for(s.participants[1]), token_for(make.user(s.tenant.parent, "coordinator"))]
    other = make.workshop(phase="signing", participants=2)
    with other.scope():
        foreign, other_id = other.signatory.id, other.id  # type: ignore[union-attr]
    for token in others:
        Api(app, token).post(f"{w}/paper-signatures", {"name": "X", "signed_on": today}, status=403)
    facilitator.post(  # another tenant's workshop: 404
        f"{w.rsplit('/', 1)[0]}/{other_id}/paper-signatures",
        {"name": "X", "signed_on": today},
        status=404,
    )
    # another tenant's signatory: 404 too
    facilitator.post(
        f"{w}/paper-signatures", {"signatory_id": foreign, "signed_on": today}, status=404
    )
    assert facilitator.get(f"{w}/signing")["signed_count"] == 0


def test_outside_signing_it_is_a_conflict(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="plenary", participants=2)
    with s.scope():
        today = paper.local_today(s.workshop).isoformat()
        assert ws.current_version(s.workshop) is None
    Api(app, token_for(s.facilitator)).post(
        f"/{s.tenant.slug}/workshops/{s.id}/paper-signatures",
        {"name": "X", "signed_on": today},
        status=409,
    )


def test_a_paper_draft_through_the_api(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=3, submitted=1)
    with s.scope():
        person, other = s.participants[2].id, s.participants[1]
    w = f"/{s.tenant.slug}/workshops/{s.id}"
    facilitator = Api(app, token_for(s.facilitator))
    participant = Api(app, token_for(other))
    participant.post(f"{w}/paper-drafts", {"participant_id": person, "keywords": ["X"]}, status=403)
    made = facilitator.post(
        f"{w}/paper-drafts", {"participant_id": person, "keywords": ["Bank am Weiher"]}, status=201
    )
    assert made["author_id"] == person and "keywords" not in made
    again = facilitator.post(
        f"{w}/paper-drafts", {"participant_id": person, "keywords": ["Y"]}, status=409
    )
    assert again["type"].endswith("konflikt")
    facilitator.post(f"{w}/paper-drafts", {"participant_id": person, "keywords": []}, status=422)


def test_a_groups_paper_proposal_and_fertig_without_a_device(app: Flask, make: Factory) -> None:
    """Step 2 on paper: the facilitator records one pair's sheet (all its members ready)
    and "fertig" for a member of the other pair whose partner saved the proposal; the
    answers give the group's readiness, never the text. 409 over what a group saved and
    for a person outside the group (a state, like the paper draft's participant); 422 for
    an empty sheet; 403 for a participant."""
    from sqlalchemy import select

    from visionswerk.db import db
    from visionswerk.tenants.models import User
    from visionswerk.workshops.models import Pair

    s = make.workshop(phase="pairs", participants=4)
    with s.scope():
        first, second = db.scalars(
            select(Pair).where(Pair.workshop_id == s.id).order_by(Pair.number)
        ).all()
        writer = db.get(User, second.member_ids[0])
        ws.save_proposal(writer, second, "Ein Rufbus für alle.", ["Rufbus"], 0)
        db.commit()
        ids = first.id, second.id, second.member_ids[1], first.member_ids[0]
        participant = token_for(writer)
    one, two, without_device, outsider = ids
    base = f"/{s.tenant.slug}/pairs"
    facilitator = Api(app, token_for(s.facilitator))
    facilitator.post(f"{base}/{one}/paper-proposal", {"text": " "}, status=422)
    made = facilitator.post(
        f"{base}/{one}/paper-proposal", {"text": "Vom Blatt.", "keywords": ["Dorf"]}, status=201
    )
    assert made["id"] == one and all(x["ready"] for x in made["members"])
    assert "text" not in made
    refused = facilitator.post(f"{base}/{two}/paper-proposal", {"text": "Anders."}, status=409)
    assert "Ein Rufbus" not in str(refused)
    facilitator.post(f"{base}/{two}/ready-for", {"user_id": outsider}, status=409)
    Api(app, participant).post(f"{base}/{two}/ready-for", {"user_id": without_device}, status=403)
    ready = facilitator.post(f"{base}/{two}/ready-for", {"user_id": without_device})
    assert {x["user_id"]: x["ready"] for x in ready["members"]}[without_device] is True
