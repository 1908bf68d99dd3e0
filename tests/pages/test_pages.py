"""Smaller promises of the workshop pages: forms keep what was typed, "Meine Aufgaben",
the tenant page's list, single-use signing links and stale hashes, query counts."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import Mailbox
from tests.factories import PASSWORD, Factory
from tests.pages.conftest import Visitor, text_of, url_of
from tests.workshops.test_query_counts import counting
from visionswerk.db import db
from visionswerk.tenants.models import Role, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Participation, Workshop


def workshop_count(tenant_id: int) -> int:
    with tenant_scope(tenant_id):
        return db.scalar(select(func.count()).select_from(Workshop)) or 0


def test_the_create_form_keeps_the_typed_text_on_errors(app: Flask, make: Factory) -> None:
    town = make.municipality(make.region())
    slug, tenant_id = town.slug, town.id
    moderator = Visitor(app, make.user(town, Role.FACILITATOR).email)
    form = moderator.html(f"/{slug}/workshops/neu")
    assert 'placeholder="Wie sieht unsere Kommune im Jahr 2035 aus' in form
    question = "Wie digital ist Oberöd 2035? 🚜"
    page = moderator.post(
        f"/{slug}/workshops/neu",
        {"title": "", "guiding_question": question, "invite_emails": "gut@example.org\nkaputt"},
        status=422,
    ).get_data(as_text=True)
    assert question in page and "kaputt" in page
    assert "Bitte geben Sie einen Titel ein." in page
    assert 'class="error-summary"' in page
    page = moderator.post(
        f"/{slug}/workshops/neu",
        {
            "title": "Oberöd",
            "guiding_question": question,
            "invite_emails": "kaputt",
            "deadline_individual": "2030-05-01T10:00",
            "deadline_pairs": "2030-04-01T10:00",
        },
        status=422,
    ).get_data(as_text=True)
    assert "„kaputt“ ist keine gültige E-Mail-Adresse." in page
    page = moderator.post(
        f"/{slug}/workshops/neu",
        {
            "title": "Oberöd",
            "guiding_question": question,
            "deadline_individual": "2030-05-01T10:00",
            "deadline_pairs": "2030-04-01T10:00",
        },
        status=422,
    ).get_data(as_text=True)
    assert "Die Fristen müssen in der Reihenfolge der Schritte liegen." in page
    assert 'value="2030-04-01T10:00"' in page
    assert workshop_count(tenant_id) == 0


def test_participants_see_their_workshops_and_tasks(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    other = make.workshop(setup.tenant, phase="preparation", participants=1, title="Geheim")
    outsider_email = other.participants[0].email
    email = setup.participants[0].email
    with setup.scope():
        deadline = dt.datetime(2031, 3, 1, 17, 0, tzinfo=dt.UTC)
        ws.update_workshop(setup.facilitator, setup.workshop, deadlines={"individual": deadline})
        db.commit()
    visitor = Visitor(app, email)
    tenant_page = visitor.html(f"/{slug}/")
    assert "Vision-Workshops" in tenant_page and "Unsere Gemeinde 2035" in tenant_page
    assert "Geheim" not in tenant_page  # only the workshops they take part in
    tasks = visitor.html("/aufgaben")
    assert "Ihren Entwurf schreiben und einreichen" in tasks
    assert f"/{slug}/workshops/{wid}/entwurf" in tasks
    assert "Unsere Gemeinde 2035" in text_of(tasks)
    assert "1. März 2031, 18:00" in tasks  # German time (UTC+1 in March)
    assert "Gerade liegt nichts bei Ihnen." in Visitor(app, outsider_email).html("/aufgaben")
    # and a facilitator who does not take part gets no draft page
    Visitor(app, setup.facilitator.email).get(f"/{slug}/workshops/{wid}/entwurf", status=403)


def test_a_pair_member_following_a_mail_link_to_the_pairs_lands_on_their_pair(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="pairs", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    with setup.scope():
        pair_id = db.scalar(select(Pair.id).where(Pair.workshop_id == wid))
    response = Visitor(app, setup.participants[0].email).get(
        f"/{slug}/workshops/{wid}/paare", status=302
    )
    assert url_of(response).endswith(f"/{slug}/paare/{pair_id}")


def test_a_stale_hash_and_a_used_link_are_refused(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="signing", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    with setup.scope():
        _signatory, token = ws.add_signatory(
            setup.facilitator, setup.workshop, name="Gerd Gemeinderat", function="Gemeinderat"
        )
        version = ws.current_version(setup.workshop)
        assert version is not None and token is not None
        sha = version.sha256
        db.commit()
    signer = Visitor(app, setup.participants[0].email)
    page = signer.post(
        f"/{slug}/workshops/{wid}/unterschreiben", {"sha256": "0" * 64, "confirm": "y"}, status=409
    ).get_data(as_text=True)
    assert "nicht mehr die aktuelle Fassung" in page
    unconfirmed = signer.post(
        f"/{slug}/workshops/{wid}/unterschreiben", {"sha256": sha}, status=422
    ).get_data(as_text=True)
    assert "Bitte bestätigen Sie, dass Sie unterschreiben." in unconfirmed
    signer.post(
        f"/{slug}/workshops/{wid}/unterschreiben", {"sha256": sha, "confirm": "y"}, status=302
    )
    guest = Visitor(app)
    link = f"/{slug}/unterschreiben/{token}"
    guest.post(link, {"sha256": "f" * 64, "confirm": "y"}, status=409)
    guest.post(link, {"sha256": sha, "confirm": "y"}, status=200)
    assert "Dieser Link wurde schon benutzt" in guest.html(link, status=410)
    guest.get(f"/{slug}/unterschreiben/erfunden", status=404)
    # a listed member without an account link cannot sign for somebody else
    Visitor(app, setup.participants[1].email).post(
        f"/{slug}/workshops/{wid}/unterschreiben", {"sha256": sha, "confirm": "y"}, status=403
    )


def _statements(app: Flask, make: Factory, participants: int) -> dict[str, int]:
    setup = make.workshop(phase="plenary", participants=participants)
    slug, wid = setup.tenant.slug, setup.id
    with setup.scope():
        for view in ws.plenary_overview(setup.facilitator, setup.workshop).proposals:
            for p in setup.participants[:3]:
                ws.mark_strength(p, view.proposal, "gut")
            ws.add_comment(setup.participants[1], view.proposal, "Kommentar")
        db.commit()
    emails = {"participant": setup.participants[0].email, "facilitator": setup.facilitator.email}
    counts = {}
    for role, email in emails.items():
        visitor = Visitor(app, email, role)
        for page in ("alle", "vision"):
            visitor.html(f"/{slug}/workshops/{wid}/{page}")  # warm up
            with counting() as statements:
                visitor.html(f"/{slug}/workshops/{wid}/{page}")
            counts[f"{page} ({role})"] = len(statements)
    return counts


def test_the_step_3_pages_issue_as_many_statements_for_40_as_for_6(
    app: Flask, make: Factory
) -> None:
    small = _statements(app, make, 6)
    large = _statements(app, make, 40)
    assert large == small, f"6 participants: {small}, 40 participants: {large}"


def test_a_person_invited_by_email_takes_part_once_they_accept(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    town = make.municipality(make.region())
    slug, tenant_id = town.slug, town.id
    moderator = Visitor(app, make.user(town, Role.FACILITATOR).email)
    response = moderator.post(
        f"/{slug}/workshops/neu",
        {"title": "Mit Gästen", "invite_emails": "Neu.Dabei@example.org"},
        status=302,
    )
    wid = int(url_of(response).rstrip("/").rsplit("/", 1)[1])
    (link,) = outbox.links()
    newcomer = Visitor(app)
    path = link.removeprefix("http://localhost")
    newcomer.post(
        path,
        {"display_name": "Neu Dabei", "password": PASSWORD, "password_repeat": PASSWORD},
        status=302,
    )
    with tenant_scope(tenant_id):
        workshop = db.get(Workshop, wid)
        assert workshop is not None and workshop.invited_emails == []
        joined = db.scalars(
            select(User.display_name)
            .join(Participation, Participation.user_id == User.id)
            .where(Participation.workshop_id == wid)
        ).all()
    assert joined == ["Neu Dabei"]
    assert "Ihren Entwurf" not in newcomer.html("/aufgaben")  # still in preparation
    assert "Mit Gästen" in newcomer.html(f"/{slug}/workshops/{wid}/")


def test_settings_change_deadlines_always_and_the_title_only_in_step_1(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="individual", participants=2)
    slug, wid, tenant_id = setup.tenant.slug, setup.id, setup.tenant.id
    moderator = Visitor(app, setup.facilitator.email)
    url = f"/{slug}/workshops/{wid}/einstellungen"
    assert 'value="Unsere Gemeinde 2035"' in moderator.html(url)
    moderator.post(
        url,
        {
            "title": "Neuer Titel",
            "guiding_question": "Neue Frage?",
            "deadline_pairs": "2031-07-01T09:30",
        },
        status=302,
    )
    overview = moderator.html(f"/{slug}/workshops/{wid}/")
    assert "Neuer Titel" in overview and "1. Juli 2031, 09:30" in overview
    with tenant_scope(tenant_id):
        ws.save_draft(
            setup.participants[0], db.get(Workshop, wid), keywords=["a"], text="", submit=True
        )
        ws.save_draft(
            setup.participants[1], db.get(Workshop, wid), keywords=["b"], text="", submit=True
        )
        db.commit()
    moderator.post(f"/{slug}/workshops/{wid}/schritt", {"to": "pairs"}, status=302)
    moderator.post(f"/{slug}/workshops/{wid}/paare/bestaetigen", status=302)
    page = moderator.html(url)
    assert "Titel und Leitfrage lassen sich nur bis zum Ende der Einzelarbeit ändern." in page
    assert 'name="title"' not in page
    moderator.post(url, {"deadline_plenary": "2031-08-01T09:30"}, status=302)
    with tenant_scope(tenant_id):
        w = db.get(Workshop, wid)
        assert w is not None and w.title == "Neuer Titel"
        assert w.deadline_plenary is not None and w.deadline_plenary.hour == 7  # CEST → UTC
        assert w.deadline_pairs is None  # left empty in the form: no deadline any more


def test_the_workshop_list_address_leads_to_the_tenant_page(app: Flask, make: Factory) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    make.workshop(town, title="Oberöd 2036")
    moderator = Visitor(app, make.user(town, Role.FACILITATOR).email)
    response = moderator.get(f"/{slug}/workshops/", status=302)
    assert response.headers["Location"].endswith(f"/{slug}/#workshops-heading")
    assert "Oberöd 2036" in moderator.html(f"/{slug}/")
