"""The workshop protocol names every action in words and who did it (a signatory by
link by the name and function they recorded), and no page of a workshop in signing or
adopted shows a time in UTC."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask

from tests.pages.conftest import Visitor, text_of
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.platform.workshops import helpers
from visionswerk.tenants import audit
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

SRC = Path(__file__).parents[2] / "src" / "visionswerk"
RECORD = re.compile(r"audit\.record\(\s*[^,]+,\s*[^,]+,\s*\"([a-z_]+\.[a-z_]+)\"", re.S)


def protocol(html: str) -> str:
    start = html.index('id="log-heading"')
    return text_of(html[start : html.index("</section>", start)])


def sign_by_link(setup) -> None:  # type: ignore[no-untyped-def]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        _, token = ws.add_signatory(
            setup.facilitator, w, name="Erika Muster", function="Bürgermeisterin"
        )
        assert token is not None
        ws.sign_with_token(token, ws.current_version(w).sha256)
        dbmod.commit()


def test_every_recorded_action_has_a_label() -> None:
    actions = {m for path in SRC.rglob("*.py") for m in RECORD.findall(path.read_text())}
    assert {"workshop.set_parent", "vision.sign", "workshop.move"} <= actions  # the scan works
    assert sorted(actions - set(helpers.AUDIT_LABELS)) == []


def test_the_protocol_shows_labels_and_the_recorded_name_of_a_link_signatory(
    make, app: Flask
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="signing", participants=2)
    sign_by_link(setup)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        audit.record(setup.facilitator, setup.tenant.id, "workshop.set_parent", w)
        audit.record(setup.facilitator, setup.tenant.id, "workshop.some_future_action", w)
        dbmod.commit()
    base = f"/{setup.tenant.slug}/workshops/{setup.id}/"
    log = protocol(Visitor(app, setup.facilitator.email).html(base))
    assert "Übergeordnete Vision gewählt" in log and "Unterschrieben" in log
    assert "Sonstige Änderung" in log  # an action without a label: words, not its key
    assert "Erika Muster, Bürgermeisterin" in log
    assert "jemand mit Link" not in log
    assert re.search(r"\b[a-z]+\.[a-z_]+\b", log) is None, log  # no raw key anywhere
    assert "UTC" not in log and " Uhr" in log

    facilitator = db.get(type(setup.facilitator), setup.facilitator.id)
    facilitator.locale = "en"
    dbmod.commit()
    english = protocol(Visitor(app, setup.facilitator.email).html(base))
    assert "Parent vision chosen" in english and "Other change" in english
    assert "Erika Muster, Bürgermeisterin" in english


@pytest.mark.parametrize("phase", ["signing", "adopted"])
def test_no_page_of_a_late_workshop_shows_utc(make, app: Flask, phase: str) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase=phase, participants=2)
    emails = [p.email for p in (setup.facilitator, *setup.participants)]
    slug, base = setup.tenant.slug, f"/{setup.tenant.slug}/workshops/{setup.id}"
    if phase == "signing":
        sign_by_link(setup)
    with setup.scope():
        version_id = ws.current_version(db.get(Workshop, setup.id)).id
    pages = [f"{base}/{p}" for p in ("", "alle", "vision", "bestaetigung", "beschlossen")]
    pages += [f"{base}/berichte", f"/{slug}/berichte", f"/{slug}/visionen/{version_id}"]
    shown = 0
    for address in emails:
        visitor = Visitor(app, address)
        for url in pages:
            response = visitor.get(url, status=None)
            if response.status_code != 200:
                continue
            shown += 1
            text = text_of(response.get_data(as_text=True))
            assert "UTC" not in text, (address, url)
    assert shown >= len(pages)  # most pages answered, so the check read real pages


def test_a_day_shown_as_a_date_is_the_local_day(make, app: Flask) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    facilitator, slug = setup.facilitator.email, setup.tenant.slug
    with setup.scope():
        version = ws.current_version(db.get(Workshop, setup.id))
        version.adopted_at = dt.datetime(2031, 12, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 in Bavaria
        dbmod.commit()
    page = text_of(Visitor(app, facilitator).html(f"/{slug}/visionen"))
    assert "01.01.2032" in page and "31.12.2031" not in page
