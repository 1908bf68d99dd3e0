"""Optimistic locking: two saves from the same version — one wins, the other gets a
Conflict carrying both texts, and nothing is lost or overwritten."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import PairProposal


def test_two_saves_of_a_proposal_from_the_same_version(make) -> None:
    s = make.workshop(phase="pairs", participants=4)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        anna, ben = (next(p for p in s.participants if p.id == uid) for uid in pair.member_ids)
        start = ws.proposal_of(anna, pair).version

        won = ws.save_proposal(anna, pair, "Annas Fassung: Wir sind vernetzt.", ["Netz"], start)
        with pytest.raises(Conflict) as err:
            ws.save_proposal(ben, pair, "Bens Fassung: Wir sind nah. ✨", ["Nähe"], start)

        assert err.value.status == 409
        assert err.value.payload["stored"] == {
            "text": "Annas Fassung: Wir sind vernetzt.",
            "keywords": ["Netz"],
            "version": start + 1,
            "updated_by": anna.display_name,
        }
        assert err.value.payload["submitted"] == {
            "text": "Bens Fassung: Wir sind nah. ✨",
            "keywords": ["Nähe"],
            "base_version": start,
        }
        db.expire_all()
        stored = db.scalar(select(PairProposal).where(PairProposal.pair_id == pair.id))
        assert stored is not None
        assert (stored.text, stored.version) == ("Annas Fassung: Wir sind vernetzt.", won.version)
        # Ben merges from the stored version; nothing of either is lost
        merged = ws.save_proposal(
            ben,
            pair,
            err.value.payload["stored"]["text"] + "\n" + err.value.payload["submitted"]["text"],
            ["Netz", "Nähe"],
            err.value.payload["stored"]["version"],
        )
        assert "Annas" in merged.text and "Bens" in merged.text
        assert merged.version == start + 2


def test_a_conflicting_save_changes_nothing_in_the_database(make) -> None:
    s = make.workshop(phase="pairs", participants=2)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        a, b = s.participants
        ws.save_proposal(a, pair, "Eins", [], 0)
        ws.mark_ready(a, pair)
        db.commit()
        with pytest.raises(Conflict):
            ws.save_proposal(b, pair, "Zwei", [], 0)
        db.rollback()
        proposal = ws.proposal_of(a, pair)
        assert (proposal.text, proposal.version) == ("Eins", 1)
        assert ws.pair_progress(s.facilitator, s.workshop)[0].ready_count == 1


def test_a_new_save_resets_readiness(make) -> None:
    s = make.workshop(phase="pairs", participants=2)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        a, b = s.participants
        ws.save_proposal(a, pair, "Eins", [], 0)
        ws.mark_ready(a, pair)
        ws.mark_ready(b, pair)
        assert ws.pair_progress(s.facilitator, s.workshop)[0].all_ready
        ws.save_proposal(b, pair, "Eins, geschärft", [], 1)
        assert ws.pair_progress(s.facilitator, s.workshop)[0].ready_count == 0


def test_two_saves_of_the_vision_from_the_same_version(make) -> None:
    s = make.workshop(phase="plenary", participants=2)
    co = make.user(s.tenant, "facilitator")
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "Vision", "Fassung A", 0)
        with pytest.raises(Conflict) as err:
            ws.save_vision(co, s.workshop, "Vision", "Fassung B", 0)
        assert err.value.payload["stored"]["text"] == "Fassung A"
        assert err.value.payload["submitted"]["text"] == "Fassung B"
        assert ws.vision_draft(s.facilitator, s.workshop).text == "Fassung A"


def test_a_draft_saved_on_two_devices(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    me = s.participants[0]
    with s.scope():
        ws.save_draft(me, s.workshop, keywords=["Handy"], text="vom Handy", base_version=0)
        with pytest.raises(Conflict) as err:
            ws.save_draft(me, s.workshop, keywords=["Laptop"], text="vom Laptop", base_version=0)
        assert err.value.payload["stored"]["text"] == "vom Handy"
        assert err.value.payload["submitted"]["text"] == "vom Laptop"
        assert ws.draft_for(me, s.workshop).text == "vom Handy"  # type: ignore[union-attr]


@pytest.mark.committing
def test_a_stale_save_from_another_session_is_caught_by_the_database(make) -> None:
    """B loaded the proposal at version 0 in its own session; A saves and commits; B's
    save from its stale copy must lose (the UPDATE carries ``WHERE version = base``)."""
    from concurrent.futures import ThreadPoolExecutor

    from visionswerk import db as dbmod
    from visionswerk.tenants.scoping import tenant_scope

    # a municipality without a region: the committing clean-up of tests/conftest.py
    # deletes all tenants in one statement, which a region's RESTRICT reference refuses
    s = make.workshop(make.municipality(), phase="pairs", participants=2)
    with s.scope():
        pair_id = ws.pairs(s.facilitator, s.workshop)[0].id
    a_id, b_id = (p.id for p in s.participants)
    tenant_id = s.tenant.id

    def in_b(step: str) -> object:
        with tenant_scope(tenant_id):
            b = db.get(type(s.participants[1]), b_id)
            pair = ws.get_pair(b, pair_id)
            if step == "read":
                return ws.proposal_of(b, pair).version
            try:
                ws.save_proposal(b, pair, "B", ["b"], 0)
                dbmod.commit()
                return "saved"
            except Conflict as err:
                dbmod.rollback()
                return err.payload["stored"]["text"]
            finally:
                db.remove()

    with ThreadPoolExecutor(max_workers=1) as b_thread, tenant_scope(tenant_id):
        assert b_thread.submit(in_b, "read").result() == 0
        a = db.get(type(s.participants[0]), a_id)
        ws.save_proposal(a, ws.get_pair(a, pair_id), "A", ["a"], 0)
        dbmod.commit()
        assert b_thread.submit(in_b, "save").result() == "A"
    with tenant_scope(tenant_id):
        db.expire_all()
        stored = db.scalar(select(PairProposal).where(PairProposal.pair_id == pair_id))
        assert stored is not None and (stored.text, stored.version) == ("A", 1)
