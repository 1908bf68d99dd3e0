"""Cross-tenant: with another tenant in scope, a workshop's objects are not found —
every service answers NotFound (404), whatever the actor's rights over there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import NotFound
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, Draft, Pair, PairProposal


def test_objects_of_another_tenant_cannot_be_found(make) -> None:
    s = make.workshop(phase="plenary", participants=2)
    fac = s.facilitator
    with s.scope():
        pair = db.scalar(select(Pair).where(Pair.workshop_id == s.workshop.id))
        proposal = db.scalar(select(PairProposal).where(PairProposal.workshop_id == s.id))
        draft = db.scalar(select(Draft).where(Draft.workshop_id == s.id))
        aspect = db.scalar(select(Aspect).where(Aspect.workshop_id == s.id))
    other = make.municipality()
    make.member(fac, other, "facilitator")
    w = s.workshop
    calls: dict[str, Callable[[], Any]] = {
        "get_workshop": lambda: ws.get_workshop(fac, w.id),
        "get_pair": lambda: ws.get_pair(fac, pair.id),
        "get_proposal": lambda: ws.get_proposal(fac, proposal.id),
        "get_aspect": lambda: ws.get_aspect(fac, aspect.id),
        "get_draft": lambda: ws.get_draft(fac, w, draft.id),
        "move": lambda: ws.move(fac, w, "signing"),
        "submission_status": lambda: ws.submission_status(fac, w),
        "plenary_overview": lambda: ws.plenary_overview(fac, w),
        "ledger": lambda: ws.ledger(fac, w),
        "take_up": lambda: ws.take_up(fac, aspect, "x"),
        "save_vision": lambda: ws.save_vision(fac, w, "x", "y", 0),
        "mark_strength": lambda: ws.mark_strength(fac, proposal),
        "proposal_of": lambda: ws.proposal_of(fac, pair),
        "add_participants": lambda: ws.add_participants(fac, w, [fac.id]),
        "visible_drafts": lambda: ws.visible_drafts(fac, w),
    }
    with tenant_scope(other.id):
        for name, call in calls.items():
            with pytest.raises(NotFound):
                call()
            assert name
        assert ws.workshops_of(fac, s.tenant) == []
    with tenant_scope(None), pytest.raises(NotFound):
        ws.get_workshop(fac, w.id)
