"""My tasks: what is mine to do now, across all my workshops and tenants."""

from __future__ import annotations

import datetime as dt

from visionswerk.db import utcnow
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.tasks import TaskKind


def kinds(tasks) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(t.kind.value, t.workshop_id) for t in tasks]


def test_tasks_follow_the_person_through_the_steps(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    a, b = s.participants
    deadline = utcnow() + dt.timedelta(days=3)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": deadline})
        (task,) = ws.my_tasks(a)
        assert task.kind == TaskKind.WRITE_DRAFT
        assert (task.tenant_slug, task.deadline, task.workshop_title) == (
            s.tenant.slug,
            deadline,
            s.workshop.title,
        )
        for p in (a, b):
            ws.save_draft(p, s.workshop, keywords=["X"], text="", submit=True)
        assert ws.my_tasks(a) == []
        ws.open_pairs(s.facilitator, s.workshop)
        assert kinds(ws.my_tasks(s.facilitator)) == [("confirm_pairs", s.workshop.id)]
        ws.confirm_pairs(s.facilitator, s.workshop)
        pair = ws.pair_of(a, s.workshop)
        assert pair is not None
        assert [t.kind for t in ws.my_tasks(a)] == [TaskKind.GIVE_FEEDBACK, TaskKind.WRITE_PROPOSAL]
        ws.save_feedback(a, pair, ws.partner_drafts(a, pair)[0], especially_good="gut",
                         to_sharpen="")  # fmt: skip
        ws.save_proposal(a, pair, "Vorschlag", ["V"], 0)
        assert [t.kind for t in ws.my_tasks(a)] == [TaskKind.MARK_READY]
        ws.mark_ready(a, pair)
        assert ws.my_tasks(a) == []
        ws.open_plenary(s.facilitator, s.workshop)
        assert [t.kind for t in ws.my_tasks(a)] == [TaskKind.MARK_STRENGTHS]
        (compose,) = ws.my_tasks(s.facilitator)
        assert compose.kind == TaskKind.COMPOSE_VISION and compose.count == 2 + 1


def test_tasks_span_tenants_and_show_nothing_of_others(make) -> None:
    region = make.region()
    one, two = make.municipality(region), make.municipality(region)
    person = make.user(one, Role.PARTICIPANT)
    make.member(person, two, Role.PARTICIPANT)
    s1 = make.workshop(one, phase="preparation", participants=1)
    s2 = make.workshop(two, phase="signing", participants=2)
    with s1.scope():
        ws.add_participants(s1.facilitator, s1.workshop, [person.id])
        ws.open_individual(s1.facilitator, s1.workshop)
    with s2.scope():
        ws.add_signatory(s2.facilitator, s2.workshop, user_id=person.id, function="Gemeinderat")
    with tenant_scope(None):  # no current tenant: my tasks read across on purpose
        tasks = ws.my_tasks(person)
        assert sorted((t.kind.value, t.tenant_id) for t in tasks) == [
            ("sign", two.id),
            ("write_draft", one.id),
        ]
        stranger_tasks = ws.my_tasks(make.user(one, Role.PARTICIPANT))
        assert stranger_tasks == []
