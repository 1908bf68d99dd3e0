"""The whole 1-2-all method through the API, with seven participants (so one trio):
create, drafts, pairing (swap, confirm), feedback, concurrent proposal saves, readiness,
strengths and comments, the aspect ledger with groups and decisions, the vision, signing
with the hash, adoption. Every response is checked against the OpenAPI document."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import Phase, Workshop


def names(items: list[dict[str, Any]]) -> set[str]:
    return {i["display_name"] for i in items}


def test_full_journey_with_seven_participants(app: Flask, make: Factory) -> None:
    region = make.region("ILE Donautal")
    town = make.municipality(region, "Markt Mühlbach")
    slug, town_id = town.slug, town.id
    facilitator = Api(app, token_for(make.user(town, Role.FACILITATOR, display_name="Moderatorin")))
    people = [make.user(town, Role.PARTICIPANT, display_name=f"Teilnehmende {i}") for i in range(7)]
    ids = [p.id for p in people]
    by_id = {p.id: Api(app, token_for(p)) for p in people}
    name_of = {p.id: p.display_name for p in people}
    coordinator = Api(app, token_for(make.user(region, Role.COORDINATOR)))

    # --- create ------------------------------------------------------------------------
    created = facilitator.request(
        "POST",
        f"/{slug}/workshops",
        {
            "title": "Mühlbach 2035 🌱",
            "guiding_question": "Wie sieht unsere Kommune im Jahr 2035 aus?",
            "deadlines": {"individual": "2035-05-01T18:00:00+02:00", "signing": None},
            "participant_ids": ids,
            "reminder_offsets": [24],
        },
        status=201,
    )
    w = created.get_json()
    wid = w["id"]
    assert created.headers["Location"].endswith(f"/api/v1/{slug}/workshops/{wid}")
    assert w["title"] == "Mühlbach 2035 🌱" and w["phase"] == "preparation"
    assert w["deadlines"]["individual"] == "2035-05-01T16:00:00+00:00"
    assert names(w["participants"]) == set(name_of.values())
    assert w["allowed_moves"] == ["individual"]
    W = f"/{slug}/workshops/{wid}"  # noqa: N806

    mine = by_id[ids[0]].get(f"/{slug}/workshops")["workshops"]
    assert [x["id"] for x in mine] == [wid]
    assert mine[0]["me"] == {"manages": False, "sees_status": False, "writes_draft": False}

    facilitator.post(f"{W}/phase", {"to": "individual"})
    assert by_id[ids[0]].get(W)["me"]["writes_draft"] is True

    # --- step 1: drafts ----------------------------------------------------------------
    tasks = by_id[ids[0]].get("/me/tasks")["tasks"]
    assert [(t["kind"], t["workshop"]["id"]) for t in tasks] == [("write_draft", wid)]
    for i, uid in enumerate(ids):
        api = by_id[uid]
        assert api.get(f"{W}/draft")["version"] == 0
        saved = api.put(
            f"{W}/draft",
            {
                "keywords": [f"Idee {i}", "Glasfaser für alle", "Bürgerbüro ✨"],
                "text": f"Entwurf {i}: Im Jahr 2035 ist **Mühlbach** digital und nah.",
                "base_version": 0,
            },
        )
        assert saved["version"] == 1 and saved["submitted"] is False
        assert "<strong>Mühlbach</strong>" in saved["text_html"]
        submitted = api.post(f"{W}/draft/submit")
        assert submitted["submitted"] is True
    assert all(t["kind"] != "write_draft" for t in by_id[ids[0]].get("/me/tasks")["tasks"])

    # a save from a stale version loses nothing: 409 with both texts
    stale = by_id[ids[0]].put(
        f"{W}/draft", {"keywords": ["Neu"], "text": "Zweites Gerät", "base_version": 0}, status=409
    )
    assert stale["stored"]["text"].startswith("Entwurf 0:")
    assert stale["submitted"]["text"] == "Zweites Gerät"

    status = facilitator.get(W)
    assert all(s["submitted"] for s in status["submissions"])
    assert "Entwurf" not in str(status)  # who, never what

    # --- pairing -----------------------------------------------------------------------
    moved = facilitator.post(f"{W}/phase", {"to": "pairs", "seed": 7})
    assert moved["phase"] == "pairs"
    pairing = facilitator.get(f"{W}/pairing")
    assert pairing["confirmed"] is False and pairing["seed"] == 7
    assert sorted(len(p["members"]) for p in pairing["pairs"]) == [2, 2, 3]  # one trio
    assert by_id[ids[0]].get(f"{W}/pairing")["pairs"] == []  # not before confirmation

    first, second = pairing["pairs"][0], pairing["pairs"][1]
    a, b = first["members"][0]["user_id"], second["members"][0]["user_id"]
    swapped = facilitator.post(f"{W}/pairing/swap", {"user_a_id": a, "user_b_id": b})
    members = {p["id"]: {m["user_id"] for m in p["members"]} for p in swapped["pairs"]}
    assert b in members[first["id"]] and a in members[second["id"]]

    confirmed = facilitator.post(f"{W}/pairing/confirm")
    assert confirmed["confirmed"] is True
    assert facilitator.get(W)["step1_closed"] is True

    # --- step 2: my pair, feedback, the joint proposal ----------------------------------
    pairs = confirmed["pairs"]
    for p in pairs:
        member_ids = [m["user_id"] for m in p["members"]]
        for uid in member_ids:
            view = by_id[uid].get(f"{W}/pair")["pair"]
            assert view["id"] == p["id"] and view["can_work"] is True
            partner_authors = {d["author"]["user_id"] for d in view["partner_drafts"]}
            assert partner_authors == set(member_ids) - {uid}
            partner = view["partner_drafts"][0]
            fb = by_id[uid].put(
                f"/{slug}/pairs/{p['id']}/feedback",
                {
                    "draft_id": partner["id"],
                    "especially_good": "Die Glasfaser-Idee – großartig!",
                    "to_sharpen": "Konkreter werden.",
                },
            )
            assert fb["draft_id"] == partner["id"] and fb["author"]["user_id"] == uid

    # two members save from the same version at the same time: one wins, one conflicts
    trio = next(p for p in pairs if len(p["members"]) == 3)
    x, y = (by_id[m["user_id"]] for m in trio["members"][:2])
    P = f"/{slug}/pairs/{trio['id']}/proposal"  # noqa: N806
    assert x.get(P)["version"] == 0 and y.get(P)["version"] == 0
    won = x.put(P, {"text": "Fassung X: Wir sind vernetzt.", "keywords": ["X"], "base_version": 0})
    assert won["version"] == 1
    lost = y.put(
        P, {"text": "Fassung Y: Wir sind nah.", "keywords": ["Y"], "base_version": 0}, status=409
    )
    assert lost["stored"]["text"] == "Fassung X: Wir sind vernetzt."
    assert lost["stored"]["version"] == 1
    assert lost["submitted"]["text"] == "Fassung Y: Wir sind nah."
    assert lost["stored"]["updated_by"] == name_of[trio["members"][0]["user_id"]]
    assert x.get(P)["text"] == "Fassung X: Wir sind vernetzt."  # nothing overwritten

    for p in pairs:
        member_ids = [m["user_id"] for m in p["members"]]
        api = by_id[member_ids[0]]
        url = f"/{slug}/pairs/{p['id']}/proposal"
        base = api.get(url)["version"]
        api.put(
            url,
            {
                "text": f"Vorschlag von Paar {p['number']}: Wir leben gut vernetzt.",
                "keywords": [f"Vorschlag {p['number']}", "Bürgerportal"],
                "base_version": base,
            },
        )
        for uid in member_ids:
            ready = by_id[uid].post(f"/{slug}/pairs/{p['id']}/ready")
            assert next(m for m in ready["members"] if m["user_id"] == uid)["ready"] is True
    progress = facilitator.get(W)["pair_progress"]
    assert len(progress) == 3 and all(p["all_ready"] for p in progress)

    # --- step 3: plenary, strengths, comments ------------------------------------------
    facilitator.post(f"{W}/phase", {"to": "plenary"})
    reader = by_id[ids[0]]
    plenary = reader.get(f"{W}/plenary")
    assert len(plenary["proposals"]) == 3
    assert len(plenary["draft_keywords"]) == 7
    proposal = plenary["proposals"][0]
    S = f"/{slug}/proposals/{proposal['id']}/strengths"  # noqa: N806
    marked = reader.post(S, {"note": "Klar und mutig 💪"})
    assert marked["marked_by_me"] is True and marked["strength_count"] == 1
    assert marked["strengths"][0]["note"] == "Klar und mutig 💪"
    assert reader.delete(S)["strength_count"] == 0
    reader.post(S, {})
    by_id[ids[1]].post(S, {"note": ""})
    comment = by_id[ids[2]].post(
        f"/{slug}/proposals/{proposal['id']}/comments",
        {"text": "Schön – und <script>alert(1)</script>?"},
        status=201,
    )
    assert "<script>" not in comment["text_html"]
    listed = facilitator.get(f"/{slug}/proposals/{proposal['id']}/comments")["comments"]
    assert [c["id"] for c in listed] == [comment["id"]]
    again = reader.get(f"{W}/plenary")["proposals"][0]
    assert again["strength_count"] == 2 and again["marked_by_me"] is True

    # --- step 3: the ledger and the vision ---------------------------------------------
    ledger = facilitator.get(f"{W}/ledger")
    aspects = ledger["aspects"]
    assert ledger["open_count"] == len(aspects) > 0
    from_drafts = [a for a in aspects if a["source"] == "draft"]
    from_pairs = [a for a in aspects if a["source"] == "proposal"]
    # nobody agreed to be named: step-1 aspects name no account, only "Beitrag A", …
    assert {a["provenance"]["participant_id"] for a in from_drafts} == {None}
    shown = {a["provenance"]["participant_name"] for a in from_drafts}
    assert shown == {f"Beitrag {letter}" for letter in "ABCDEFG"[: len(ids)]}, shown
    assert {a["provenance"]["pair_number"] for a in from_pairs} == {1, 2, 3}
    assert len(ledger["coverage"]["per_pair"]) == 3
    assert len(ledger["coverage"]["per_participant"]) == 7

    labels = sorted({a["label"] for a in aspects if a["label"] != "Idee 6"})
    text = "Im Jahr 2035 ist Mühlbach digital und nah.\n\n" + "\n".join(f"- {x}" for x in labels)
    vision = facilitator.put(
        f"{W}/vision", {"title": "Vision Mühlbach 2035", "text": text, "base_version": 0}
    )
    assert vision["version"] == 1
    assert reader.get(f"{W}/vision")["text"] == text
    refused = facilitator.post(f"{W}/phase", {"to": "signing"}, status=409)
    assert refused["open_aspects"] == len(aspects)
    assert "offen" in refused["detail"]

    glasfaser = [a["id"] for a in aspects if a["label"] == "Glasfaser für alle"]
    group = facilitator.post(
        f"{W}/aspect-groups", {"aspect_ids": glasfaser, "label": "Glasfaser"}, status=201
    )
    decided = facilitator.put(
        f"/{slug}/aspect-groups/{group['id']}/decision",
        {"status": "taken_up", "passage": "Glasfaser für alle"},
    )
    assert {a["status"] for a in decided["aspects"]} == {"taken_up"}
    for a in aspects:
        if a["id"] in glasfaser:
            continue
        if a["label"] == "Idee 6":
            body = {"status": "set_aside", "reason": "Passt nicht zur Leitfrage."}
        else:
            body = {"status": "taken_up", "passage": a["label"]}
        decision = facilitator.put(f"/{slug}/aspects/{a['id']}/decision", body)
        assert decision["status"] == body["status"]
    bad = facilitator.put(
        f"/{slug}/aspects/{aspects[0]['id']}/decision",
        {"status": "taken_up", "passage": "Steht nirgends im Text"},
        status=409,  # well-formed; the saved text decides (state_fields)
    )
    assert bad["errors"][0]["field"] == "passage"
    ledger = facilitator.get(f"{W}/ledger")
    assert ledger["open_count"] == 0
    overall = ledger["coverage"]["overall"]
    assert overall["set_aside"] == 1 and overall["taken_up"] == len(aspects) - 1

    # --- signing and adoption ----------------------------------------------------------
    facilitator.post(f"{W}/phase", {"to": "signing"})
    signing = facilitator.get(f"{W}/signing")
    version = signing["version"]
    assert version["sha256"] == hashlib.sha256(version["canonical"].encode()).hexdigest()
    assert version["text"] == text

    signer = ids[0]
    listed = facilitator.post(
        f"{W}/signatories", {"user_id": signer, "function": "Gemeinderätin"}, status=201
    )
    assert listed["signatory"]["kind"] == "account" and listed["link_token"] is None
    named = facilitator.post(
        f"{W}/signatories", {"name": "Erika Muster", "function": "Bürgermeisterin"}, status=201
    )
    assert named["signatory"]["kind"] == "named" and len(named["link_token"]) > 20

    me_signing = by_id[signer].get(f"{W}/signing")
    assert me_signing["my_signatory_id"] == listed["signatory"]["id"]
    assert any(t["kind"] == "sign" for t in by_id[signer].get("/me/tasks")["tasks"])
    wrong = by_id[signer].post(f"{W}/signatures", {"hash": "0" * 64}, status=409)
    assert wrong["current_sha256"] == version["sha256"]
    by_id[ids[1]].post(f"{W}/signatures", {"hash": version["sha256"]}, status=403)
    facilitator.put(
        f"{W}/vision", {"title": "Anders", "text": "Anders", "base_version": 1}, status=409
    )
    signed = by_id[signer].post(f"{W}/signatures", {"hash": version["sha256"]}, status=201)
    assert signed["signature"]["sha256"] == version["sha256"]
    assert signed["signature"]["function"] == "Gemeinderätin"
    by_id[signer].post(f"{W}/signatures", {"hash": version["sha256"]}, status=409)

    adopted = facilitator.post(f"{W}/phase", {"to": "adopted"})
    assert adopted["phase"] == "adopted" and adopted["allowed_moves"] == []
    final = coordinator.get(f"{W}/signing")
    assert final["version"]["adopted_at"] is not None and final["signed_count"] == 1
    assert final["version"]["text"] == text  # adopted: readable for the region too

    with tenant_scope(town_id):
        workshop = db.get(Workshop, wid)
        assert workshop is not None and workshop.phase == Phase.ADOPTED
