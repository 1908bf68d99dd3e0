"""The policy remembers its facts for one unit of work, and forgets them whenever the
data may have changed: its answers are the same as asking the database every time."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from tests.workshops.test_query_counts import counting
from visionswerk.db import db
from visionswerk.errors import NotFound
from visionswerk.tenants.models import Role
from visionswerk.tenants.policy import can
from visionswerk.tenants.scoping import _criteria
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, PairMember, Participation
from visionswerk.workshops.policy import FACTS, is_participant


def test_a_page_asking_many_times_reads_the_facts_once(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=3)
    person = s.participants[0]
    with s.scope():
        db.rollback()
        with counting() as statements:
            actions = ("workshop.view", "draft.write", "draft.open", "draft.name_consent")
            answers = [can(person, action, s.workshop) for action in actions]
        assert answers == [True, True, True, True]
        assert len(statements) == 1


def test_removing_a_participant_is_seen_at_once(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=3)
    person = s.participants[0]
    with s.scope():
        assert can(person, "draft.write", s.workshop)
        ws.remove_participant(s.facilitator, s.workshop, person.id)
        assert not can(person, "draft.write", s.workshop)


def test_a_bulk_delete_without_flush_is_seen(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=3)
    person = s.participants[0]
    with s.scope():
        assert can(person, "workshop.view", s.workshop)
        db.execute(delete(Participation).where(Participation.user_id == person.id))
        assert not can(person, "workshop.view", s.workshop)


def test_a_participation_not_yet_flushed_is_seen(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=2)
    newcomer = make.user(s.tenant, Role.PARTICIPANT)
    with s.scope():
        assert not can(newcomer, "draft.write", s.workshop)
        db.add(Participation(tenant_id=s.tenant.id, workshop_id=s.id, user_id=newcomer.id))
        assert can(newcomer, "draft.write", s.workshop)  # (the query's autoflush sees it)


def test_rollback_and_commit_forget(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="pairs", participants=4)
    person = s.participants[0]
    with s.scope():
        member = db.scalar(select(PairMember).where(PairMember.user_id == person.id))
        assert member is not None
        assert can(person, "pair.work", db.get(Pair, member.pair_id))
        assert db.info.get(FACTS)
        db.rollback()
        assert FACTS not in db.info
        can(person, "workshop.view", s.workshop)
        assert db.info.get(FACTS)
        db.commit()
        assert FACTS not in db.info


def test_scoping_options_are_built_once_per_tenant_and_rebuilt_for_new_classes() -> None:
    from sqlalchemy import Column, Integer
    from sqlalchemy.orm import DeclarativeBase

    assert _criteria(7) is _criteria(7)
    assert _criteria(7) is not _criteria(8)

    class Other(DeclarativeBase):
        pass

    class Late(Other):  # any class mapped later empties the cache
        __tablename__ = "late"
        id = Column(Integer, primary_key=True)

    assert _criteria.cache_info().currsize == 0


def test_loading_a_workshop_brings_whether_its_reader_takes_part(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=3)
    person, outsider = s.participants[0], make.user(s.tenant, Role.PARTICIPANT)
    with s.scope():
        for user, takes_part in ((person, True), (s.facilitator, False)):
            db.rollback()
            wid, _roles = s.id, [m.tenant.id for m in user.memberships]  # (loaded again)
            with counting() as statements:
                workshop = ws.get_workshop(user, wid)
                assert is_participant(user, workshop) is takes_part
                assert can(user, "draft.write", workshop) is takes_part
            assert len(statements) == 1, statements  # the workshop, with the fact
        db.rollback()
        wid, _roles = s.id, [m.tenant.id for m in outsider.memberships]
        with counting() as statements, pytest.raises(NotFound):
            ws.get_workshop(outsider, wid)  # neither takes part nor runs it
        assert len(statements) == 1, statements
