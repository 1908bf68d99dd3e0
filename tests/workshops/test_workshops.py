"""Creating workshops, who may run them, participants, invitations, personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotAllowed
from visionswerk.tenants import accounts, personal_data
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import Invitation, Role
from visionswerk.tenants.policy import can
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.tenants.services import accept_invitation
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Draft, Phase, Strength


def test_a_facilitator_creates_a_workshop_with_deadlines_and_participants(make) -> None:
    town = make.municipality(make.region())
    fac = make.user(town, Role.FACILITATOR)
    people = [make.user(town, Role.PARTICIPANT) for _ in range(3)]
    soon = utcnow() + dt.timedelta(days=7)
    with tenant_scope(town.id):
        w = ws.create_workshop(
            fac,
            town,
            "  Unsere   Gemeinde 2035 ",
            "Wie sieht unsere Kommune im Jahr 2035 aus?",
            {"individual": soon, "pairs": soon + dt.timedelta(days=7)},
            [p.id for p in people],
        )
        assert w.title == "Unsere Gemeinde 2035"
        assert w.phase == Phase.PREPARATION
        assert w.reminder_offsets == [48, 24]
        assert w.deadline("individual") == soon and w.deadline("plenary") is None
        assert [u.id for u in ws.participants(fac, w)] == sorted(p.id for p in people)
        assert ws.workshops_of(fac, town) == [w]
        assert ws.workshops_of(people[0], town) == [w]
        with pytest.raises(InvalidField) as err:
            ws.update_workshop(fac, w, deadlines={"pairs": soon - dt.timedelta(days=1)})
        assert err.value.field == "deadline_pairs"
        assert w.deadline("pairs") == soon + dt.timedelta(days=7)
        ws.update_workshop(fac, w, reminder_offsets=[24, 72, 24])
        assert w.reminder_offsets == [72, 24]


def test_title_is_required(make) -> None:
    town = make.municipality()
    fac = make.user(town, Role.FACILITATOR)
    with tenant_scope(town.id), pytest.raises(InvalidField) as err:
        ws.create_workshop(fac, town, "   ")
    assert err.value.field == "title"


@pytest.mark.parametrize(
    ("who", "where", "allowed"),
    [
        ("facilitator", "town", True),
        ("participant", "town", False),
        ("coordinator", "town", False),
        ("coordinator", "region", True),
        ("facilitator", "region", True),
        ("admin", "town", False),
    ],
)
def test_who_may_create_workshops(make, who: str, where: str, allowed: bool) -> None:
    region = make.region()
    town = make.municipality(region)
    if who == "admin":
        user = make.user(admin=True)
    elif who == "coordinator":
        user = make.user(region, Role.COORDINATOR)
    else:
        user = make.user(town if where == "town" else region, who)
    tenant = town if where == "town" else region
    assert can(user, "workshop.create", tenant) is allowed
    with tenant_scope(tenant.id):
        if allowed:
            assert ws.create_workshop(user, tenant, "Vision").tenant_id == tenant.id
        else:
            with pytest.raises(NotAllowed):
                ws.create_workshop(user, tenant, "Vision")


def test_a_region_workshop_has_its_mayors_as_participants(make) -> None:
    region = make.region(name="ILE Musterland")
    coordinator = make.user(region, Role.COORDINATOR)
    towns = [make.municipality(region) for _ in range(3)]
    mayors = [make.user(t, Role.FACILITATOR, display_name=f"Bgm. {i}") for i, t in enumerate(towns)]
    s = make.workshop(region, phase="preparation", participants=0, facilitator=coordinator)
    with s.scope():
        with pytest.raises(InvalidField):  # not (yet) members of the region
            ws.add_participants(coordinator, s.workshop, [m.id for m in mayors])
        for mayor in mayors:
            make.member(mayor, region, Role.PARTICIPANT)
        ws.add_participants(coordinator, s.workshop, [m.id for m in mayors])
        assert len(ws.participants(coordinator, s.workshop)) == 3
        ws.open_individual(coordinator, s.workshop)
        ws.save_draft(mayors[0], s.workshop, keywords=["ILE digital"], text="", submit=True)
        assert ws.draft_for(mayors[0], s.workshop) is not None


def test_only_members_of_the_tenant_take_part(make) -> None:
    s = make.workshop(phase="preparation", participants=1)
    stranger = make.user(make.municipality(), Role.PARTICIPANT)
    with s.scope(), pytest.raises(InvalidField) as err:
        ws.add_participants(s.facilitator, s.workshop, [stranger.id])
    assert err.value.field == "participant_ids"


def test_inviting_by_email_reuses_tenant_invitations_and_joins_on_accept(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    member = make.user(s.tenant, Role.PARTICIPANT)
    with s.scope():
        existing = ws.invite_participant(s.facilitator, s.workshop, member.email.upper())
        assert existing.participation is not None and existing.invitation is None
        result = ws.invite_participant(s.facilitator, s.workshop, "neu@example.org")
        assert result.invitation is not None and result.token
        invitation = db.scalar(select(Invitation).where(Invitation.email == "neu@example.org"))
        assert invitation is not None and invitation.role == Role.PARTICIPANT
        assert s.workshop.invited_emails == ["neu@example.org"]
        newcomer = make.user(email="neu@example.org", display_name="Neu Ling")
        accept_invitation(s.tenant, result.token, newcomer)
        joined = ws.claim_invited_participation(newcomer, s.tenant)
        assert [w.id for w in joined] == [s.workshop.id]
        assert newcomer.id in [u.id for u in ws.participants(s.facilitator, s.workshop)]
        assert s.workshop.invited_emails == []


def test_inviting_is_over_once_pairs_form(make) -> None:
    s = make.workshop(phase="pairs", participants=2)
    with s.scope(), pytest.raises(NotAllowed):
        ws.invite_participant(s.facilitator, s.workshop, "spaet@example.org")


def test_drafts_need_content_to_be_submitted_and_can_be_withdrawn(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    me = s.participants[0]
    with s.scope():
        with pytest.raises(InvalidInput):
            ws.save_draft(me, s.workshop, keywords=["  ", ""], text="  ", submit=True)
        ws.save_draft(me, s.workshop, keywords=["Rathaus online"], text="")
        draft = ws.submit_draft(me, s.workshop)
        assert draft.submitted
        ws.withdraw_submission(me, s.workshop)
        assert not ws.draft_for(me, s.workshop).submitted  # type: ignore[union-attr]
        with pytest.raises(Conflict):
            ws.withdraw_submission(me, s.workshop)


def test_drafts_wait_for_step_1_and_non_participants_cannot_write(make) -> None:
    s = make.workshop(phase="preparation", participants=2)
    with s.scope():
        with pytest.raises(Conflict) as err:
            ws.save_draft(s.participants[0], s.workshop, keywords=["x"], text="")
        assert err.value.message == "Die Einzelarbeit hat noch nicht begonnen."
        ws.open_individual(s.facilitator, s.workshop)
        with pytest.raises(NotAllowed):
            ws.save_draft(s.facilitator, s.workshop, keywords=["x"], text="")


def test_personal_data_export_and_erasure(make) -> None:
    s = make.workshop(phase="plenary", participants=2)
    me = s.participants[0]
    with s.scope():
        proposal = ws.plenary_overview(me, s.workshop).proposals[0].proposal
        ws.mark_strength(me, proposal, "stark")
        ws.add_comment(me, proposal, "Mein Kommentar")
        db.commit()
    data = personal_data.export(me)["workshops"]
    assert data["drafts"][0]["keywords"] == ["Idee von " + me.display_name, "Glasfaser für alle"]
    assert data["comments"][0]["text"] == "Mein Kommentar"
    assert data["strengths"][0]["note"] == "stark"
    personal_data.erase(me)
    accounts.end_all_login_sessions(me)
    db.delete(me)
    db.flush()
    db.expire_all()
    with s.scope():
        assert db.scalar(select(Draft).where(Draft.author_id == me.id)) is None
        assert db.scalar(select(Strength).where(Strength.user_id == me.id)) is None
        assert len(ws.ledger(s.facilitator, s.workshop).aspects) == 2 * 2 + 2
