"""The step-3 workbench as a page, without JavaScript: inserting a proposal, deciding
several aspects with one passage, a suggested passage in one click, accepting and
dismissing a suggested group, filters; at 40 participants ≤ 120 KB of HTML and the same
number of SQL statements as at 6."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.factories import Factory
from tests.pages.conftest import Visitor
from tests.workshops.test_query_counts import counting
from tests.workshops.workbench_data import big_workshop
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, AspectStatus, Workshop


class Read:
    """Fresh reads after requests (the test's objects are detached by then)."""

    def __init__(self, s) -> None:  # type: ignore[no-untyped-def]
        self.tid, self.wid, self.uid = s.tenant.id, s.id, s.facilitator.id

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.scope = tenant_scope(self.tid)
        self.scope.__enter__()
        return db.get(User, self.uid), db.get(Workshop, self.wid)

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.scope.__exit__(*exc)

    def open_ids(self) -> list[int]:
        with self as (me, w):
            return [a.id for a in ws.ledger(me, w).aspects if a.status == AspectStatus.OPEN]


def _page(s) -> str:  # type: ignore[no-untyped-def]
    return f"/{s.tenant.slug}/workshops/{s.id}/vision"


def test_a_facilitator_decides_everything_without_typing_a_passage(
    app: Flask, make: Factory
) -> None:
    s = make.workshop(phase="plenary", participants=4)
    slug, wid, page = s.tenant.slug, s.id, _page(s)
    read = Read(s)
    with s.scope():
        proposal = ws.plenary_overview(s.facilitator, s.workshop).proposals[0].proposal
        pid = proposal.id
    email = s.facilitator.email
    moderator = Visitor(app, email)
    html = moderator.html(page)
    assert "Vorschläge der Paare in den Text einfügen" in html
    moderator.post(
        f"/{slug}/workshops/{wid}/vision/einfuegen",
        {"proposal_id": pid, "base_version": 0},
        status=302,
    )
    with read as (me, w):
        text = ws.vision_draft(me, w).text
        assert text.startswith("Gemeinsamer Vorschlag 1")
        assert [i.pair_number for i in ws.insertions(me, w)] == [1]
    html = moderator.html(page)
    assert "Eingefügt: Vorschlag von Paar 1" in html
    # a stale base version: 409, nothing appended twice
    moderator.post(
        f"/{slug}/workshops/{wid}/vision/einfuegen",
        {"proposal_id": pid, "base_version": 0},
        status=409,
    )
    # suggested passage: one click
    match = re.search(r'name="suggest" value="(\d+):(\d+):(\d+)"', html)
    assert match, "no suggested passage"
    moderator.post(
        f"/{slug}/workshops/{wid}/aspekte", {"suggest": match.group(0).split('"')[-2]}, status=302
    )
    with read:
        first = db.get(Aspect, int(match.group(1)))
        assert first.status == AspectStatus.TAKEN_UP and first.passage in text
    # several with one passage (as a selection would fill it); a wrong one: 422, kept
    open_ids = read.open_ids()
    wrong = moderator.post(
        f"/{slug}/workshops/{wid}/aspekte",
        {"action": "take_up", "passage": "Drohnen über dem Dorf", "a": open_ids[:3]},
        status=422,
    ).get_data(as_text=True)
    assert "Diese Stelle steht (noch) nicht im Visionstext." in wrong
    assert "Drohnen über dem Dorf" in wrong
    assert wrong.count(" checked") >= 3
    moderator.post(
        f"/{slug}/workshops/{wid}/aspekte",
        {"action": "take_up", "passage": "Wir leben gut vernetzt", "a": open_ids[:3]},
        status=302,
    )
    html = moderator.html(page)
    assert "Vorgeschlagene Gruppen" in html
    key = re.search(r'name="key" value="([\d-]+)"', html).group(1)
    moderator.post(
        f"/{slug}/workshops/{wid}/gruppenvorschlag", {"action": "dismiss", "key": key}, status=302
    )
    assert f'value="{key}"' not in moderator.html(page)
    # kept in the database, not in the session: a fresh login does not get it back either
    assert f'value="{key}"' not in Visitor(app, email).html(page)
    # filters work without JavaScript
    only_open = moderator.html(page + "?status=open")
    assert "Aufgenommen: „" not in only_open.split('id="wb-rows"')[1]
    rest = read.open_ids()
    moderator.post(
        f"/{slug}/workshops/{wid}/aspekte",
        {"action": "set_aside", "reason": "Steht schon im Leitbild.", "a": rest},
        status=302,
    )
    html = moderator.html(page)
    assert "Alle Aspekte sind entschieden." in html
    assert "Weiter: Text einfrieren und zur Bestätigung geben" in html


def test_participants_see_the_ledger_without_any_decision_form(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="plenary", participants=4)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "V", "Glasfaser für alle.", 0)
    page, email, slug, wid = _page(s), s.participants[0].email, s.tenant.slug, s.id
    html = Visitor(app, email).html(page)
    assert 'id="wb-rows"' in html
    for form_bit in ('name="suggest"', 'id="ledger"', "einfuegen", "gruppenvorschlag"):
        assert form_bit not in html
    Visitor(app, email).post(
        f"/{slug}/workshops/{wid}/aspekte",
        {"action": "set_aside", "reason": "x", "aspect_ids": [1]},
        status=403,
    )


def _measure(app: Flask, make: Factory, participants: int) -> tuple[int, int]:
    s = big_workshop(make, participants)
    page = _page(s)
    moderator = Visitor(app, s.facilitator.email)
    moderator.html(page)  # suggestions computed once (cached per process)
    db.expire_all()
    with counting() as statements:
        html = moderator.html(page)
    assert "Vorgeschlagene Gruppen" in html and 'name="suggest"' in html
    import os

    if os.environ.get("WB_DUMP"):
        with open(os.environ["WB_DUMP"], "w") as out:
            out.write(html)
    return len(html.encode()), len(statements)


def test_the_workbench_stays_small_and_its_statements_constant(app: Flask, make: Factory) -> None:
    _small_size, small = _measure(app, make, 6)
    size, large = _measure(app, make, 40)
    assert small == large, f"6 participants: {small} statements, 40: {large}"
    assert size <= 120_000, f"{size} bytes at 40 participants"


def test_groups_on_the_page_take_up_reopen_ungroup_and_dissolve(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="plenary", participants=4)
    read = Read(s)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "V", TEXT, 0)
        db.commit()
        glasfaser = [
            a.id
            for a in ws.ledger(s.facilitator, s.workshop).aspects
            if a.label == "Glasfaser für alle"
        ]
    url, page = f"/{s.tenant.slug}/workshops/{s.id}/aspekte", _page(s)
    moderator = Visitor(app, s.facilitator.email)
    moderator.post(url, {"action": "group", "label": "Netz", "a": glasfaser}, status=302)
    html = moderator.html(page)
    gid = int(re.search(r'name="group_ids" value="(\d+)"', html).group(1))
    # the group's suggested passage: one click takes up all four
    found = re.search(rf'name="suggest" value="(g{gid}:\d+:\d+)"', html)
    assert found, "no suggested passage for the group"
    value = found.group(1)
    moderator.post(url, {"suggest": value}, status=302)
    assert not set(glasfaser) & set(read.open_ids())
    moderator.post(url, {"action": "reopen", "group_ids": [gid]}, status=302)
    assert set(glasfaser) <= set(read.open_ids())
    moderator.post(url, {"action": "ungroup", "a": glasfaser[:3]}, status=302)
    with read as (me, w):
        assert ws.ledger(me, w).groups == []  # one member left: the group dissolved
    moderator.post(url, {"action": "group", "label": "Netz", "a": glasfaser}, status=302)
    gid = int(re.search(r'name="group_ids" value="(\d+)"', moderator.html(page)).group(1))
    moderator.post(url, {"dissolve": gid}, status=302)
    with read as (me, w):
        assert ws.ledger(me, w).groups == []
    moderator.post(url, {"action": "nonsense"}, status=422)


TEXT = "Unsere Gemeinde ist 2035 digital und nah. Glasfaser für alle macht das möglich."


def test_passages_over_the_page_budget_come_on_request(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("visionswerk.platform.workshops.workbench_views.PAGE_BUDGET", 1)
    s = make.workshop(phase="plenary", participants=4)
    text = (
        f"Glasfaser für alle ist verlegt (Fassung {s.id}). Jede Idee von allen zählt. "
        "Vorschlag 1 und Vorschlag 2 stehen im Text."
    )  # a text of this test only: its passages are not known to the process yet
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "V", text, 0)
        db.commit()
    page = _page(s)
    moderator = Visitor(app, s.facilitator.email)
    html = moderator.html(page)
    assert 'id="wb-more-hints"' in html
    shown = html.count('name="suggest" value="')
    json = {"Accept": "application/json"}
    more = moderator.client.get(page + "/vorschlaege", headers=json)
    rows = more.get_json()["rows"]
    assert more.status_code == 200 and len(rows) > shown
    assert all(b.startswith(' <button name="suggest" value="' + i + ":") for i, b in rows.items())
    # without JavaScript the link leads back to the page, which now shows them all
    back = moderator.get(page + "/vorschlaege?status=open", status=302)
    assert back.headers["Location"].endswith("/vision?status=open#aspekte")
    html = moderator.html(page)
    assert 'id="wb-more-hints"' not in html
    assert html.count('name="suggest" value="') >= len(rows)
    # the buttons are the facilitator's; another tenant's people: 404 (cross-tenant walk)
    participant = Visitor(app, s.participants[0].email)
    assert participant.client.get(page + "/vorschlaege", headers=json).get_json() == {"rows": {}}
