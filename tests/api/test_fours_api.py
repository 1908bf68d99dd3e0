"""The round of four through /api/v1 (issue 14): chosen when creating or changing a
workshop (pairs only, fixed once step 1 ends), begun with the move to `fours`; a four's
members read both pairs' proposals (`sources` of their group), give feedback on the
other pair's proposal (`PUT …/pairs/<four>/proposals/<proposal>/feedback`), write the
four's proposal and open step 3. Every answer is checked against the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from visionswerk.tenants.models import Role
from visionswerk.workshops import text as limits


def feedback_url(slug: str, four_id: int, proposal_id: int) -> str:
    return f"/{slug}/pairs/{four_id}/proposals/{proposal_id}/feedback"


def test_the_round_of_four_through_the_api(app: Flask, make: Factory) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    facilitator = Api(app, token_for(make.user(town, Role.FACILITATOR)))
    people = [make.user(town, Role.PARTICIPANT, display_name=f"Person {i}") for i in range(8)]
    by_id = {p.id: Api(app, token_for(p)) for p in people}
    ids = list(by_id)

    # --- create with the round of four -------------------------------------------------
    w = facilitator.post(
        f"/{slug}/workshops",
        {
            "title": "Mühlbach 2035",
            "participant_ids": ids,
            "with_fours": True,
            "deadlines": {"pairs": "2035-05-01T18:00:00+02:00", "fours": "2035-05-08T18:00:00Z"},
        },
        status=201,
    )
    assert w["with_fours"] is True and w["fours_opened_at"] is None
    assert w["deadlines"]["fours"] == "2035-05-08T18:00:00+00:00"
    W = f"/{slug}/workshops/{w['id']}"  # noqa: N806
    assert by_id[ids[0]].get(W)["with_fours"] is True
    assert facilitator.get(f"/{slug}/workshops")["workshops"][0]["with_fours"] is True

    # --- steps 1 and 2 -----------------------------------------------------------------
    facilitator.post(f"{W}/phase", {"to": "individual"})
    for i, api in enumerate(by_id.values()):
        api.put(
            f"{W}/draft",
            {"keywords": [f"Idee {i}"], "text": f"Entwurf {i}", "base_version": 0, "submit": True},
        )
    facilitator.post(f"{W}/phase", {"to": "pairs", "seed": 11})
    pairs = facilitator.post(f"{W}/pairing/confirm")["pairs"]
    assert len(pairs) == 4
    refused = facilitator.patch(W, {"with_fours": False}, status=409)
    assert "Runde zu viert" in refused["detail"]
    assert facilitator.patch(W, {"with_fours": True})["with_fours"] is True  # unchanged: fine
    pair_of_user: dict[int, int] = {}
    for p in pairs:
        member = by_id[p["members"][0]["user_id"]]
        mine = member.get(f"{W}/pair")["pair"]
        assert (mine["round"], mine["merged_into_id"]) == (1, None)
        assert "sources" not in mine
        member.put(
            f"/{slug}/pairs/{p['id']}/proposal",
            {"text": f"Paar {p['number']} will Glasfaser.", "keywords": ["Glasfaser"],
             "base_version": 0},
        )  # fmt: skip
        pair_of_user.update({m["user_id"]: p["id"] for m in p["members"]})
    refused = facilitator.post(f"{W}/phase", {"to": "plenary"}, status=409)
    assert "zuerst die Runde zu viert" in refused["detail"]
    assert "fours" in facilitator.get(W)["allowed_moves"]

    # --- the round of four -------------------------------------------------------------
    moved = facilitator.post(f"{W}/phase", {"to": "fours"})
    assert moved["phase"] == "fours" and moved["fours_opened_at"] is not None
    progress = moved["pair_progress"]
    assert len(progress) == 2 and all(len(p["members"]) == 4 for p in progress)
    assert all(p["feedback_expected"] == 4 for p in progress)

    fours: dict[int, dict[str, Any]] = {}
    for uid, api in by_id.items():
        four = api.get(f"{W}/pair")["pair"]
        assert four["round"] == 2 and four["merged_into_id"] is None
        assert four["partner_drafts"] == [] and four["feedback"] == []
        assert four["can_work"] is True
        sources = four["sources"]
        assert len(sources) == 2
        assert [s["own"] for s in sources].count(True) == 1
        own = next(s for s in sources if s["own"])
        assert own["pair"]["id"] == pair_of_user[uid]
        assert uid in {m["user_id"] for m in own["pair"]["members"]}
        fours[uid] = four
    first_four, _second = sorted({f["id"] for f in fours.values()})
    insider = next(uid for uid, f in fours.items() if f["id"] == first_four)
    me, sources = by_id[insider], fours[insider]["sources"]
    other = next(s for s in sources if not s["own"])["proposal"]

    # the pairs merged into the four; their own round is over
    assert {s["pair"]["merged_into_id"] for s in sources} == {first_four}
    assert {s["pair"]["round"] for s in sources} == {1}
    ready = me.delete(f"/{slug}/pairs/{pair_of_user[insider]}/ready", status=409)
    assert "Arbeit zu zweit läuft gerade nicht" in ready["detail"]
    # feedback on the other pair's proposal
    url = feedback_url(slug, first_four, other["id"])
    given = me.put(url, {"especially_good": "Konkret und mutig.", "to_sharpen": "Für wen?"})
    assert given["proposal_id"] == other["id"] and given["author"]["user_id"] == insider
    again = me.put(url, {"especially_good": "", "to_sharpen": "Für wen genau?"})
    assert again["id"] == given["id"] and again["to_sharpen"] == "Für wen genau?"
    mine = me.get(f"{W}/pair")["pair"]
    received = next(s for s in mine["sources"] if s["proposal"]["id"] == other["id"])["feedback"]
    assert [(f["author"]["user_id"], f["to_sharpen"]) for f in received] == [
        (insider, "Für wen genau?")
    ]
    # the other pair reads what it was told
    in_first = [uid for uid, f in fours.items() if f["id"] == first_four]
    partner = next(uid for uid in in_first if pair_of_user[uid] != pair_of_user[insider])
    seen = by_id[partner].get(f"{W}/pair")["pair"]["sources"]
    assert [f["to_sharpen"] for s in seen for f in s["feedback"]] == ["Für wen genau?"]
    assert facilitator.get(W)["pair_progress"][0]["feedback_given"] == 1

    # --- the four's proposal: same save, conflict and readiness as a pair's ---------------
    P = f"/{slug}/pairs/{first_four}/proposal"  # noqa: N806
    start = me.get(P)
    assert "Glasfaser" in start["keywords"] and start["pair_id"] == first_four
    saved = me.put(
        P,
        {"text": "Die Vierergruppe will Glasfaser.", "keywords": ["Glasfaser", "Nähe"],
         "base_version": start["version"]},
    )  # fmt: skip
    assert saved["version"] == start["version"] + 1
    lost = by_id[partner].put(
        P, {"text": "Anders", "keywords": [], "base_version": start["version"]}, status=409
    )
    assert lost["stored"]["text"] == "Die Vierergruppe will Glasfaser."
    marked = me.post(f"/{slug}/pairs/{first_four}/ready")
    assert marked["round"] == 2 and len(marked["members"]) == 4
    assert next(m for m in marked["members"] if m["user_id"] == insider)["ready"] is True

    # --- step 3 ------------------------------------------------------------------------
    opened = facilitator.post(f"{W}/phase", {"to": "plenary"})
    assert opened["phase"] == "plenary"
    plenary = me.get(f"{W}/plenary")
    assert "Die Vierergruppe will Glasfaser." in {p["text"] for p in plenary["proposals"]}
    late = me.put(url, {"especially_good": "Noch was", "to_sharpen": ""}, status=409)
    assert "Runde zu viert läuft gerade nicht" in late["detail"]


def test_feedback_in_a_four_refuses_what_it_must(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="fours", participants=8)
    slug = s.tenant.slug
    facilitator = Api(app, token_for(s.facilitator))
    apis = {p.id: Api(app, token_for(p)) for p in s.participants}
    W = f"/{slug}/workshops/{s.id}"  # noqa: N806
    groups = {uid: api.get(f"{W}/pair")["pair"] for uid, api in apis.items()}
    insider, four = next(iter(groups.items()))
    outsider = next(uid for uid, g in groups.items() if g["id"] != four["id"])
    other_four = groups[outsider]
    me = apis[insider]
    own = next(x for x in four["sources"] if x["own"])["proposal"]
    other = next(x for x in four["sources"] if not x["own"])["proposal"]
    url = feedback_url(slug, four["id"], other["id"])
    body = {"especially_good": "Gut", "to_sharpen": ""}

    problem = me.put(feedback_url(slug, four["id"], own["id"]), body, status=422)
    assert "des anderen Paares" in problem["detail"]
    blank = me.put(url, {"especially_good": "  ", "to_sharpen": ""}, status=422)
    assert "besonders gut" in blank["detail"]
    too_long = me.put(url, {"especially_good": "x" * (limits.FEEDBACK_MAX + 1),
                            "to_sharpen": ""}, status=422)  # fmt: skip
    assert too_long["errors"][0]["field"] == "especially_good"
    me.put(url, {"especially_good": "Gut"}, status=422)  # PUT replaces: both are required
    me.put(url, {**body, "draft_id": 1}, status=422)  # unknown field
    # a proposal of another four, under my four: not there
    foreign = other_four["sources"][0]["proposal"]
    me.put(feedback_url(slug, four["id"], foreign["id"]), body, status=404)
    # the other four, and its proposals, are not there for me
    me.put(feedback_url(slug, other_four["id"], foreign["id"]), body, status=404)
    me.get(f"/{slug}/pairs/{other_four['id']}/proposal", status=404)
    # a round-1 pair has no sources
    own_pair = next(x for x in four["sources"] if x["own"])["pair"]["id"]
    me.put(feedback_url(slug, own_pair, other["id"]), body, status=404)
    # the facilitator sees the progress, but gives no feedback and reads none
    facilitator.put(url, body, status=403)
    assert "Gut" not in str(facilitator.get(W))
    assert me.put(url, body)["especially_good"] == "Gut"
