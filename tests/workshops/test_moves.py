"""The state machine: explicit, guarded moves; invalid ones change nothing and say why
in German; every move is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from visionswerk.db import db
from visionswerk.errors import Conflict, NotAllowed
from visionswerk.tenants.models import AuditEntry, Role
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Phase, VisionVersion

ALL = list(Phase)
ALLOWED = {(a.value, b.value) for a, b in ws.TRANSITIONS}


def snapshot(w) -> tuple:  # type: ignore[no-untyped-def]
    db.expire_all()
    return (
        w.phase,
        w.pairs_confirmed_at,
        w.pairing_seed,
        db.scalar(select(func.count()).select_from(Pair).where(Pair.workshop_id == w.id)),
        db.scalar(select(func.count()).select_from(VisionVersion)),
        db.scalar(select(func.count()).select_from(AuditEntry)),
    )


@pytest.mark.parametrize("start", [p.value for p in ALL])
def test_every_move_not_in_the_table_is_refused_and_changes_nothing(make, start: str) -> None:
    s = make.workshop(phase=start, participants=4 if start == "fours" else 3)
    with s.scope():
        for target in ALL:
            if (start, target.value) in ALLOWED:
                continue
            before = snapshot(s.workshop)
            with pytest.raises(Conflict) as err:
                ws.move(s.facilitator, s.workshop, target)
            assert err.value.message in {
                "Dieser Schritt ist von hier aus nicht möglich.",
                "Der Workshop ist schon in diesem Schritt.",
            }
            assert snapshot(s.workshop) == before


def test_unknown_phase_is_refused(make) -> None:
    s = make.workshop(phase="preparation", participants=2)
    with s.scope(), pytest.raises(Conflict) as err:
        ws.move(s.facilitator, s.workshop, "fertig")
    assert err.value.message == "Diesen Schritt gibt es nicht."


@pytest.mark.parametrize(
    ("phase", "kwargs", "to", "message_start"),
    [
        (
            "preparation",
            {"participants": 1},
            "individual",
            "Es braucht mindestens zwei Teilnehmende",
        ),
        ("individual", {"participants": 3}, "pairs", "Es braucht mindestens zwei eingereichte"),
        ("pairs", {"participants": 4, "confirmed": False}, "plenary", "Bitte bestätigen Sie"),
        ("pairs", {"participants": 4}, "plenary", "Noch kein Paar hat"),
        ("plenary", {"participants": 2}, "signing", "Bitte schreiben und speichern Sie"),
        ("signing", {"participants": 2}, "adopted", "Es braucht mindestens eine Unterschrift"),
    ],
)
def test_guards_refuse_in_plain_german_and_change_nothing(
    make, phase: str, kwargs: dict, to: str, message_start: str
) -> None:
    s = make.workshop(phase=phase, **kwargs)
    with s.scope():
        before = snapshot(s.workshop)
        with pytest.raises(Conflict) as err:
            ws.move(s.facilitator, s.workshop, to)
        assert str(err.value).startswith(message_start)
        assert snapshot(s.workshop) == before


def test_a_refused_move_leaves_the_session_usable_and_nothing_half_done(make) -> None:
    s = make.workshop(phase="plenary", participants=2)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "Vision", "Text ohne Stichpunkte", 0)
        with pytest.raises(Conflict):
            ws.open_signing(s.facilitator, s.workshop)  # open aspects
        db.commit()
        assert s.workshop.phase == Phase.PLENARY
        assert ws.current_version(s.workshop) is None


def test_each_move_is_in_the_audit_log_with_who_and_when(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    with s.scope():
        entry = db.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "workshop.move", AuditEntry.object_id == s.workshop.id
            )
        )
        assert entry is not None
        assert entry.actor_id == s.facilitator.id
        assert entry.detail["from"] == "preparation" and entry.detail["to"] == "individual"
        assert entry.created_at.tzinfo is not None
        assert entry.tenant_id == s.tenant.id


@pytest.mark.parametrize("role", ["participant", "coordinator", "admin"])
def test_only_who_runs_the_workshop_moves_it(make, role: str) -> None:
    region = make.region()
    town = make.municipality(region)
    s = make.workshop(town, phase="preparation", participants=2)
    actor = {
        "participant": lambda: s.participants[0],
        "coordinator": lambda: make.user(region, Role.COORDINATOR),
        "admin": lambda: make.user(admin=True),
    }[role]()
    with s.scope():
        with pytest.raises(NotAllowed):
            ws.move(actor, s.workshop, "individual")
        assert s.workshop.phase == Phase.PREPARATION
        assert ws.allowed_moves(actor, s.workshop) == []
        assert ws.allowed_moves(s.facilitator, s.workshop) == [Phase.INDIVIDUAL]
