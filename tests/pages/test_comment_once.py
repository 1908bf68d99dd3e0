"""A comment sent twice — a double click on "Kommentieren", the form sent again — is one
comment; another text, or the same text later, is a new one."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor
from visionswerk.db import db
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import plenary
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Comment


def _comments(proposal_id: int) -> list[str]:
    return list(db.scalars(select(Comment.text).where(Comment.proposal_id == proposal_id)))


def test_the_same_comment_sent_twice_is_kept_once(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=4)
    with setup.scope():
        pid = ws.plenary_overview(setup.facilitator, setup.workshop).proposals[0].proposal.id
        url = f"/{setup.tenant.slug}/vorschlaege/{pid}/kommentar"
        emails = [p.email for p in setup.participants[:2]]
        tenant_id = setup.tenant.id
    person, other = Visitor(app, emails[0]), Visitor(app, emails[1])

    first = person.post(url, {f"c{pid}-text": "Das Bürgerbüro online – gut!"}, 302)
    second = person.post(url, {f"c{pid}-text": "Das Bürgerbüro online – gut!"}, 302)

    assert first.headers["Location"] == second.headers["Location"]
    assert "Ihr Kommentar ist gespeichert." in person.html(second.headers["Location"])
    with tenant_scope(tenant_id):
        assert _comments(pid) == ["Das Bürgerbüro online – gut!"]
    # another text is another comment; the same text from someone else, too
    person.post(url, {f"c{pid}-text": "Und der Dorfladen?"}, 302)
    other.post(url, {f"c{pid}-text": "Und der Dorfladen?"}, 302)
    with tenant_scope(tenant_id):
        assert len(_comments(pid)) == 3


def test_the_same_text_later_is_a_new_comment(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=4)
    with setup.scope():
        proposal = ws.plenary_overview(setup.facilitator, setup.workshop).proposals[0].proposal
        person = setup.participants[0]
        first = ws.add_comment(person, proposal, "Ja!")
        assert ws.add_comment(person, proposal, "Ja!") is first
        first.created_at -= plenary.SAME_COMMENT + dt.timedelta(seconds=1)
        db.flush()
        again = ws.add_comment(person, proposal, "Ja!")
        assert again is not first
        assert _comments(proposal.id) == ["Ja!", "Ja!"]
