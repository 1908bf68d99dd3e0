"""The region overview issues the same number of SQL statements for 3 and for 60
municipalities, and never shows private content."""

from __future__ import annotations

from tests.visions.helpers import based_workshop, finish, make_region
from tests.workshops.test_query_counts import counting
from visionswerk.db import db
from visionswerk.tenants.models import Tenant, TenantKind
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop


def measure(make, municipalities: int) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    r = make_region(make)
    towns = [
        Tenant(slug=f"{r.region.slug}-k{i}", name=f"Gemeinde {i}", kind=TenantKind.MUNICIPALITY,
               parent_id=r.region.id)
        for i in range(municipalities)
    ]  # fmt: skip
    db.add_all(towns)
    db.commit()
    # a few with workshops in different steps, the rest without: the count must not grow
    based_workshop(make, towns[0], r.v1, phase="plenary", participants=3)
    finish(make.workshop(towns[1], phase="plenary", participants=2))  # an adopted first round
    make.workshop(towns[1], phase="pairs", participants=3)  # and its second, running
    make.workshop(towns[2], phase="individual", participants=2)
    for town in towns[3:]:
        with tenant_scope(town.id):
            ws.create_workshop(_facilitator(make, town), town, "W")
    db.commit()
    db.expire_all()
    with tenant_scope(r.region.id), counting() as statements:
        rows = vs.region_overview(r.coordinator, [db.get(Tenant, r.region.id)])
    assert len(rows) == municipalities
    return len(statements), rows


def _facilitator(make, town):  # type: ignore[no-untyped-def]
    return make.user(town, "facilitator")


def test_overview_statement_count_does_not_grow(make) -> None:  # type: ignore[no-untyped-def]
    small, _rows = measure(make, 3)
    large, rows_large = measure(make, 60)
    assert small == large, f"3 municipalities: {small} statements, 60: {large}"
    assert small <= 20
    phases = {r.stage for r in rows_large}
    assert {"plenary", "pairs", "individual", "preparation"} <= phases
    [second_round] = [r for r in rows_large if r.name == "Gemeinde 1"]
    assert (second_round.stage, second_round.adopted_number) == ("pairs", 1)
    assert second_round.drafts_submitted.total == 3  # the running workshop's numbers


def test_overview_rows_hold_numbers_not_content(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    setup = make.workshop(make.municipality(r.region), phase="individual", participants=3)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.save_draft(
            setup.participants[0], w, keywords=["UNIQUE-KW-55"], text="UNIQUE-TXT-55", submit=True
        )
        db.commit()
    with tenant_scope(r.region.id):
        rows = vs.region_overview(r.coordinator, [db.get(Tenant, r.region.id)])
    dumped = repr(rows) + repr([vs.row_json(x) for x in rows]) + vs.csv_bytes(rows).decode("utf-8")
    assert "UNIQUE-KW-55" not in dumped and "UNIQUE-TXT-55" not in dumped
    assert rows[0].drafts_submitted.done == 1 and rows[0].drafts_submitted.total == 3
