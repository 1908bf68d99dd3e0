"""The onboarding, report and token routes follow the pages' policy: who may invite
which role, create municipalities, see and remove members, have which report built, and
whose tokens one may touch. (Cross-tenant ids: tests/api/test_cross_tenant.py; the whole
journey: test_onboarding_journey.py.)"""

from __future__ import annotations

import uuid

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.worker.models import Report, ReportKind, ReportStatus


def test_who_may_invite_whom_and_see_the_members(app: Flask, make: Factory) -> None:
    region = make.region()
    town = make.municipality(region)
    slug, region_slug = town.slug, region.slug
    participant = Api(app, token_for(make.user(town, Role.PARTICIPANT)))
    facilitator = Api(app, token_for(make.user(town, Role.FACILITATOR)))
    coordinator = Api(app, token_for(make.user(region, Role.COORDINATOR)))
    invite = {"email": "neu@example.org", "role": "participant"}

    participant.post(f"/{slug}/invitations", invite, status=403)
    participant.get(f"/{slug}/invitations", status=403)
    participant.get(f"/{slug}/memberships", status=403)
    made = facilitator.post(f"/{slug}/invitations", invite, status=201)
    facilitator.post(f"/{slug}/invitations", {**invite, "role": "facilitator"}, status=403)
    coordinator.post(f"/{slug}/invitations", {**invite, "role": "facilitator"}, status=201)
    # coordinators are invited to a region only
    coordinator.post(f"/{slug}/invitations", {**invite, "role": "coordinator"}, status=403)
    coordinator.post(f"/{region_slug}/invitations", {**invite, "role": "coordinator"}, status=201)
    listed = facilitator.get(f"/{slug}/invitations")["invitations"]
    assert {i["role"] for i in listed} == {"participant", "facilitator"}
    participant.post(f"/{slug}/invitations/{made['id']}/resend", status=403)
    participant.delete(f"/{slug}/invitations/{made['id']}", status=403)

    bad = facilitator.post(f"/{slug}/invitations", {"email": "kein at", "role": "x"}, status=422)
    assert {e["field"] for e in bad["errors"]} == {"email", "role"}
    extra = facilitator.post(f"/{slug}/invitations", {**invite, "rolle": "x"}, status=422)
    assert extra["errors"][0]["field"] == "rolle"


def test_members_are_removed_as_the_pages_allow(app: Flask, make: Factory) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    facilitator_user = make.user(town, Role.FACILITATOR)
    other_facilitator = make.user(town, Role.FACILITATOR)
    person = make.user(town, Role.PARTICIPANT)
    me, colleague = facilitator_user.id, other_facilitator.id
    person_membership = next(m.id for m in person.memberships)
    colleague_membership = next(m.id for m in other_facilitator.memberships)
    facilitator = Api(app, token_for(facilitator_user))
    facilitator.delete(f"/{slug}/memberships/{colleague_membership}", status=403)
    facilitator.delete(f"/{slug}/memberships/{person_membership}", status=204)
    facilitator.delete(f"/{slug}/memberships/{person_membership}", status=404)
    left = {m["user_id"] for m in facilitator.get(f"/{slug}/memberships")["memberships"]}
    assert left == {me, colleague}


def test_municipalities_are_created_in_ones_region_only(app: Flask, make: Factory) -> None:
    region = make.region()
    town = make.municipality(region)
    other_region = make.region()
    slug, region_slug, other_slug = town.slug, region.slug, other_region.slug
    coordinator = Api(app, token_for(make.user(region, Role.COORDINATOR)))
    facilitator = Api(app, token_for(make.user(town, Role.FACILITATOR)))
    admin = Api(app, token_for(make.user(admin=True)))

    facilitator.post(f"/{region_slug}/municipalities", {"name": "Auental"}, status=404)
    coordinator.post(f"/{slug}/municipalities", {"name": "Auental"}, status=403)  # a town
    coordinator.post(f"/{other_slug}/municipalities", {"name": "Auental"}, status=404)
    made = coordinator.post(
        f"/{region_slug}/municipalities", {"name": "Gemeinde Auental"}, status=201
    )
    assert made["slug"] == "gemeinde-auental" and made["parent_slug"] == region_slug
    taken = coordinator.post(
        f"/{region_slug}/municipalities", {"name": "Gemeinde Auental"}, status=409
    )
    assert taken["errors"][0]["field"] == "slug" and "vergeben" in taken["detail"]
    coordinator.post(f"/{region_slug}/municipalities", {"name": "X", "slug": "api"}, status=409)
    coordinator.post(f"/{region_slug}/municipalities", {"name": "   "}, status=422)
    symbols = coordinator.post(f"/{region_slug}/municipalities", {"name": "!!!"}, status=201)
    assert symbols["slug"] == "kommune"
    admin.post(f"/{other_slug}/municipalities", {"name": "Bergdorf"}, status=201)

    coordinator.post(
        "/regions", {"name": "ILE Neu", "coordinator_email": "k@example.org"}, status=403
    )
    region_made = admin.post(
        "/regions", {"name": "ILE Neu", "coordinator_email": "k@example.org"}, status=201
    )
    assert region_made["kind"] == "region" and region_made["parent_slug"] is None
    invited = admin.get(f"/{region_made['slug']}/invitations")["invitations"]
    assert [(i["email"], i["role"]) for i in invited] == [("k@example.org", "coordinator")]


def test_tokens_are_ones_own_and_a_token_mints_none(app: Flask, make: Factory) -> None:
    alice, bob = make.user(), make.user()
    alice_api, bob_api = Api(app, token_for(alice)), Api(app, token_for(bob))
    [alices] = alice_api.get("/me/tokens")["tokens"]
    bob_api.delete(f"/me/tokens/{alices['id']}", status=404)
    refused = alice_api.post("/me/tokens", {"name": "Zweiter"}, status=403)
    assert "Sitzung" in refused["detail"]
    alice_api.delete(f"/me/tokens/{alices['id']}", status=204)  # a token revokes itself
    alice_api.get("/me", status=401)


def test_a_report_not_built_yet_and_one_the_reader_may_not_read(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    slug, wid, tid, fid = setup.tenant.slug, setup.id, setup.tenant.id, setup.facilitator.id
    facilitator = Api(app, token_for(setup.facilitator))
    participant = Api(app, token_for(setup.participants[0]))
    assert participant.get(f"/{slug}/workshops/{wid}/reports") == {
        "requestable_kinds": [],
        "reports": [],
    }
    participant.post(f"/{slug}/workshops/{wid}/reports", {"kind": "process"}, status=403)
    facilitator.post(f"/{slug}/workshops/{wid}/reports", {"kind": "region"}, status=422)
    report = Report(
        tenant_id=tid, kind=ReportKind.PROCESS, workshop_id=wid, status=ReportStatus.QUEUED,
        progress=0, request_key=f"t:{uuid.uuid4().hex}", requested_by_id=fid,
    )  # fmt: skip
    db.add(report)
    make.commit()
    rid = report.id
    facilitator.get(f"/{slug}/reports/{rid}/pdf", status=409)
    assert facilitator.get(f"/{slug}/reports/{rid}")["download"] is None
    participant.get(f"/{slug}/reports/{rid}", status=404)  # before adoption: not theirs
    participant.get(f"/{slug}/reports/{rid}/pdf", status=404)
