"""Before step 1 closes, no API route returns a person's draft content to anybody else:
not another participant, the facilitator, the region's coordinator, a platform admin.

Every participant writes keywords and a text with markers nobody else may see. Then,
while step 1 runs and again with pairs proposed but not confirmed, every reading route
of the API (walked from ``app.url_map``, so new routes join automatically) is requested
by every role with every id this workshop has; no response may contain another
person's marker. The control: each author finds their own markers.

The round of four gets the same walk: a four's feedback and proposal reach its members
only, and feedback under a four one is not in is refused."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.test_cross_tenant import PARAMETERS
from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import Pair, PairProposal


def marker(i: int, what: str) -> str:
    return f"GEHEIM{what}{i:02d}x"


def api_get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith("api.") and "GET" in (r.methods or ())
        ),
        key=lambda r: r.rule,
    )


def ids_of(model: Any, workshop_id: int, tenant_id: int) -> list[int]:
    with tenant_scope(tenant_id):
        from sqlalchemy import select

        return list(db.scalars(select(model.id).where(model.workshop_id == workshop_id)))


@pytest.mark.parametrize("stage", ["individual", "pairs proposed"])
def test_no_api_route_shows_step1_content_to_anybody_else(
    app: Flask, make: Factory, stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    region = make.region()
    town = make.municipality(region)
    slug, town_id = town.slug, town.id
    setup = make.workshop(town, phase="individual", participants=4)
    wid = setup.id
    authors = [Api(app, token_for(p)) for p in setup.participants]
    W = f"/{slug}/workshops/{wid}"  # noqa: N806
    for i, api in enumerate(authors):
        api.put(
            f"{W}/draft",
            {
                "keywords": [marker(i, "STICHPUNKT")],
                "text": marker(i, "TEXT"),
                "base_version": 0,
                "submit": True,
            },
        )
    facilitator = Api(app, token_for(setup.facilitator))
    if stage == "pairs proposed":
        facilitator.post(f"{W}/phase", {"to": "pairs", "seed": 3})
        assert facilitator.get(f"{W}/pairing")["confirmed"] is False
    viewers: dict[str, Api] = {
        "facilitator": facilitator,
        "coordinator": Api(app, token_for(make.user(region, Role.COORDINATOR))),
        "admin": Api(app, token_for(make.user(admin=True))),
        "member of the tenant": Api(app, token_for(make.user(town, Role.PARTICIPANT))),
        **{f"participant {i}": api for i, api in enumerate(authors)},
    }
    values: dict[str, list[Any]] = {
        "tenant_slug": [slug],
        "workshop_id": [wid],
        "pair_id": ids_of(Pair, wid, town_id) or [0],
        "proposal_id": ids_of(PairProposal, wid, town_id) or [0],
    }
    rules = api_get_rules(app)
    requested = 0
    for who, api in viewers.items():
        own = int(who.split()[1]) if who.startswith("participant ") else None
        forbidden = [
            marker(i, what)
            for i in range(len(authors))
            if i != own
            for what in ("STICHPUNKT", "TEXT")
        ]
        seen_own = False
        for rule in rules:
            params = sorted(rule.arguments)
            combos: list[dict[str, Any]] = [{}]
            for p in params:
                if p not in values:  # a route of another part: an object of this tenant
                    values[p] = [PARAMETERS[p](make, db.get(Tenant, town_id))]
                combos = [{**c, p: v} for c in combos for v in values[p]]
            for combo in combos:
                url = rule.build(combo, append_unknown=False)[1]  # type: ignore[index]
                response = api.request("GET", url, status=None, check=False)
                body = response.get_data(as_text=True)
                leaked = [m for m in forbidden if m in body]
                assert not leaked, f"GET {url} as {who} ({stage}) shows {leaked}"
                assert response.status_code < 500, f"GET {url} as {who}: {body[:300]}"
                if own is not None and marker(own, "TEXT") in body:
                    seen_own = True
                requested += 1
        if own is not None:
            assert seen_own, f"{who} never saw their own draft — the check would prove nothing"
    assert requested > 8 * len(viewers)
    with capsys.disabled():
        print(
            f"\n[privacy api, {stage}] {len(rules)} GET routes x {len(viewers)} viewers = "
            f"{requested} requests, 0 showed another's step-1 content"
        )


def test_a_conflict_on_ones_own_draft_shows_only_ones_own_texts(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    slug = setup.tenant.slug
    one, two = (Api(app, token_for(p)) for p in setup.participants)
    W = f"/{slug}/workshops/{setup.id}"  # noqa: N806
    one.put(f"{W}/draft", {"keywords": [], "text": "ERSTE-PERSON-GEHEIM", "base_version": 0})
    conflict = two.put(
        f"{W}/draft", {"keywords": [], "text": "Meins", "base_version": 5}, status=409
    )
    assert "ERSTE-PERSON-GEHEIM" not in str(conflict)
    assert conflict["submitted"]["text"] == "Meins"
    assert conflict["stored"]["version"] == 0


def test_a_four_and_its_feedback_stay_with_its_members(
    app: Flask, make: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    """The round of four: every member of each four gives feedback on the other pair's
    proposal, and each four saves its proposal, all with markers. Every reading route,
    with every id of the workshop, as every role: a four's feedback and proposal are seen
    by its members only (the facilitator sees progress, never content, until step 3).
    Writing feedback under another four answers 404 — 403 for those who see the
    workshop's progress (facilitator, coordinator, admin) and so know the four exists."""
    region = make.region()
    town = make.municipality(region)
    slug, town_id = town.slug, town.id
    setup = make.workshop(town, phase="fours", participants=8)
    wid = setup.id
    W = f"/{slug}/workshops/{wid}"  # noqa: N806
    people = {p.id: Api(app, token_for(p)) for p in setup.participants}
    others: dict[str, tuple[Api, int | None]] = {
        "facilitator": (Api(app, token_for(setup.facilitator)), None),
        "coordinator": (Api(app, token_for(make.user(region, Role.COORDINATOR))), None),
        "admin": (Api(app, token_for(make.user(admin=True))), None),
        "member of the tenant": (Api(app, token_for(make.user(town, Role.PARTICIPANT))), None),
    }
    groups = {uid: api.get(f"{W}/pair")["pair"] for uid, api in people.items()}
    four_ids = sorted({g["id"] for g in groups.values()})
    assert len(four_ids) == 2
    secret: dict[int, list[str]] = {f: [] for f in four_ids}  # four → its markers
    for uid, api in people.items():
        four = groups[uid]
        other = next(s for s in four["sources"] if not s["own"])["proposal"]
        text = marker(uid, "RUECKMELDUNG")
        api.put(
            f"/{slug}/pairs/{four['id']}/proposals/{other['id']}/feedback",
            {"especially_good": text, "to_sharpen": ""},
        )
        secret[four["id"]].append(text)
    for four_id in four_ids:
        uid = next(u for u, g in groups.items() if g["id"] == four_id)
        url = f"/{slug}/pairs/{four_id}/proposal"
        base = people[uid].get(url)["version"]
        text = marker(four_id, "VIERERVORSCHLAG")
        people[uid].put(url, {"text": text, "keywords": [], "base_version": base})
        secret[four_id].append(text)
    viewers: dict[str, tuple[Api, int | None]] = {
        **others,
        **{f"participant {uid}": (api, groups[uid]["id"]) for uid, api in people.items()},
    }
    values: dict[str, list[Any]] = {
        "tenant_slug": [slug],
        "workshop_id": [wid],
        "pair_id": ids_of(Pair, wid, town_id),
        "proposal_id": ids_of(PairProposal, wid, town_id),
    }
    rules = api_get_rules(app)
    requested = 0
    for who, (api, own_four) in viewers.items():
        forbidden = [m for f, markers in secret.items() if f != own_four for m in markers]
        seen_own = own_four is None
        for rule in rules:
            combos: list[dict[str, Any]] = [{}]
            for p in sorted(rule.arguments):
                if p not in values:
                    values[p] = [PARAMETERS[p](make, db.get(Tenant, town_id))]
                combos = [{**c, p: v} for c in combos for v in values[p]]
            for combo in combos:
                url = rule.build(combo, append_unknown=False)[1]  # type: ignore[index]
                response = api.request("GET", url, status=None, check=False)
                body = response.get_data(as_text=True)
                leaked = [m for m in forbidden if m in body]
                assert not leaked, f"GET {url} as {who} (fours) shows {leaked}"
                assert response.status_code < 500, f"GET {url} as {who}: {body[:300]}"
                if own_four is not None and all(m in body for m in secret[own_four][:-1]):
                    seen_own = True
                requested += 1
        assert seen_own, f"{who} never saw their four's feedback — the check would prove nothing"
        # writing under a four one is not in
        for four_id in four_ids:
            if four_id == own_four:
                continue
            member = next(u for u, g in groups.items() if g["id"] == four_id)
            proposal = groups[member]["sources"][0]["proposal"]["id"]
            url = f"/{slug}/pairs/{four_id}/proposals/{proposal}/feedback"
            # who sees the workshop's progress knows the four: 403; anybody else: 404
            expected = 403 if own_four is None and who != "member of the tenant" else 404
            api.put(url, {"especially_good": "x", "to_sharpen": ""}, status=expected)
    assert requested > 8 * len(viewers)
    with capsys.disabled():
        print(
            f"\n[privacy api, fours] {len(rules)} GET routes x {len(viewers)} viewers = "
            f"{requested} requests, 0 showed another four's feedback or proposal"
        )
