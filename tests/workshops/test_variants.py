"""Adapted steps (issue 14): step 2 in pairs, trios or fours, chosen in preparation.

The remainder rule (one left over joins the last group, two or more form one smaller
group, never a group of one) for every group size and every count from 4 to 13, through
the real state machine: propose, confirm, write proposals, open step 3 — and the
facilitator's adjustments within the limits of the chosen size."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict, InvalidInput
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import AuditEntry, Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, AspectSource, Pair, Phase

COUNTS = range(4, 14)
SIZES = (2, 3, 4)


def expected_sizes(n: int, size: int) -> list[int]:
    """The rule as the pages state it, written out independently of make_pairs."""
    full, rest = divmod(n, size)
    if rest == 0:
        return [size] * full
    if rest == 1:
        return sorted([size] * (full - 1) + [size + 1])
    return sorted([size] * full + [rest])


@pytest.mark.parametrize(
    ("size", "n", "sizes"),
    [
        (2, 5, [2, 3]),
        (3, 4, [4]),
        (3, 5, [2, 3]),
        (3, 7, [3, 4]),
        (3, 8, [2, 3, 3]),
        (4, 5, [5]),
        (4, 6, [2, 4]),
        (4, 7, [3, 4]),
        (4, 9, [4, 5]),
        (4, 11, [3, 4, 4]),
        (4, 13, [4, 4, 5]),
    ],
)
def test_the_remainder_rule_in_examples(size: int, n: int, sizes: list[int]) -> None:
    assert sorted(len(g) for g in ws.make_pairs(list(range(n)), 3, size)) == sizes


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("n", range(2, 20))
def test_every_count_gives_groups_of_the_size_and_never_one_alone(size: int, n: int) -> None:
    groups = ws.make_pairs(list(range(100, 100 + n)), seed=n, size=size)
    assert sorted(uid for g in groups for uid in g) == list(range(100, 100 + n))
    sizes = [len(g) for g in groups]
    assert min(sizes) >= 2 and max(sizes) <= size + 1
    if n >= 4:
        assert sorted(sizes) == expected_sizes(n, size)
    # at most one group differs from the chosen size
    assert sum(1 for k in sizes if k != size) <= 1
    assert ws.group_counts(n, size) == {k: sizes.count(k) for k in set(sizes)}


def test_pairs_are_grouped_exactly_as_before() -> None:
    """Group size 2 is today's pairing: the same seed gives the same pairs."""
    ids = list(range(1, 10))
    assert ws.make_pairs(ids, 42) == ws.make_pairs(ids, 42, 2)
    assert ws.make_pairs(ids, 42)[-1] == ws.make_pairs(ids, 42, 2)[-1]
    with pytest.raises(ValueError):
        ws.make_pairs(ids, 42, 5)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("n", COUNTS)
def test_the_state_machine_runs_every_size_and_count_to_step_3(make, size: int, n: int) -> None:
    s = make.workshop(phase="plenary", participants=n, group_size=size, seed=n)
    with s.scope():
        w = s.workshop
        assert w.phase == Phase.PLENARY and w.group_size == size
        groups = ws.pairs(s.facilitator, w)
        assert sorted(len(p.members) for p in groups) == expected_sizes(n, size)
        assert sorted(uid for p in groups for uid in p.member_ids) == sorted(
            p.id for p in s.participants
        )
        # every group's proposal became aspects with the group as provenance
        proposal_aspects = db.scalars(
            select(Aspect).where(Aspect.workshop_id == w.id, Aspect.source == AspectSource.PROPOSAL)
        ).all()
        assert {a.pair_id for a in proposal_aspects} == {p.id for p in groups}
        moves = db.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "workshop.move",
                AuditEntry.object_type == "Workshop",
                AuditEntry.object_id == w.id,
            )
        ).all()
        to_pairs = next(e for e in moves if e.detail["to"] == "pairs")
        assert to_pairs.detail["group_size"] == size


@pytest.mark.parametrize("size", SIZES)
def test_every_size_reaches_adoption(make, size: int) -> None:
    s = make.workshop(phase="adopted", participants=9, group_size=size)
    with s.scope():
        assert s.workshop.phase == Phase.ADOPTED


def test_the_group_size_is_chosen_in_preparation_and_fixed_once_step_2_opens(make) -> None:
    s = make.workshop(phase="preparation", participants=6)
    with s.scope():
        w = s.workshop
        assert w.group_size == 2  # the method's default
        ws.update_workshop(s.facilitator, w, group_size=3)
        entry = db.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "workshop.update")
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.detail["group_size"] == 3
        with pytest.raises(InvalidField) as bad:
            ws.update_workshop(s.facilitator, w, group_size=5)
        assert bad.value.field == "group_size" and w.group_size == 3
        ws.open_individual(s.facilitator, w)
        ws.update_workshop(s.facilitator, w, group_size=4)  # still before step 2
        for p in s.participants:
            ws.save_draft(p, w, keywords=["Dorfladen"], text="", submit=True)
        ws.open_pairs(s.facilitator, w, seed=1)
        assert sorted(len(p.members) for p in ws.pairs(s.facilitator, w)) == [2, 4]
        with pytest.raises(Conflict) as late:
            ws.update_workshop(s.facilitator, w, group_size=2)
        assert "nur bis zum Ende der Einzelarbeit" in late.value.message
        assert w.group_size == 4
        ws.update_workshop(s.facilitator, w, group_size=4)  # the same size: no change


def test_a_new_workshop_refuses_a_size_outside_two_to_four(make) -> None:
    tenant = make.municipality(make.region())
    facilitator = make.user(tenant, Role.FACILITATOR)
    with tenant_scope(tenant.id):
        for bad in (1, 5, "drei", None):
            with pytest.raises(InvalidField) as err:
                ws.create_workshop(facilitator, tenant, "Titel", group_size=bad)  # type: ignore[arg-type]
            assert err.value.field == "group_size"


def test_adjusting_allows_one_more_than_the_size_and_confirming_checks_it(make) -> None:
    s = make.workshop(phase="pairs", participants=8, group_size=4, confirmed=False)
    with s.scope():
        w = s.workshop
        first, second = ws.pairs(s.facilitator, w)
        mover = second.member_ids[0]
        ws.move_member(s.facilitator, w, mover, first.id)  # 5 and 3: allowed
        with pytest.raises(InvalidInput) as full:
            ws.move_member(s.facilitator, w, second.member_ids[1], first.id)
        assert full.value.message == "Eine Gruppe hat hier höchstens %(n)d Mitglieder."
        assert full.value.params == {"n": 5}
        for uid in second.member_ids[1:]:
            ws.move_member(s.facilitator, w, uid, None)
        ws.move_member(s.facilitator, w, second.member_ids[0], second.id)
        db.expire_all()
        # one member left alone in group 2 (the others out): refused in plain German
        sizes = {p.number: len(p.members) for p in ws.pairs(s.facilitator, w)}
        assert sizes[2] == 1
        with pytest.raises(Conflict) as alone:
            ws.confirm_pairs(s.facilitator, w)
        assert "Niemand arbeitet allein" in alone.value.message
        assert not w.step1_closed


def test_trios_with_a_remainder_of_one_confirm_with_a_group_of_four(make) -> None:
    s = make.workshop(phase="pairs", participants=7, group_size=3)
    with s.scope():
        groups = db.scalars(select(Pair).where(Pair.workshop_id == s.id)).all()
        assert sorted(len(p.members) for p in groups) == [3, 4]
        assert s.workshop.step1_closed
