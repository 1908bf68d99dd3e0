"""The plenary page writes each card's two fields (a strength's note, a comment) itself,
from the empty forms' labels, instead of rendering two WTForms forms per card: the HTML
must stay exactly what the declared forms render, and a card sent back with an error gets
the form with its error."""

from __future__ import annotations

import re

from flask import Flask, render_template_string

from tests.factories import Factory
from tests.pages.conftest import Visitor
from visionswerk.platform.workshops.forms import CommentForm, StrengthForm
from visionswerk.workshops import services as ws

FIELD = '{% from "_forms.html" import field %}{{ field(f) }}'


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def _field_div(html: str, field_id: str) -> str:
    match = re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?</div>', html, re.S)
    assert match, f"no field {field_id}"
    return _squeezed(match.group(0))


def _setup(make: Factory):  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="plenary", participants=4)
    with setup.scope():
        proposals = ws.plenary_overview(setup.facilitator, setup.workshop).proposals
        pids = [v.proposal.id for v in proposals]
    return setup, pids


def test_the_cards_fields_are_what_the_declared_forms_render(app: Flask, make: Factory) -> None:
    setup, pids = _setup(make)
    slug, wid = setup.tenant.slug, setup.id
    participant = Visitor(app, setup.participants[0].email)
    participant.post(
        f"/{slug}/vorschlaege/{pids[0]}/staerke", {f"s{pids[0]}-note": "<b>Nah</b>"}, 302
    )

    html = participant.html(f"/{slug}/workshops/{wid}/alle")

    with app.test_request_context():
        for pid in pids:
            note = StrengthForm(formdata=None, prefix=f"s{pid}")
            note.note.data = "<b>Nah</b>" if pid == pids[0] else ""
            comment = CommentForm(formdata=None, prefix=f"c{pid}")
            expected_note = _squeezed(render_template_string(FIELD, f=note.note))
            expected_comment = _squeezed(render_template_string(FIELD, f=comment.text))
            assert _field_div(html, f"s{pid}-note") == expected_note
            # WTForms starts a textarea's content with a line break, which browsers drop
            assert _field_div(html, f"c{pid}-text") == expected_comment.replace("\r\n", "")
            assert f'name="s{pid}-csrf_token"' in html and f'name="c{pid}-csrf_token"' in html
    assert "&lt;b&gt;Nah&lt;/b&gt;" in html  # the note, escaped, as the form wrote it


def test_a_card_sent_back_with_an_error_shows_it_and_the_others_do_not(
    app: Flask, make: Factory
) -> None:
    setup, pids = _setup(make)
    slug = setup.tenant.slug
    participant = Visitor(app, setup.participants[1].email)

    response = participant.post(
        f"/{slug}/vorschlaege/{pids[1]}/kommentar", {f"c{pids[1]}-text": " "}, 422
    )

    html = response.get_data(as_text=True)
    errored = _field_div(html, f"c{pids[1]}-text")
    assert 'aria-invalid="true"' in errored and 'class="error"' in errored
    for pid in pids:
        if pid != pids[1]:
            assert "aria-invalid" not in _field_div(html, f"c{pid}-text")
