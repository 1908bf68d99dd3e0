"""The pages: "Meine Kommunen", the region page, the municipality page, the admin page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Mailbox, form_post
from tests.factories import PASSWORD, Factory
from visionswerk.db import db
from visionswerk.tenants.models import AuditEntry, Invitation, Membership, Role, Tenant, TenantKind


def login(client: FlaskClient, email: str) -> None:
    response = form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    assert response.status_code == 302


def tenant(ident: int) -> Tenant:
    found = db.get(Tenant, ident)
    assert found is not None
    return found


def tenant_count() -> int:
    return db.scalar(select(func.count()).select_from(Tenant)) or 0


def membership_ids(tenant_id: int) -> set[int]:
    return set(db.scalars(select(Membership.id).where(Membership.tenant_id == tenant_id)))


class Musterland:
    """ILE Musterland with Musterhausen and Auental; ILE Nachbarland with Fremdingen.
    Everything as plain values: requests detach the factory's ORM objects."""

    def __init__(self, make: Factory) -> None:
        region = make.region("ILE Musterland")
        town = make.municipality(region, "Gemeinde Musterhausen")
        other_town = make.municipality(region, "Gemeinde Auental")
        neighbour = make.region("ILE Nachbarland")
        foreign_town = make.municipality(neighbour, "Gemeinde Fremdingen")
        self.region_id, self.region_slug = region.id, region.slug
        self.town_id, self.town_slug = town.id, town.slug
        self.other_town_id = other_town.id
        self.neighbour_id = neighbour.id
        self.foreign_town_id = foreign_town.id

        def person(t: Tenant, role: str, name: str) -> tuple[str, int]:
            user = make.user(t, role, display_name=name, email=f"{name.lower()}@example.org")
            return user.email, user.memberships[0].id

        self.coordinator, self.coordinator_m = person(region, "coordinator", "Ilse")
        self.facilitator, self.facilitator_m = person(town, "facilitator", "Moritz")
        self.co_facilitator, self.co_facilitator_m = person(town, "facilitator", "Frieda")
        self.participant, self.participant_m = person(town, "participant", "Sonnenblume")
        self.other_participant, self.other_participant_m = person(town, "participant", "Klee")
        self.admin = make.user(admin=True, email="admin@example.org").email
        self.outsider = make.user(email="draussen@example.org").email


@pytest.fixture()
def land(make: Factory) -> Musterland:
    return Musterland(make)


# --- Meine Kommunen ----------------------------------------------------------------------


def test_meine_kommunen_lists_own_tenants_with_role(client: FlaskClient, land: Musterland) -> None:
    login(client, land.participant)
    html = client.get("/").get_data(as_text=True)
    assert "Meine Kommunen" in html
    assert "Gemeinde Musterhausen" in html
    assert "Teilnahme" in html
    assert "Gemeinde Auental" not in html
    assert "ILE Nachbarland" not in html


def test_meine_kommunen_shows_a_coordinator_the_municipalities_of_the_region(
    client: FlaskClient, land: Musterland
) -> None:
    login(client, land.coordinator)
    html = client.get("/").get_data(as_text=True)
    for name in ("ILE Musterland", "Gemeinde Musterhausen", "Gemeinde Auental"):
        assert name in html
    assert html.count("Koordination (ILE)") == 3  # the region and, derived, both towns
    assert "Gemeinde Fremdingen" not in html
    assert "ILE Nachbarland" not in html


def test_meine_kommunen_with_several_roles(
    client: FlaskClient, make: Factory, land: Musterland
) -> None:
    user = make.user(tenant(land.town_id), "facilitator", email="viele@example.org")
    make.member(user, tenant(land.foreign_town_id), Role.PARTICIPANT)
    login(client, "viele@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "Gemeinde Musterhausen" in html and "Moderation" in html
    assert "Gemeinde Fremdingen" in html and "Teilnahme" in html


def test_meine_kommunen_without_membership(client: FlaskClient, land: Musterland) -> None:
    login(client, land.outsider)
    html = client.get("/").get_data(as_text=True)
    assert "Sie gehören noch keiner Kommune an" in html


# --- the region page ---------------------------------------------------------------------


def test_coordinator_creates_a_municipality(client: FlaskClient, land: Musterland) -> None:
    login(client, land.coordinator)
    page = client.get(f"/{land.region_slug}/").get_data(as_text=True)
    assert "Kommune anlegen" in page
    response = form_post(client, f"/{land.region_slug}/kommunen", {"name": "Markt Beispielbach"})
    assert response.status_code == 302
    created = db.scalar(select(Tenant).where(Tenant.slug == "markt-beispielbach"))
    assert created is not None
    assert (created.name, created.kind, created.parent_id) == (
        "Markt Beispielbach",
        TenantKind.MUNICIPALITY,
        land.region_id,
    )
    assert "Markt Beispielbach" in client.get(f"/{land.region_slug}/").get_data(as_text=True)
    # the coordinator's rights reach the new municipality without a membership
    assert client.get("/markt-beispielbach/").status_code == 200
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "municipality.create")) is None
    # (audit entries are tenant-owned: nothing is visible without a tenant scope)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "   "}, "Bitte geben Sie einen Namen ein."),
        ({"name": "Gemeinde X", "slug": "Groß und Klein!"}, "nur Kleinbuchstaben"),
        ({"name": "Gemeinde X", "slug": "admin"}, "ist hier nicht möglich"),
        ({"name": "Gemeinde Auental 2", "slug": "SLUG-OF-TOWN"}, "ist schon vergeben"),
        ({"name": "Gemeinde Musterhausen"}, "ist schon vergeben"),
    ],
)
def test_bad_municipality_input_is_refused_in_german_and_creates_nothing(
    client: FlaskClient, land: Musterland, data: dict[str, str], message: str
) -> None:
    if data.get("slug") == "SLUG-OF-TOWN":
        data = {**data, "slug": land.town_slug}
    if data["name"] == "Gemeinde Musterhausen":
        # the name's derived slug collides with the existing town's
        data = {**data, "slug": land.town_slug}
    login(client, land.coordinator)
    before = tenant_count()
    response = form_post(client, f"/{land.region_slug}/kommunen", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    if data["name"].strip():
        assert f'value="{data["name"]}"' in html  # nothing typed is lost
    assert tenant_count() == before


@pytest.mark.parametrize(
    ("who", "where", "status"),
    [
        ("facilitator", "region", 404),  # cannot even see the region
        ("coordinator", "town", 403),  # municipalities have no municipalities
        ("admin", "town", 403),
    ],
)
def test_who_may_not_create_municipalities(
    client: FlaskClient, land: Musterland, who: str, where: str, status: int
) -> None:
    login(client, getattr(land, who))
    slug = land.region_slug if where == "region" else land.town_slug
    before = tenant_count()
    response = form_post(client, f"/{slug}/kommunen", {"name": "Gemeinde Neu"})
    assert response.status_code == status
    assert tenant_count() == before


def test_region_participant_sees_the_region_but_cannot_create(
    client: FlaskClient, make: Factory, land: Musterland
) -> None:
    make.user(tenant(land.region_id), "participant", email="region-gast@example.org")
    login(client, "region-gast@example.org")
    html = client.get(f"/{land.region_slug}/").get_data(as_text=True)
    assert "Gemeinde Musterhausen" in html
    assert "Kommune anlegen" not in html
    response = form_post(client, f"/{land.region_slug}/kommunen", {"name": "Gemeinde Neu"})
    assert response.status_code == 403


# --- the municipality page: members ------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "coordinator", "admin"])
def test_members_are_listed_for_facilitator_coordinator_and_admin(
    client: FlaskClient, land: Musterland, who: str
) -> None:
    login(client, getattr(land, who))
    html = client.get(f"/{land.town_slug}/").get_data(as_text=True)
    assert "Mitglieder" in html
    for email in (land.participant, land.other_participant, land.co_facilitator):
        assert email in html
    assert "Sonnenblume" in html and "Klee" in html


def test_participant_sees_no_members_and_no_emails_of_others(
    client: FlaskClient, land: Musterland
) -> None:
    login(client, land.participant)
    response = client.get(f"/{land.town_slug}/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Gemeinde Musterhausen" in html
    assert 'id="members-heading"' not in html
    for email in (land.other_participant, land.facilitator, land.co_facilitator):
        assert email not in html
    assert "Klee" not in html


def test_facilitator_removes_a_participant(client: FlaskClient, land: Musterland) -> None:
    login(client, land.facilitator)
    response = form_post(client, f"/{land.town_slug}/mitglieder/{land.participant_m}/entfernen")
    assert response.status_code == 302
    assert land.participant_m not in membership_ids(land.town_id)
    # the removed participant has no access any more
    gone = client.application.test_client()
    login(gone, land.participant)
    assert gone.get(f"/{land.town_slug}/").status_code == 404


def test_facilitator_cannot_remove_a_facilitator(client: FlaskClient, land: Musterland) -> None:
    login(client, land.facilitator)
    page = client.get(f"/{land.town_slug}/").get_data(as_text=True)
    assert f"/mitglieder/{land.participant_m}/entfernen" in page
    assert f"/mitglieder/{land.co_facilitator_m}/entfernen" not in page
    url = f"/{land.town_slug}/mitglieder/{land.co_facilitator_m}/entfernen"
    response = form_post(client, url)
    assert response.status_code == 403
    assert land.co_facilitator_m in membership_ids(land.town_id)


def test_coordinator_removes_a_facilitator_of_a_municipality(
    client: FlaskClient, land: Musterland
) -> None:
    login(client, land.coordinator)
    url = f"/{land.town_slug}/mitglieder/{land.co_facilitator_m}/entfernen"
    assert form_post(client, url).status_code == 302
    assert land.co_facilitator_m not in membership_ids(land.town_id)


@pytest.mark.parametrize(
    ("who", "where", "membership"),
    [
        ("facilitator", "town", "facilitator_m"),
        ("participant", "town", "participant_m"),
        ("coordinator", "region", "coordinator_m"),
    ],
)
def test_nobody_removes_themselves(
    client: FlaskClient, land: Musterland, who: str, where: str, membership: str
) -> None:
    login(client, getattr(land, who))
    slug, tenant_id = (
        (land.town_slug, land.town_id) if where == "town" else (land.region_slug, land.region_id)
    )
    m_id = getattr(land, membership)
    response = form_post(client, f"/{slug}/mitglieder/{m_id}/entfernen")
    assert response.status_code == 403
    assert m_id in membership_ids(tenant_id)


def test_participant_cannot_remove_anybody(client: FlaskClient, land: Musterland) -> None:
    login(client, land.participant)
    url = f"/{land.town_slug}/mitglieder/{land.other_participant_m}/entfernen"
    assert form_post(client, url).status_code == 403
    assert land.other_participant_m in membership_ids(land.town_id)


def test_removing_needs_a_post(client: FlaskClient, land: Musterland) -> None:
    login(client, land.facilitator)
    url = f"/{land.town_slug}/mitglieder/{land.participant_m}/entfernen"
    assert client.get(url).status_code == 405
    assert land.participant_m in membership_ids(land.town_id)


def test_outsider_does_not_see_a_municipality(client: FlaskClient, land: Musterland) -> None:
    login(client, land.outsider)
    assert client.get(f"/{land.town_slug}/").status_code == 404
    assert client.get(f"/{land.region_slug}/").status_code == 404


def test_anonymous_visitor_is_sent_to_the_login(client: FlaskClient, land: Musterland) -> None:
    response = client.get(f"/{land.town_slug}/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")


# --- the admin page ----------------------------------------------------------------------


def test_admin_creates_a_region_and_invites_its_coordinator(
    client: FlaskClient, land: Musterland, outbox: Mailbox
) -> None:
    login(client, land.admin)
    assert "Region anlegen" in client.get("/admin/").get_data(as_text=True)
    response = form_post(
        client,
        "/admin/regionen",
        {"name": "ILE Südland", "slug": "", "coordinator_email": "ile@suedland.example"},
    )
    assert response.status_code == 302
    region = db.scalar(select(Tenant).where(Tenant.slug == "ile-suedland"))
    assert region is not None and region.kind == TenantKind.REGION
    invitation = db.scalar(
        select(Invitation)
        .where(Invitation.tenant_id == region.id)
        .execution_options(all_tenants=True)
    )
    assert invitation is not None
    assert (invitation.email, invitation.role) == ("ile@suedland.example", Role.COORDINATOR)
    [mail] = outbox.messages()
    assert mail["To"] == "ile@suedland.example"
    assert outbox.links()[0].startswith("http://localhost/ile-suedland/einladung/")
    assert "ILE Südland" in client.get("/admin/").get_data(as_text=True)


def test_admin_region_with_a_bad_email_creates_nothing(
    client: FlaskClient, land: Musterland, outbox: Mailbox
) -> None:
    login(client, land.admin)
    before = tenant_count()
    response = form_post(
        client,
        "/admin/regionen",
        {"name": "ILE Südland", "coordinator_email": "keine-adresse"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "gültige E-Mail-Adresse" in html
    assert 'id="coordinator_email-error"' in html  # the message sits beside the email field
    assert 'value="ILE Südland"' in html
    assert tenant_count() == before
    assert outbox.messages() == []


@pytest.mark.parametrize("who", ["coordinator", "facilitator", "participant", "outsider"])
def test_non_admins_get_404_at_admin(client: FlaskClient, land: Musterland, who: str) -> None:
    login(client, getattr(land, who))
    assert client.get("/admin/").status_code == 404
    before = tenant_count()
    response = form_post(client, "/admin/regionen", {"name": "X", "coordinator_email": "a@b.de"})
    assert response.status_code == 404
    assert tenant_count() == before


def test_admin_link_only_for_admins(app: Flask, land: Musterland) -> None:
    admin, coordinator = app.test_client(), app.test_client()
    login(admin, land.admin)
    login(coordinator, land.coordinator)
    assert 'href="/admin/"' in admin.get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in coordinator.get("/").get_data(as_text=True)
