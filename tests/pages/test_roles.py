"""Who may do what through the pages: participants and coordinators cannot move phases or
run the facilitator's controls (403, nothing changed); a facilitator's move that a guard
refuses shows the German reason on the page (409, nothing changed)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from tests.test_security import snapshot
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.workshops.models import Aspect, Pair


def _ids(setup) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with setup.scope():
        pair = db.scalar(select(Pair.id).where(Pair.workshop_id == setup.id))
        aspect = db.scalar(select(Aspect.id).where(Aspect.workshop_id == setup.id))
    return {"pair": pair or 0, "aspect": aspect or 0}


# (phase the workshop is in, facilitator-only request): every one answers 403 to others
FACILITATOR_ONLY = [
    ("individual", "POST", "{w}/schritt", {"to": "pairs"}),
    ("preparation", "POST", "{w}/schritt", {"to": "individual"}),
    ("plenary", "POST", "{w}/schritt", {"to": "signing"}),
    ("signing", "POST", "{w}/schritt", {"to": "adopted"}),
    ("individual", "GET", "{w}/einstellungen", {}),
    ("individual", "POST", "{w}/einstellungen", {"title": "Übernommen"}),
    ("individual", "POST", "{w}/teilnehmende/entfernen", {"user_id": "{p1}"}),
    ("pairs", "POST", "{w}/paare/bestaetigen", {}),
    ("pairs", "POST", "{w}/paare/neu", {"seed": "3"}),
    ("pairs", "POST", "{w}/paare/tauschen", {"user_a": "{p0}", "user_b": "{p1}"}),
    ("plenary", "POST", "{w}/vision", {"title": "Meins", "text": "Meins", "base_version": "0"}),
    ("plenary", "POST", "/{slug}/aspekte/{aspect}", {"action": "set_aside", "reason": "weg"}),
    ("signing", "POST", "{w}/unterzeichnende", {"kind": "person", "name": "Jemand"}),
    ("plenary", "POST", "{w}/aspekte", {"action": "set_aside", "reason": "weg", "a": "{aspect}"}),
    ("plenary", "POST", "{w}/vision/einfuegen", {"pick": "{aspect}", "base_version": "0"}),
    ("plenary", "POST", "{w}/gruppenvorschlag", {"action": "accept", "a": "{aspect}"}),
    ("plenary", "POST", "{w}/gruppenvorschlag", {"action": "dismiss", "key": "1-2"}),
]


@pytest.mark.parametrize("who", ["participant", "coordinator"])
@pytest.mark.parametrize(("phase", "method", "path", "data"), FACILITATOR_ONLY)
def test_only_the_facilitator_runs_the_workshop(
    app: Flask,
    make: Factory,
    who: str,
    phase: str,
    method: str,
    path: str,
    data: dict[str, str],
) -> None:
    region = make.region()
    town = make.municipality(region)
    setup = make.workshop(town, phase=phase, participants=2, confirmed=False)
    people = [p.id for p in setup.participants]
    email = (
        setup.participants[0].email
        if who == "participant"
        else make.user(region, Role.COORDINATOR).email
    )
    ids = _ids(setup)
    fill = {
        "w": f"/{town.slug}/workshops/{setup.id}",
        "slug": town.slug,
        "p0": people[0],
        "p1": people[1],
        "aspect": ids["aspect"],
    }
    url = path.format(**fill)
    form = {k: v.format(**fill) for k, v in data.items()}
    visitor = Visitor(app, email, who)
    before = snapshot()
    response = visitor.get(url, status=None) if method == "GET" else visitor.post(url, form)
    # a coordinator may not even see the ledger's aspects: for them they do not exist
    expected = 404 if who == "coordinator" and "/aspekte/" in url else 403
    assert response.status_code == expected, (url, response.status_code)
    if expected == 403:
        assert "Kein Zugriff" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_refused_move_shows_why_and_changes_nothing(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=3)
    slug, wid = setup.tenant.slug, setup.id
    facilitator = Visitor(app, setup.facilitator.email)
    before = snapshot()
    page = facilitator.post(f"/{slug}/workshops/{wid}/schritt", {"to": "pairs"}, status=409)
    html = page.get_data(as_text=True)
    assert "Es braucht mindestens zwei eingereichte Entwürfe, um Paare zu bilden." in html
    assert 'role="alert"' in html
    assert snapshot() == before
    # a move that does not exist from here
    page = facilitator.post(f"/{slug}/workshops/{wid}/schritt", {"to": "adopted"}, status=409)
    assert "Dieser Schritt ist von hier aus nicht möglich." in page.get_data(as_text=True)
    assert snapshot() == before


def test_the_overview_marks_the_current_step_in_words(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="pairs", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    participant = Visitor(app, setup.participants[0].email)
    html = participant.html(f"/{slug}/workshops/{wid}/")
    current = html.split('aria-current="step"', 1)[1].split("</li>", 1)[0]
    assert "2 Arbeit zu zweit" in current and "jetzt" in current
    assert html.count('aria-current="step"') == 1
    text = text_of(html)
    assert "1 Einzelarbeit erledigt" in text and "3 Alle zusammen noch nicht" in text
    assert "Moderation: nächster Schritt" not in html  # no controls for participants
