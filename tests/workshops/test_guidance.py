"""The facilitator always knows the next move and why it is not possible yet: the same
guard (lifecycle.blocker) refuses the move and explains it beforehand, in the overview's
moves and in "Meine Aufgaben". Step-1 authors appear by name only with their consent."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict
from visionswerk.platform.workshops.helpers import fingerprint
from visionswerk.settings import Settings
from visionswerk.worker import notifications, outbox
from visionswerk.worker.models import OutgoingEmail
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase
from visionswerk.workshops.tasks import TaskKind


def facilitator_task(setup):  # type: ignore[no-untyped-def]
    (task,) = [t for t in ws.my_tasks(setup.facilitator) if t.workshop_id == setup.id]
    return task


# (phase, participants, submitted, the facilitator's task, the guard's message or None)
CASES = [
    ("preparation", 1, 0, TaskKind.START_INDIVIDUAL, "mindestens zwei Teilnehmende"),
    ("preparation", 2, 0, TaskKind.START_INDIVIDUAL, None),
    ("individual", 3, 0, TaskKind.CLOSE_INDIVIDUAL, "mindestens zwei eingereichte"),
]


@pytest.mark.parametrize(("phase", "people", "submitted", "kind", "why"), CASES)
def test_the_facilitators_next_move_says_why_not_yet(
    make, phase: str, people: int, submitted: int, kind: TaskKind, why: str | None
) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase=phase, participants=people, submitted=submitted)
    with s.scope():
        task = facilitator_task(s)
        assert task.kind == kind
        (move,) = [m for m in ws.next_moves(s.facilitator, s.workshop) if m.ready is (why is None)]
        if why is None:
            assert task.blocked_by is None
        else:
            assert task.blocked_by is not None and why in str(task.blocked_by)
            # the move refuses with exactly the reason shown beforehand
            with pytest.raises(Conflict) as refused:
                ws.move(s.facilitator, s.workshop, move.to)
            assert str(refused.value) == str(task.blocked_by) == str(move.blocked_by)
            assert s.workshop.phase == Phase(phase)


def test_adopting_needs_a_signature_and_says_so(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        task = facilitator_task(s)
        assert task.kind == TaskKind.COLLECT_SIGNATURES and task.count == 0
        assert "mindestens eine Unterschrift" in str(task.blocked_by)
        with pytest.raises(Conflict, match="mindestens eine Unterschrift"):
            ws.close_signing(s.facilitator, s.workshop)
        assert s.workshop.phase == Phase.SIGNING
        ws.sign(s.participants[0], s.signatory, ws.current_version(s.workshop).sha256)
        task = facilitator_task(s)
        assert task.blocked_by is None and task.count == 1
        ws.close_signing(s.facilitator, s.workshop)
        assert s.workshop.phase == Phase.ADOPTED
        assert [t for t in ws.my_tasks(s.facilitator) if t.workshop_id == s.id] == []


def test_after_confirmation_the_facilitator_waits_for_a_proposal(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="pairs", participants=2)
    with s.scope():
        task = facilitator_task(s)
        assert task.kind == TaskKind.OPEN_PLENARY
        assert "Noch kein Paar hat einen gemeinsamen Vorschlag" in str(task.blocked_by)
        pair = ws.pair_of(s.participants[0], s.workshop)
        ws.save_proposal(s.participants[0], pair, "Vorschlag", ["V"], 0)
        assert facilitator_task(s).blocked_by is None and facilitator_task(s).count == 1


def test_step_1_authors_appear_by_letter_unless_they_agree(make) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="plenary", participants=3)
    a, b, c = s.participants
    with s.scope():
        ws.set_name_consent(b, s.workshop, True)
        for reader in (s.facilitator, c):
            shown = {k.author_id: k.author for k in ws.keywords_overview(reader, s.workshop)}
            assert shown[b.id].name == b.display_name
            assert shown[a.id].name is None and shown[a.id].letter == "A"
            coverage = {
                p.user_id: p.display_name for p in ws.coverage(reader, s.workshop).per_participant
            }
            assert coverage[a.id] == "Beitrag A" and coverage[b.id] == b.display_name
            assert ws.ledger(reader, s.workshop).contributors[a.id].name is None
        # the author herself sees her own name
        mine = {k.author_id: k.author for k in ws.keywords_overview(a, s.workshop)}
        assert mine[a.id].name == a.display_name and mine[c.id].name is None
        letters = sorted(k.author.letter for k in ws.keywords_overview(c, s.workshop))
        assert letters == ["A", "B", "C"]


def test_fingerprint_is_short_and_grouped() -> None:
    sha = "3f2a9c01be77" + "0" * 52
    assert fingerprint(sha) == "3f2a 9c01 be77"
    assert fingerprint(None) == ""


def test_a_trio_is_told_it_works_in_three(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="pairs", participants=5)  # seed 7: two groups, one of three
    notifications.scan(settings, dt.datetime.now(dt.UTC))
    mails = list(
        db.scalars(
            select(OutgoingEmail).where(
                OutgoingEmail.tenant_id == s.tenant.id,
                OutgoingEmail.idempotency_key.startswith("notify:"),
            )
        )
    )
    with s.scope():
        sizes = {p.email: len(ws.pair_of(p, s.workshop).members) for p in s.participants}
    # each person also gets "Neuer Schritt" mails (step 1, step 2): read the group mail
    grouped = [m for m in mails if not m.subject.startswith("Neuer Schritt")]
    texts = {m.to: (m.subject, outbox.unseal(settings.secret_key, m.text)) for m in grouped}
    assert set(texts) == set(sizes), (sorted(texts), sorted(sizes))
    assert sorted(sizes.values()) == [2, 2, 3, 3, 3]
    for address, (subject, text) in texts.items():
        if sizes[address] == 3:
            assert "Dreiergruppe" in subject and "zu dritt" in text
            assert "Gegenüber" not in text and "zu zweit" not in text
        else:
            assert "Paar" in subject and "Gegenüber" in text and "zu dritt" not in text
