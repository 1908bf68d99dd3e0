"""The step-3 workbench in /api/v1: suggestions (groups, passages) decide nothing;
accepting a suggested group; several aspects (and groups) with one passage or reason,
all or nothing; inserting a proposal with its provenance. Every answer is checked
against the OpenAPI document (tests/api/conftest.py)."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from visionswerk.workshops import services as ws

TEXT = "Unsere Gemeinde ist 2035 digital und nah. Glasfaser für alle macht das möglich."


def test_suggestions_and_decisions_through_the_api(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="plenary", participants=4)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "Vision", TEXT, 0)
        proposal_id = ws.plenary_overview(s.facilitator, s.workshop).proposals[0].proposal.id
    w = f"/{s.tenant.slug}/workshops/{s.id}"
    facilitator = Api(app, token_for(s.facilitator))
    participant = Api(app, token_for(s.participants[0]))
    ledger = facilitator.get(f"{w}/ledger")
    label = {a["id"]: a["label"] for a in ledger["aspects"]}
    glasfaser = sorted(i for i, text in label.items() if text == "Glasfaser für alle")

    hints = facilitator.get(f"{w}/suggestions")
    assert any(set(g["aspect_ids"]) >= set(glasfaser) for g in hints["groups"])
    spans = {p["aspect_id"]: p["passages"] for p in hints["passages"]}
    best = spans[glasfaser[0]][0]
    assert TEXT[best["start"] : best["end"]] == best["text"]
    assert participant.get(f"{w}/suggestions")["groups"] == hints["groups"]  # read: yes
    assert {a["status"] for a in facilitator.get(f"{w}/ledger")["aspects"]} == {"open"}

    # accept a suggested group (edited: one member fewer); participants may not
    body = {"aspect_ids": glasfaser[:3]}
    participant.post(f"{w}/suggestions/groups", body, status=403)
    # ids that are not this workshop's aspects: 404, also without a label to take theirs
    facilitator.post(f"{w}/suggestions/groups", {"aspect_ids": [2**31 - 2, 2**31 - 1]}, status=404)
    group = facilitator.post(f"{w}/suggestions/groups", body, status=201)
    assert group["label"] == "Glasfaser für alle" and group["aspect_ids"] == glasfaser[:3]

    # several with one passage; one not in the text: 409 naming the field, nothing changed
    others = [i for i in label if i not in glasfaser][:3]
    refused = facilitator.post(
        f"{w}/aspects/take-up", {"aspect_ids": others, "passage": "Drohnen"}, status=409
    )
    assert "passage" in str(refused["errors"])
    facilitator.post(
        f"{w}/aspects/take-up", {"aspect_ids": [*others, 2**31 - 1], "passage": "nah"}, status=404
    )
    assert {a["status"] for a in facilitator.get(f"{w}/ledger")["aspects"]} == {"open"}
    done = facilitator.post(
        f"{w}/aspects/take-up",
        {"aspect_ids": others, "group_ids": [group["id"]], "passage": "digital und nah"},
    )
    assert {a["id"] for a in done["aspects"]} == {*others, *glasfaser[:3]}
    assert {a["passage"] for a in done["aspects"]} == {"digital und nah"}
    rest = [i for i in label if i not in {*others, *glasfaser[:3]}]
    done = facilitator.post(f"{w}/aspects/set-aside", {"aspect_ids": rest, "reason": "Später."})
    assert done["open_count"] == 0
    participant.post(f"{w}/aspects/set-aside", {"aspect_ids": rest, "reason": "x"}, status=403)

    # insert a proposal: appended, saved, stale base → 409 with both texts
    vision = facilitator.post(
        f"{w}/vision/insertions", {"proposal_id": proposal_id, "base_version": 1}
    )
    assert vision["version"] == 2 and vision["text"].startswith(TEXT + "\n\n")
    stale = facilitator.post(
        f"{w}/vision/insertions", {"proposal_id": proposal_id, "base_version": 1}, status=409
    )
    assert stale["stored"]["version"] == 2
    facilitator.post(
        f"{w}/vision/insertions", {"proposal_id": 2**31 - 1, "base_version": 2}, status=404
    )
    participant.post(
        f"{w}/vision/insertions", {"proposal_id": proposal_id, "base_version": 2}, status=403
    )


def test_a_dismissed_suggestion_is_not_offered_again(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="plenary", participants=4)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "Vision", TEXT, 0)
    w = f"/{s.tenant.slug}/workshops/{s.id}"
    facilitator = Api(app, token_for(s.facilitator))
    participant = Api(app, token_for(s.participants[0]))
    offered = facilitator.get(f"{w}/suggestions")["groups"][0]["aspect_ids"]
    body = {"aspect_ids": offered}
    participant.post(f"{w}/suggestions/dismissals", body, status=403)
    facilitator.post(f"{w}/suggestions/dismissals", {"aspect_ids": offered[:1]}, status=422)
    facilitator.post(
        f"{w}/suggestions/dismissals", {"aspect_ids": [*offered, 2**31 - 1]}, status=404
    )
    done = facilitator.post(f"{w}/suggestions/dismissals", body, status=201)
    assert done["aspect_ids"] == sorted(offered) and done["dismissed_at"]
    assert facilitator.post(f"{w}/suggestions/dismissals", body, status=201) == done
    for api in (facilitator, participant):
        groups = api.get(f"{w}/suggestions")["groups"]
        assert not any(set(g["aspect_ids"]) <= set(offered) for g in groups)
    # the aspects themselves are untouched
    assert {a["status"] for a in facilitator.get(f"{w}/ledger")["aspects"]} == {"open"}
