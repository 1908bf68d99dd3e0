"""Adapted steps on the pages (issue 14): the facilitator chooses the group size for
step 2 when creating a workshop or in its settings; everybody reads it with its
remainder rule; the pairing page, the group page and the workbench name the groups by
their size; a wrong size is a 422 beside the field, a change after step 1 a 409."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from visionswerk.db import db
from visionswerk.tenants.models import Role, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Workshop

FOURS_RULE = "Es wird zu viert gearbeitet. Bleibt eine Person übrig, wird eine Gruppe zur"


def test_creating_a_workshop_in_fours_and_everyone_reads_the_rule(
    app: Flask, make: Factory
) -> None:
    tenant = make.municipality(make.region())
    facilitator = make.user(tenant, Role.FACILITATOR)
    person = make.user(tenant, Role.PARTICIPANT)
    make.commit()
    visitor = Visitor(app, facilitator.email)
    form = text_of(visitor.html(f"/{tenant.slug}/workshops/neu"))
    assert "In Schritt 2 arbeiten die Teilnehmenden" in form
    assert "zu zweit (Paare, wie in der Methode 1-2-alle)" in form and FOURS_RULE in form
    refused = visitor.post(
        f"/{tenant.slug}/workshops/neu", {"title": "Jugend 2035", "group_size": "7"}, 422
    )
    assert "zu zweit, zu dritt oder zu viert" in text_of(refused.get_data(as_text=True))
    with tenant_scope(tenant.id):
        assert db.scalar(select(Workshop)) is None
    done = visitor.post(
        f"/{tenant.slug}/workshops/neu",
        {"title": "Jugend 2035", "group_size": "4", "participant_ids": [str(person.id)]},
        302,
    )
    with tenant_scope(tenant.id):
        w = db.scalar(select(Workshop))
        assert w is not None and w.group_size == 4
    overview = text_of(Visitor(app, person.email).html(done.headers["Location"]))
    assert "2 Arbeit zu viert" in overview and FOURS_RULE in overview


def test_the_settings_change_the_size_until_step_1_ends(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=4)
    url = f"/{s.tenant.slug}/workshops/{s.id}/einstellungen"
    visitor = Visitor(app, s.facilitator.email)
    visitor.post(url, {"title": s.workshop.title, "group_size": "3"}, 302)
    with s.scope():
        w = db.get(Workshop, s.id)
        assert w is not None and w.group_size == 3
        for p in s.participants:
            ws.save_draft(db.get(User, p.id), w, keywords=["Dorfladen"], text="", submit=True)
        ws.open_pairs(db.get(User, s.facilitator.id), w, seed=3)
        db.commit()
    page = text_of(visitor.html(url))
    assert "Schritt 2: Schritt 2: Arbeit zu dritt" not in page
    assert "Schritt 2: Arbeit zu dritt" in page and "Es wird zu dritt gearbeitet" in page
    visitor.post(url, {"group_size": "2"}, 302)  # not sent to the service after step 1
    with s.scope():
        db.expire_all()
        assert db.get(Workshop, s.id).group_size == 3
    pairing = text_of(visitor.html(f"/{s.tenant.slug}/workshops/{s.id}/paare"))
    assert "Vierergruppe 1" in pairing  # 4 people in trios: one group of four
    assert "Gruppen bestätigen und Schritt 2 beginnen" in pairing


def test_a_group_of_four_reads_its_page_as_four(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="pairs", participants=8, group_size=4)
    slug = s.tenant.slug
    with s.scope():
        pair = db.scalars(select(Pair).where(Pair.workshop_id == s.id)).first()
        assert pair is not None and len(pair.members) == 4
        pair_id, email = pair.id, db.get(User, pair.members[0].user_id).email
    visitor = Visitor(app, email)
    page = text_of(visitor.html(f"/{slug}/paare/{pair_id}"))
    assert "Schritt 2: Arbeit zu viert – unsere Vierergruppe" in page
    assert "Die Entwürfe Ihrer Gruppe" in page and "Dreiergruppe" not in page
    tasks = text_of(visitor.html("/aufgaben"))
    assert "Rückmeldung zu 3 Entwürfen Ihrer Gruppe geben" in tasks


def test_the_workbench_names_groups_of_four(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="plenary", participants=8, group_size=4)
    page = text_of(
        Visitor(app, s.facilitator.email).html(f"/{s.tenant.slug}/workshops/{s.id}/vision")
    )
    assert "Vorschläge der Gruppen in den Text einfügen" in page
    assert "Vierergruppe 1" in page and "Paar 1" not in page
