"""A region adopts a new version: flags, notices, emails, the diff, re-basing."""

from __future__ import annotations

from sqlalchemy import select

from tests.visions.helpers import based_workshop, finish, make_region
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.visions.models import Notice
from visionswerk.worker import outbox
from visionswerk.worker.models import OutgoingEmail
from visionswerk.workshops import services as ws
from visionswerk.workshops import signing
from visionswerk.workshops.models import Phase, VisionVersion, Workshop


def test_new_region_version_flags_notifies_and_rebase_needs_signing_again(make, settings) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    adopted_town = make.municipality(r.region, "Gemeinde Altdorf")
    running_town = make.municipality(r.region, "Gemeinde Neudorf")
    quiet_town = make.municipality(r.region, "Gemeinde Ohnebezug")
    adopted = based_workshop(make, adopted_town, r.v1)
    old_version = finish(adopted)
    running = based_workshop(make, running_town, r.v1, phase="individual")
    make.workshop(quiet_town, phase="individual")
    second_facilitator = make.user(adopted_town, Role.FACILITATOR)
    second_facilitator.locale = "en"
    assert vs.outdated_for({adopted_town.id, running_town.id}) == []

    v2 = r.import_version()

    flagged = {
        o.tenant_id for o in vs.outdated_for({adopted_town.id, running_town.id, quiet_town.id})
    }
    assert flagged == {adopted_town.id, running_town.id}
    notices = db.scalars(select(Notice).execution_options(all_tenants=True)).all()
    assert {(n.tenant_id, n.user_id) for n in notices} == {
        (adopted_town.id, adopted.facilitator.id),
        (adopted_town.id, second_facilitator.id),
        (running_town.id, running.facilitator.id),
    }
    assert all(n.version_id == v2.id and n.old_version_id == r.v1.id for n in notices)
    keys = set(db.scalars(select(OutgoingEmail.idempotency_key)))
    assert f"parent-changed:{adopted_town.id}:{v2.id}:{adopted.facilitator.id}" in keys
    assert f"parent-changed:{running_town.id}:{v2.id}:{running.facilitator.id}" in keys
    german = db.scalar(
        select(OutgoingEmail).where(
            OutgoingEmail.idempotency_key
            == f"parent-changed:{adopted_town.id}:{v2.id}:{adopted.facilitator.id}"
        )
    )
    assert german.subject.startswith(f"Neue Fassung der Vision von {r.region.name}")
    assert "Gemeinde Altdorf" in german.subject
    text, html, headers = (
        outbox.unseal(settings.secret_key, part or "")
        for part in (german.text, german.html, german.headers)
    )
    assert "baut noch auf Fassung 1 auf" in text
    assert f"/{adopted_town.slug}/visionen/grundlage" in text
    assert f"/{adopted_town.slug}/visionen/grundlage" in html
    assert "List-Unsubscribe" in headers
    english = db.scalar(
        select(OutgoingEmail).where(
            OutgoingEmail.idempotency_key
            == f"parent-changed:{adopted_town.id}:{v2.id}:{second_facilitator.id}"
        )
    )
    assert english.subject.startswith(f"New version of the vision of {r.region.name}")
    assert "still builds on version 1" in outbox.unseal(settings.secret_key, english.text)
    assert [n.tenant.id for n in vs.notices_for(adopted.facilitator)] == [adopted_town.id]

    # importing the same again is idempotent for notices and mails of that version
    with tenant_scope(r.region.id):
        again = vs.version_adopted(r.coordinator, db.get(VisionVersion, v2.id))
    assert again == []

    # the diff: kept, dropped, new statements
    diff = vs.diff(db.get(VisionVersion, r.v1.id), db.get(VisionVersion, v2.id))
    assert ("delete", "Bus im Stundentakt") in [(d.op, d.text) for d in diff]
    assert ("insert", "Rufbus rund um die Uhr") in [(d.op, d.text) for d in diff]
    assert ("equal", "Glasfaser in jedes Haus") in [(d.op, d.text) for d in diff]

    # re-base the adopted vision: a new version to sign, the old one stays valid
    with tenant_scope(adopted_town.id):
        w = db.get(Workshop, adopted.id)
        vs.rebase(adopted.facilitator, w)
        assert w.phase == Phase.SIGNING
        new_version = ws.current_version(w)
        assert new_version.id != old_version.id
        assert new_version.embedded_parent_version_id == v2.id
        assert new_version.adopted_at is None
        assert signing.verify(new_version)
        old = db.get(VisionVersion, old_version.id)
        assert old.adopted_at is not None and signing.verify(old)
        assert len(signing.signatures_of(old)) == 1
        status = ws.signing_status(adopted.facilitator, w)
        assert status.signed_count == 0 and status.total == 1
    assert vs.notices_for(adopted.facilitator) == []
    flagged = {o.tenant_id for o in vs.outdated_for({adopted_town.id, running_town.id})}
    assert flagged == {running_town.id}

    # re-base the running workshop: only the parent changes
    with tenant_scope(running_town.id):
        w = db.get(Workshop, running.id)
        vs.rebase(running.facilitator, w)
        assert w.parent_vision_version_id == v2.id and w.phase == Phase.INDIVIDUAL
    assert vs.outdated_for({adopted_town.id, running_town.id}) == []


def test_a_region_workshop_adoption_flags_municipalities(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    running = based_workshop(make, town, r.v1, phase="individual")
    region_ws = make.workshop(r.region, phase="plenary", facilitator=r.coordinator)
    finish(region_ws)
    assert {o.tenant_id for o in vs.outdated_for({town.id})} == {town.id}
    assert [n.tenant.id for n in vs.notices_for(running.facilitator)] == [town.id]


def test_a_notice_is_shown_to_the_facilitators_of_its_tenant_only(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region, "Gemeinde Altdorf")
    adopted = based_workshop(make, town, r.v1)
    finish(adopted)
    second = make.user(town, Role.FACILITATOR)
    region_ws = make.workshop(r.region, phase="plenary", facilitator=r.coordinator)
    finish(region_ws)
    assert [n.tenant.id for n in vs.notices_for(second)] == [town.id]
    assert [n.tenant.id for n in vs.notices_for(second, town.id)] == [town.id]
    assert vs.notices_for(second, r.region.id) == []
    # no longer facilitating there (a participant now): the notice is not theirs to act on
    membership = next(m for m in second.memberships if m.tenant_id == town.id)
    membership.role = Role.PARTICIPANT
    db.flush()
    assert vs.notices_for(second) == []
    with tenant_scope(town.id):  # the notice itself is still there
        assert db.scalar(select(Notice.id).where(Notice.user_id == second.id)) is not None
