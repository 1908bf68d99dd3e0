"""The region overview's "groups ready" counts the groups of the workshop's current
round: step 2's pairs, and from the round of four on its fours (a pair that was ready in
step 2 does not make a four ready). The page, sorted by it, keeps the same numbers."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.visions.helpers import make_region
from tests.workshops.test_query_counts import counting
from visionswerk.db import db, utcnow
from visionswerk.tenants.models import Tenant
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import overview
from visionswerk.visions import overview_sql as sql
from visionswerk.workshops.models import Pair, PairMember


def _rows(r, query: sql.Query | None = None) -> dict[str, overview.Row]:  # type: ignore[no-untyped-def]
    with tenant_scope(r.region.id):
        page = sql.overview_page(
            r.coordinator, [db.get(Tenant, r.region.id)], query or sql.Query(per_page=None)
        )
    return {row.name: row for row in page.rows}


def _mark_ready(setup, round_: int, numbers: set[int]) -> None:  # type: ignore[no-untyped-def]
    """Every member of the groups ``numbers`` of ``round_`` marks the proposal ready."""
    with setup.scope():
        groups = db.scalars(
            select(Pair).where(Pair.workshop_id == setup.id, Pair.round == round_)
        ).all()
        for group in groups:
            if group.number in numbers:
                for m in group.members:
                    m.ready_at = utcnow()
        db.commit()


def test_groups_ready_counts_the_current_round_only(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make, "ILE Viererland")
    town = lambda name: make.municipality(r.region, name)  # noqa: E731
    pairs = make.workshop(town("Markt Paare"), phase="pairs", participants=8, with_fours=True)
    fours = make.workshop(town("Markt Vierer"), phase="fours", participants=8)
    after = make.workshop(town("Markt Danach"), phase="plenary", participants=8, with_fours=True)
    _mark_ready(pairs, 1, {1})
    # in the round of four every pair was ready in step 2, and one four of two is now
    _mark_ready(fours, 1, {1, 2, 3, 4})
    _mark_ready(fours, 2, {1})
    _mark_ready(after, 1, {1, 2, 3, 4})  # after the round of four only the fours count
    with fours.scope():
        # everybody is in a pair and in a four
        assert db.scalar(select(func.count()).where(PairMember.workshop_id == fours.id)) == 16

    rows = _rows(r)
    assert rows["Markt Paare"].pairs_ready == overview.Ratio(1, 4)  # 4 pairs, 1 ready
    assert rows["Markt Vierer"].pairs_ready == overview.Ratio(1, 2)  # 2 fours, 1 ready
    assert rows["Markt Danach"].pairs_ready == overview.Ratio(0, 2)  # the fours of step 2b
    # the sort by it orders by the same numbers, on every page alike
    order = [row.name for row in _rows(r, sql.Query.of("paare")).values()]
    assert order == ["Markt Danach", "Markt Paare", "Markt Vierer"]
    for n in range(1, 4):
        [row] = _rows(r, sql.Query(page=n, per_page=1)).values()
        assert row == rows[row.name]


def test_a_round_of_four_costs_no_extra_statement(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make, "ILE Zählland")
    make.workshop(make.municipality(r.region, "Ort Paare"), phase="pairs", participants=4)
    with tenant_scope(r.region.id), counting() as before:
        sql.overview_page(r.coordinator, [db.get(Tenant, r.region.id)], sql.Query.of("paare"))
    make.workshop(make.municipality(r.region, "Ort Vierer"), phase="fours", participants=4)
    with tenant_scope(r.region.id), counting() as after:
        sql.overview_page(r.coordinator, [db.get(Tenant, r.region.id)], sql.Query.of("paare"))
    assert len(after) == len(before)
