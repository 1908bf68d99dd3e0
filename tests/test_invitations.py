"""Invitations: the link in the email adds its holder to a tenant with a role — once,
before it expires, stored only as a hash; and only people who may invite a role can."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from tests.conftest import Mailbox, form_post
from tests.factories import PASSWORD, Factory
from tests.pages.conftest import Visitor, url_of
from visionswerk.db import Base, db, utcnow
from visionswerk.tenants.models import Invitation, Membership, Role, Tenant, User

NEW_PASSWORD = "mein-eigenes-passwort"


def invite(client: FlaskClient, slug: str, email: str, role: str):  # type: ignore[no-untyped-def]
    return form_post(client, f"/{slug}/einladungen", {"email": email, "role": role})


def invitations() -> list[Invitation]:
    return list(db.scalars(select(Invitation).execution_options(all_tenants=True)))


def membership(email: str, tenant_id: int) -> Membership | None:
    return db.scalar(
        select(Membership).join(User).where(User.email == email, Membership.tenant_id == tenant_id)
    )


def login(client: FlaskClient, email: str) -> None:
    """Log in by email (ORM objects from the factory are detached by every request)."""
    response = form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    assert response.status_code == 302


def tenant(ident: int) -> Tenant:
    found = db.get(Tenant, ident)
    assert found is not None
    return found


def the_link(outbox: Mailbox) -> str:
    [link] = outbox.links()
    assert outbox.html_links() == [link]  # the HTML part carries the same link
    return link.removeprefix("http://localhost")


class Town:
    """A municipality in a region, with a facilitator; plain values only."""

    def __init__(self, make: Factory) -> None:
        region = make.region("ILE Musterland")
        town = make.municipality(region, "Gemeinde Musterhausen")
        self.slug, self.id = town.slug, town.id
        self.region_slug, self.region_id = region.slug, region.id
        self.facilitator = make.user(town, "facilitator", display_name="Moritz Moderator").email


@pytest.fixture()
def town(make: Factory) -> Town:
    return Town(make)


def test_invited_newcomer_creates_a_pseudonymous_account_and_joins(
    app: Flask, client: FlaskClient, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    response = invite(client, town.slug, "Neu@Example.org", "participant")
    assert response.status_code == 302

    [mail] = outbox.messages()
    assert mail["To"] == "neu@example.org"
    assert mail["Subject"] == "Einladung zu Visionswerk – Gemeinde Musterhausen"
    link = the_link(outbox)
    assert link.startswith(f"/{town.slug}/einladung/")

    guest = app.test_client()
    page = guest.get(link)
    assert page.status_code == 200
    assert "neu@example.org" in page.get_data(as_text=True)
    response = form_post(
        guest,
        link,
        {"display_name": "Sonnenblume", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{town.slug}/"

    user = db.scalar(select(User).where(User.email == "neu@example.org"))
    assert user is not None and user.display_name == "Sonnenblume"
    m = membership("neu@example.org", town.id)
    assert m is not None and m.role == Role.PARTICIPANT
    [inv] = invitations()
    assert inv.accepted_at is not None and inv.accepted_by_id == user.id
    # logged in right away
    home = guest.get("/")
    assert home.status_code == 200
    assert "Gemeinde Musterhausen" in home.get_data(as_text=True)


def test_registration_errors_keep_what_was_typed_and_create_nothing(
    app: Flask, client: FlaskClient, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    invite(client, town.slug, "neu@example.org", "participant")
    link = the_link(outbox)
    guest = app.test_client()
    response = form_post(
        guest,
        link,
        {"display_name": "Sonnenblume", "password": NEW_PASSWORD, "password_repeat": "anders"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "stimmen nicht überein" in html
    assert 'value="Sonnenblume"' in html
    assert NEW_PASSWORD not in html
    assert db.scalar(select(User).where(User.email == "neu@example.org")) is None
    assert invitations()[0].accepted_at is None


def test_existing_logged_in_user_accepts_with_one_click(
    app: Flask, client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    make.user(email="schon-da@example.org")
    login(client, town.facilitator)
    invite(client, town.slug, "schon-da@example.org", "participant")
    link = the_link(outbox)

    other = app.test_client()
    login(other, "schon-da@example.org")
    page = other.get(link)
    assert page.status_code == 200
    assert "Einladung annehmen" in page.get_data(as_text=True)
    assert membership("schon-da@example.org", town.id) is None  # a GET accepts nothing
    response = form_post(other, link)
    assert response.status_code == 302
    m = membership("schon-da@example.org", town.id)
    assert m is not None and m.role == Role.PARTICIPANT
    assert db.scalar(select(func.count()).select_from(User)) == 2


def test_existing_user_who_is_not_logged_in_is_sent_to_the_login(
    app: Flask, client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    make.user(email="schon-da@example.org")
    login(client, town.facilitator)
    invite(client, town.slug, "schon-da@example.org", "participant")
    link = the_link(outbox)

    guest = app.test_client()
    page = guest.get(link).get_data(as_text=True)
    assert "Melden Sie sich an" in page
    assert "/anmelden?next=" in page
    response = form_post(
        guest,
        f"/anmelden?next={link}",
        {"email": "schon-da@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == link
    assert form_post(guest, link).status_code == 302
    assert membership("schon-da@example.org", town.id) is not None


def test_expired_invitation_is_refused(
    app: Flask, client: FlaskClient, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    invite(client, town.slug, "spaet@example.org", "participant")
    link = the_link(outbox)
    [inv] = invitations()
    inv.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()

    guest = app.test_client()
    page = guest.get(link)
    assert page.status_code == 404
    assert "abgelaufen" in page.get_data(as_text=True)
    response = form_post(
        guest,
        link,
        {"display_name": "Spät", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert response.status_code == 404
    assert db.scalar(select(User).where(User.email == "spaet@example.org")) is None


def test_used_invitation_cannot_be_used_again(
    app: Flask, client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    invite(client, town.slug, "einmal@example.org", "participant")
    link = the_link(outbox)
    first = app.test_client()
    data = {"display_name": "Erste", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    assert form_post(first, link, data).status_code == 302

    second = app.test_client()
    page = second.get(link)
    assert page.status_code == 404
    assert "bereits angenommen" in page.get_data(as_text=True)
    assert form_post(second, link, {**data, "display_name": "Zweite"}).status_code == 404
    # nor can a logged-in user use it a second time
    third = app.test_client()
    login(third, make.user().email)
    assert form_post(third, link).status_code == 404
    assert db.scalar(select(func.count()).where(Membership.tenant_id == town.id)) == 2


def test_token_is_stored_only_as_a_hash(client: FlaskClient, town: Town, outbox: Mailbox) -> None:
    login(client, town.facilitator)
    invite(client, town.slug, "geheim@example.org", "participant")
    token = the_link(outbox).rsplit("/", 1)[1]
    [inv] = invitations()
    assert inv.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # the raw token appears nowhere in the database
    for table in Base.metadata.sorted_tables:
        rows = db.execute(text(f"SELECT * FROM {table.name}")).all()
        assert token not in repr(rows), f"raw invitation token stored in {table.name}"


# --- who may invite which role -----------------------------------------------------------

CASES = [
    # (inviter, where, role, allowed)
    ("participant", "town", "participant", False),
    ("facilitator", "town", "participant", True),
    ("facilitator", "town", "facilitator", False),
    ("coordinator", "town", "participant", True),
    ("coordinator", "town", "facilitator", True),
    ("coordinator", "town", "coordinator", False),
    ("coordinator", "region", "facilitator", True),
    ("coordinator", "region", "coordinator", True),
    ("admin", "region", "coordinator", True),
]


@pytest.mark.parametrize(("inviter", "where", "role", "allowed"), CASES)
def test_who_may_invite_which_role(
    client: FlaskClient,
    make: Factory,
    town: Town,
    outbox: Mailbox,
    inviter: str,
    where: str,
    role: str,
    allowed: bool,
) -> None:
    slug, tenant_id = (
        (town.slug, town.id) if where == "town" else (town.region_slug, town.region_id)
    )
    if inviter == "admin":
        person = make.user(admin=True).email
    elif inviter == "coordinator":
        person = make.user(tenant(town.region_id), "coordinator").email
    else:
        person = make.user(tenant(town.id), inviter).email
    login(client, person)

    response = invite(client, slug, "gast@example.org", role)

    if allowed:
        assert response.status_code == 302
        [inv] = invitations()
        assert (inv.email, inv.role, inv.tenant_id) == ("gast@example.org", Role(role), tenant_id)
        assert len(outbox.messages()) == 1
    else:
        html = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "Berechtigung" in html
        assert "gast@example.org" in html  # what was typed is shown back
        assert invitations() == []
        assert outbox.messages() == []


def test_participant_sees_no_invitation_form(
    client: FlaskClient, make: Factory, town: Town
) -> None:
    login(client, make.user(tenant(town.id), "participant").email)
    html = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert "Einladung senden" not in html


def test_invite_form_offers_only_the_roles_one_may_invite(client: FlaskClient, town: Town) -> None:
    login(client, town.facilitator)
    html = client.get(f"/{town.slug}/").get_data(as_text=True)
    assert 'value="participant"' in html
    assert 'value="facilitator"' not in html
    assert 'value="coordinator"' not in html


def test_bad_email_is_refused_in_german_and_nothing_is_stored(
    client: FlaskClient, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    response = invite(client, town.slug, "keine-adresse", "participant")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "gültige E-Mail-Adresse" in html
    assert 'value="keine-adresse"' in html
    assert invitations() == []
    assert outbox.messages() == []


# --- roles are never downgraded ----------------------------------------------------------


def test_accepting_a_weaker_role_keeps_the_stronger_one(
    app: Flask, client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    person_id = make.user(email="stark@example.org").id
    login(client, town.facilitator)
    invite(client, town.slug, "stark@example.org", "participant")
    link = the_link(outbox)
    # meanwhile the person became a facilitator here
    make.member(db.get(User, person_id), tenant(town.id), Role.FACILITATOR)

    other = app.test_client()
    login(other, "stark@example.org")
    assert form_post(other, link).status_code == 302
    m = membership("stark@example.org", town.id)
    assert m is not None and m.role == Role.FACILITATOR
    assert invitations()[0].accepted_at is not None


def test_accepting_a_stronger_role_upgrades(
    app: Flask, client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    make.user(tenant(town.id), "participant", email="waechst@example.org")
    coordinator = make.user(tenant(town.region_id), "coordinator").email
    login(client, coordinator)
    invite(client, town.slug, "waechst@example.org", "facilitator")
    other = app.test_client()
    login(other, "waechst@example.org")
    assert form_post(other, the_link(outbox)).status_code == 302
    m = membership("waechst@example.org", town.id)
    assert m is not None and m.role == Role.FACILITATOR


def test_inviting_a_member_with_the_same_or_a_stronger_role_is_refused(
    client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    make.user(tenant(town.id), "participant", email="dabei@example.org")
    login(client, town.facilitator)
    response = invite(client, town.slug, "dabei@example.org", "participant")
    assert response.status_code == 422
    assert "gehört hier schon" in response.get_data(as_text=True)
    assert invitations() == []
    assert outbox.messages() == []


# --- invitations to a workshop: what the invitee reads, and what the facilitator sees ------


def workshop_with_invite(town: Town, email: str = "neu@example.org") -> tuple[Visitor, int]:
    """The facilitator creates a workshop (question, step-1 deadline) and invites ``email``."""
    moderator = Visitor(town.app, town.facilitator)
    response = moderator.post(
        f"/{town.slug}/workshops/neu",
        {
            "title": "Musterhausen 2035",
            "guiding_question": "Wie leben wir 2035 in Musterhausen?",
            "deadline_individual": "2030-06-12T18:00",
            "invite_emails": email,
        },
        status=302,
    )
    return moderator, int(url_of(response).rstrip("/").rsplit("/", 1)[1])


def test_a_workshop_invitation_says_what_who_and_until_when(
    app: Flask, town: Town, outbox: Mailbox
) -> None:
    town.app = app
    _moderator, wid = workshop_with_invite(town)
    [mail] = outbox.messages()
    assert mail["Subject"] == "Einladung zum Workshop „Musterhausen 2035“ – Gemeinde Musterhausen"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Moritz Moderator lädt Sie zum Workshop „Musterhausen 2035“ ein" in part
        assert "Wie leben wir 2035 in Musterhausen?" in part
        assert "12. Juni 2030, 18:00" in part  # German local time, not UTC
        assert "UTC" not in part and "nach Gemeinde" not in part and "in Gemeinde" not in part

    guest = Visitor(app)
    page = guest.html(the_link(outbox))
    for seen in (
        "Einladung zum Workshop „Musterhausen 2035“",
        "Wie leben wir 2035 in Musterhausen?",
        "12. Juni 2030, 18:00",
        "Moritz Moderator",
        "Gemeinde Musterhausen",
    ):
        assert seen in page
    response = guest.post(
        the_link(outbox),
        {"display_name": "Sonnenblume", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
        status=302,
    )
    assert url_of(response) == f"/{town.slug}/workshops/{wid}/"  # straight to the workshop
    welcome = guest.follow(response)
    assert "Willkommen! Sie nehmen jetzt am Workshop „Musterhausen 2035“ teil." in welcome


def test_open_invitations_show_on_the_workshop_page_to_those_who_run_it(
    app: Flask, make: Factory, town: Town, outbox: Mailbox
) -> None:
    town.app = app
    member = make.user(tenant(town.id), Role.PARTICIPANT).email  # joins at once
    moderator, wid = workshop_with_invite(town, f"neu@example.org\n{member}")
    page = moderator.html(f"/{town.slug}/workshops/{wid}/")
    assert "Eingeladen, noch nicht angenommen" in page and "neu@example.org" in page
    assert "Erneut senden" in page and "Zurückziehen" in page
    assert "neu@example.org" not in Visitor(app, member).html(f"/{town.slug}/workshops/{wid}/")


def test_resending_makes_a_new_link_and_the_old_one_stops(
    app: Flask, town: Town, outbox: Mailbox
) -> None:
    town.app = app
    moderator, wid = workshop_with_invite(town)
    old_link = the_link(outbox)
    [inv] = invitations()
    inv_id = inv.id
    inv.expires_at = utcnow() - dt.timedelta(days=1)  # expired: re-sending is what helps
    db.commit()
    assert "abgelaufen am" in moderator.html(f"/{town.slug}/workshops/{wid}/")
    outbox.clear()
    response = moderator.post(
        f"/{town.slug}/einladungen/{inv_id}/erneut", {"workshop_id": str(wid)}, status=302
    )
    assert url_of(response) == f"/{town.slug}/workshops/{wid}/#einladungen"
    new_link = the_link(outbox)
    assert new_link != old_link
    guest = Visitor(app)
    guest.get(old_link, status=404)
    assert "Musterhausen 2035" in guest.html(new_link)
    [inv] = invitations()
    assert inv.expires_at > utcnow()


def test_withdrawing_ends_the_link_and_the_workshop_forgets_the_address(
    app: Flask, make: Factory, town: Town, outbox: Mailbox
) -> None:
    town.app = app
    moderator, wid = workshop_with_invite(town)
    link = the_link(outbox)
    [inv] = invitations()
    inv_id = inv.id
    member = Visitor(app, make.user(tenant(town.id), Role.PARTICIPANT).email)
    member.post(f"/{town.slug}/einladungen/{inv_id}/zurueckziehen", status=403)
    moderator.post(
        f"/{town.slug}/einladungen/{inv_id}/zurueckziehen", {"workshop_id": str(wid)}, status=302
    )
    assert invitations() == []
    Visitor(app).get(link, status=404)
    from visionswerk.tenants.scoping import tenant_scope
    from visionswerk.workshops.models import Workshop

    with tenant_scope(town.id):
        workshop = db.get(Workshop, wid, populate_existing=True)
        assert workshop is not None and workshop.invited_emails == []
    moderator.html(f"/{town.slug}/workshops/{wid}/")  # the flash is shown once
    assert "neu@example.org" not in moderator.html(f"/{town.slug}/workshops/{wid}/")


def test_an_accepted_invitation_is_neither_resent_nor_withdrawn(
    app: Flask, client: FlaskClient, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    invite(client, town.slug, "neu@example.org", "participant")
    link = the_link(outbox)
    guest = app.test_client()
    form_post(
        guest,
        link,
        {"display_name": "Neu", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    [inv] = invitations()
    inv_id = inv.id
    assert inv.accepted_at is not None
    assert form_post(client, f"/{town.slug}/einladungen/{inv_id}/erneut").status_code == 409
    assert form_post(client, f"/{town.slug}/einladungen/{inv_id}/zurueckziehen").status_code == 409
    assert len(invitations()) == 1


# --- an invitation belongs to the invited address ----------------------------------------


def test_another_account_with_the_link_is_told_how_to_switch_and_gains_nothing(
    app: Flask, client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    """The finding: a participant of another region who had the link became facilitator."""
    elsewhere = make.municipality(make.region("ILE Anderswo"), "Gemeinde Anderswo")
    stranger = make.user(elsewhere, "participant", email="fremd@example.org").email
    coordinator = make.user(tenant(town.region_id), "coordinator").email
    login(client, coordinator)
    invite(client, town.slug, "moderation-neu@example.org", "facilitator")
    link = the_link(outbox)

    other = app.test_client()
    login(other, stranger)
    page = other.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "Diese Einladung gilt für eine andere E-Mail-Adresse" in html
    assert "moderation-neu@example.org" in html and "fremd@example.org" in html
    assert "Melden Sie sich ab" in html
    assert "Einladung annehmen" not in html
    assert form_post(other, link).status_code == 403  # the one-click accept, refused
    assert membership(stranger, town.id) is None
    [inv] = invitations()
    assert inv.accepted_at is None and inv.accepted_by_id is None

    # "Abmelden und Einladung öffnen": logged out, back on the link, which now offers
    # the account for the invited address
    response = form_post(other, "/abmelden", {"next": link})
    assert response.status_code == 302 and response.headers["Location"] == link
    again = other.get(link).get_data(as_text=True)
    assert "Konto anlegen" in again and "moderation-neu@example.org" in again


def test_the_service_refuses_an_account_with_another_address(
    client: FlaskClient, make: Factory, town: Town, outbox: Mailbox
) -> None:
    from visionswerk.errors import NotAllowed
    from visionswerk.tenants.scoping import tenant_scope
    from visionswerk.tenants.services import accept_invitation

    login(client, town.facilitator)
    invite(client, town.slug, "eingeladen@example.org", "participant")
    token = the_link(outbox).rsplit("/", 1)[1]
    someone = make.user(email="jemand@example.org")
    invited = make.user(email="eingeladen@example.org")
    with tenant_scope(town.id):
        with pytest.raises(NotAllowed):
            accept_invitation(tenant(town.id), token, someone)
        assert invitations()[0].accepted_at is None
        assert membership("jemand@example.org", town.id) is None
        invited.email = "Eingeladen@Example.org"  # the same address in any case
        assert accept_invitation(tenant(town.id), token, invited).role == Role.PARTICIPANT


def test_registering_from_the_link_uses_the_invited_address_not_a_typed_one(
    app: Flask, client: FlaskClient, town: Town, outbox: Mailbox
) -> None:
    login(client, town.facilitator)
    invite(client, town.slug, "postfach@example.org", "participant")
    link = the_link(outbox)
    guest = app.test_client()
    response = form_post(
        guest,
        link,
        {
            "email": "andere@example.org",  # not a field of the form: ignored
            "display_name": "Neu",
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert db.scalar(select(User).where(User.email == "andere@example.org")) is None
    assert membership("postfach@example.org", town.id) is not None
