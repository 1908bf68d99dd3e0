"""Defect 6 of issue 9 and the parent panel in step 1, at page level: the parent is
context; "In meinen Entwurf übernehmen" appears on the draft page once the own draft
has saved content, submits the draft form, keeps the unsaved text with the statement,
and the next save is no conflict with oneself."""

from __future__ import annotations

import re
from types import SimpleNamespace

from tests.conftest import form_post, login
from tests.visions.helpers import based_workshop, make_region
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

STATEMENT = "Bus im Stundentakt"


def _story(client, make):  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual", statements=[STATEMENT])
    person = setup.participants[0]
    login(client, SimpleNamespace(email=person.email))
    return SimpleNamespace(
        slug=town.slug,
        tid=town.id,
        wid=setup.id,
        pid=person.id,
        draft_url=f"/{town.slug}/workshops/{setup.id}/entwurf",
    )


def _draft(story):  # type: ignore[no-untyped-def]
    with tenant_scope(story.tid):
        d = ws.draft_for(db.get(User, story.pid), db.get(Workshop, story.wid))
        return SimpleNamespace(keywords=list(d.keywords), text=d.text, version=d.version)


def _base_version(html: str) -> str:
    match = re.search(r'name="base_version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="base_version"', html
    )
    assert match, "no base_version in the draft form"
    return match.group(1)


def test_the_panel_offers_context_first_and_taking_once_the_own_draft_exists(client, make) -> None:  # type: ignore[no-untyped-def]
    story = _story(client, make)
    html = client.get(story.draft_url).get_data(as_text=True)
    panel = html[html.index('<aside class="parent-panel"') : html.index("</aside>")]
    assert html.index('<aside class="parent-panel"') < html.index("<h1")  # context first
    assert "In unsere Vision eingebettet werden diese Aussagen:" in panel
    chosen = panel[panel.index('<ul class="statements chosen">') : panel.index("</ul>")]
    assert STATEMENT in chosen and "Glasfaser in jedes Haus" not in chosen
    assert "Schreiben Sie zuerst Ihre eigenen Gedanken auf" in panel
    assert "In meinen Entwurf übernehmen" not in panel

    saved = form_post(
        client,
        story.draft_url,
        {"keywords": "Mein Gedanke", "text": "", "base_version": "0", "action": "save"},
    )
    assert saved.status_code == 302
    html = client.get(story.draft_url).get_data(as_text=True)
    assert 'form="entwurf"' in html and "In meinen Entwurf übernehmen" in html
    assert "Schreiben Sie zuerst Ihre eigenen Gedanken auf" not in html


def test_taking_a_statement_keeps_the_unsaved_text_and_causes_no_self_conflict(
    client, make
) -> None:  # type: ignore[no-untyped-def]
    story = _story(client, make)
    form_post(
        client,
        story.draft_url,
        {"keywords": "Gespeichert", "text": "Alt.", "base_version": "0", "action": "save"},
    )
    base = _base_version(client.get(story.draft_url).get_data(as_text=True))
    typed = {
        "keywords": "Gespeichert\nNeu getippt",
        "text": "Noch nicht gespeichert.",
        "base_version": base,
    }
    taken = form_post(
        client,
        f"/{story.slug}/visionen/werkstatt/{story.wid}/uebernehmen",
        {**typed, "statement": STATEMENT},
    )
    assert taken.status_code == 302 and taken.headers["Location"].endswith("/entwurf")
    draft = _draft(story)
    assert draft.keywords == ["Gespeichert", "Neu getippt", STATEMENT]
    assert draft.text == f"Noch nicht gespeichert.\n\n> {STATEMENT}"

    # the page now knows the new version: saving again is no conflict with oneself
    html = client.get(story.draft_url).get_data(as_text=True)
    assert _base_version(html) == str(draft.version)
    again = form_post(
        client,
        story.draft_url,
        {
            "keywords": "\n".join(draft.keywords),
            "text": draft.text + "\n\nUnd noch ein Satz.",
            "base_version": str(draft.version),
            "action": "save",
        },
    )
    assert again.status_code == 302
    assert _draft(story).text.endswith("Und noch ein Satz.")


def test_taking_with_a_stale_form_shows_both_texts_and_loses_nothing(client, make) -> None:  # type: ignore[no-untyped-def]
    story = _story(client, make)
    form_post(
        client,
        story.draft_url,
        {"keywords": "Gespeichert", "text": "Alt.", "base_version": "0", "action": "save"},
    )
    stored = _draft(story)
    response = form_post(
        client,
        f"/{story.slug}/visionen/werkstatt/{story.wid}/uebernehmen",
        {
            "keywords": "Aus einem alten Fenster",
            "text": "Alter Stand.",
            "base_version": "0",
            "statement": STATEMENT,
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert (
        "Alter Stand." in html and f"&gt; {STATEMENT}" in html and "Aus einem alten Fenster" in html
    )
    assert "Alt." in html  # the stored version is shown beside it
    assert _draft(story).version == stored.version and _draft(story).text == "Alt."
