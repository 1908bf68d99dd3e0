"""Privacy through the pages: until step 1 closes (the pairs are confirmed), a draft's
keywords and text appear on no page for anybody but its author — not for another
participant, not for the facilitator (even one who takes part), not for the region's
coordinator, not for a platform admin. Every GET page of the workshop blueprint is
requested, plus the visions, reports and tenancy pages of the tenant and workshop, the
tenant page, "Meine Aufgaben" and the POSTs that take a draft's id. The projector view
(and its fragment) and the join code's address are among the GET pages: the facilitator
opens them, and they show the room nothing of a draft either."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor
from visionswerk.db import db, utcnow
from visionswerk.tenants.models import Role
from visionswerk.workshops import services as ws
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import Pair, Workshop

SECRET_KEYWORD = "GEHEIMWORT-Kürbisfeld"
SECRET_TEXT = "GEHEIMTEXT-Schloßallee 🦔"
SECRETS = (SECRET_KEYWORD, "Kürbisfeld", SECRET_TEXT, "Schloßallee")
# GET routes whose parameters cannot exist before step 1 closes (a signature, the hash
# of a frozen text)
NOT_YET_THERE = {"sign_token", "signature_id", "sha256"}
# pages of other blueprints about a tenant or workshop (those whose parameters this test
# can fill: the region overview, visions, the workshop's parent and its reports)
OTHER_PAGES = ("visions.", "reports.", "tenancy.")


def workshop_urls(app: Flask, slug: str, workshop_id: int, pair_ids: list[int]) -> list[str]:
    urls = [f"/{slug}/", "/aufgaben"]
    code = db.scalar(select(Workshop.join_code).where(Workshop.id == workshop_id)
                     .execution_options(all_tenants=True))  # fmt: skip
    values = {"tenant_slug": [slug], "workshop_id": [workshop_id], "pair_id": pair_ids,
              "code": [code],
              "step": [p.value for p in DEADLINE_PHASES]}  # fmt: skip  # step: the .ics files
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()):
            continue
        params = rule.arguments
        if params & NOT_YET_THERE:
            continue
        unknown = params - set(values)
        if rule.endpoint.startswith(OTHER_PAGES) and "tenant_slug" in params and not unknown:
            pass  # the visions and reports pages of this tenant and workshop
        elif not rule.endpoint.startswith("workshops."):
            continue
        assert not unknown, f"{rule.rule}: fill {unknown} in this test"
        combos: list[dict[str, object]] = [{}]
        for name in sorted(params):
            combos = [{**c, name: v} for c in combos for v in values[name]]
        for combo in combos:
            urls.append(rule.build(combo, append_unknown=False)[1])  # type: ignore[index]
    return urls


@pytest.mark.parametrize("phase", ["individual", "pairs"])
def test_before_step_1_closes_no_page_shows_a_draft_to_anybody_else(
    app: Flask, make: Factory, phase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    region = make.region()
    town = make.municipality(region)
    facilitator = make.user(town, Role.FACILITATOR)
    setup = make.workshop(
        town, phase=phase, participants=4, confirmed=False, facilitator=facilitator
    )
    slug, wid = town.slug, setup.id
    author = setup.participants[0]
    with setup.scope():
        if phase == "individual":  # a facilitator who takes part sees only their own
            ws.add_participants(facilitator, setup.workshop, [facilitator.id])
        soon = utcnow() + dt.timedelta(days=3)  # deadlines: their calendar files are served
        ws.update_workshop(
            facilitator, setup.workshop, deadlines={"individual": soon, "pairs": soon}
        )
        draft = ws.save_draft(
            author,
            setup.workshop,
            keywords=[SECRET_KEYWORD, "Glasfaser für alle"],
            text=SECRET_TEXT,
            submit=True,
        )
        draft_id = draft.id
        pair_ids = list(db.scalars(select(Pair.id).where(Pair.workshop_id == wid)))
        db.commit()
    assert (phase == "pairs") == bool(pair_ids)
    viewers = {
        "author": author.email,
        "other participant": setup.participants[1].email,
        "facilitator": facilitator.email,
        "coordinator": make.user(region, Role.COORDINATOR).email,
        "platform admin": make.user(admin=True).email,
    }
    urls = workshop_urls(app, slug, wid, pair_ids)
    seen_by_author = ""
    checked = 0
    for role, email in viewers.items():
        visitor = Visitor(app, email, role)
        for url in urls:
            html = visitor.html(url, status=None)
            if role == "author":
                seen_by_author += html
                continue
            leaked = [s for s in SECRETS if s in html]
            assert not leaked, f"{role} sees {leaked} on {url}"
            checked += 1
        if role == "author":
            continue
        # POSTs naming the draft (feedback on it) answer without its content
        for pair_id in pair_ids:
            response = visitor.post(
                f"/{slug}/paare/{pair_id}/rueckmeldung",
                {"draft_id": str(draft_id), f"d{draft_id}-especially_good": "gut"},
            )
            assert response.status_code in (403, 404), (role, response.status_code)
            body = response.get_data(as_text=True)
            assert not [s for s in SECRETS if s in body], f"{role}: feedback POST leaks"
    assert checked >= 4 * 8
    with capsys.disabled():
        print(
            f"\n[privacy pages, {phase}] {len(urls)} workshop pages x {len(viewers) - 1} "
            f"other roles = {checked} page views, 0 showed the draft"
        )
    # the control: the author sees their own draft, so the checks above can fail
    assert SECRET_TEXT in seen_by_author and SECRET_KEYWORD in seen_by_author


def test_after_confirmation_the_partner_reads_the_draft_and_nobody_else(
    app: Flask, make: Factory
) -> None:
    region = make.region()
    town = make.municipality(region)
    setup = make.workshop(town, phase="pairs", participants=4, confirmed=False)
    slug, wid = town.slug, setup.id
    author = setup.participants[0]
    with setup.scope():
        ws.save_draft(author, setup.workshop, keywords=[SECRET_KEYWORD], text=SECRET_TEXT)
        ws.confirm_pairs(setup.facilitator, setup.workshop)
        pairs = db.scalars(select(Pair).where(Pair.workshop_id == wid)).all()
        mine = next(p for p in pairs if author.id in p.member_ids)
        partner_id = next(i for i in mine.member_ids if i != author.id)
        outsider_id = next(i for p in pairs if p.id != mine.id for i in p.member_ids)
        pair_id = mine.id
        db.commit()
    emails = {p.id: p.email for p in setup.participants}
    facilitator_email = setup.facilitator.email
    partner = Visitor(app, emails[partner_id], "partner")
    assert SECRET_TEXT in partner.html(f"/{slug}/paare/{pair_id}")
    outsider = Visitor(app, emails[outsider_id], "outsider")
    outsider.get(f"/{slug}/paare/{pair_id}", status=404)
    facilitator = Visitor(app, facilitator_email, "facilitator")
    for url in workshop_urls(app, slug, wid, [pair_id]):
        assert SECRET_TEXT not in facilitator.html(url, status=None), url
