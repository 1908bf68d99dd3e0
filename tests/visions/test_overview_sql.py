"""The overview's pages come from SQL: every sort and filter orders and keeps the same
rows as the same rule written in Python over all rows, pages are slices of that order,
the stage counts are those of the matching rows, the statement count does not grow with
the number of municipalities, and no statement reads a vision's or a draft's text."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.visions.helpers import based_workshop, finish, make_region
from tests.workshops.test_query_counts import counting
from visionswerk.db import db
from visionswerk.tenants.models import AuditEntry, Tenant, TenantKind
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import overview
from visionswerk.visions import overview_sql as sql
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
PAST = dt.datetime.min.replace(tzinfo=dt.UTC)


def _share(ratio: overview.Ratio) -> float:
    return ratio.done / ratio.total if ratio.total else -1


# the rule of each sort, written over rows (overview_sql says it in SQL)
KEYS = {
    "kommune": lambda r: (),
    "schritt": lambda r: (overview.STAGES.index(r.stage),),
    "frist": lambda r: (r.deadline or FAR,),
    "teilnehmende": lambda r: (r.participants,),
    "entwuerfe": lambda r: (_share(r.drafts_submitted),),
    "paare": lambda r: (_share(r.pairs_ready),),
    "abdeckung": lambda r: (_share(r.coverage),),
    "unterschriften": lambda r: (r.signatures.done,),
    "vision": lambda r: (r.adopted_at or PAST,),
    "grundlage": lambda r: (r.parent_outdated, r.parent_number or 0),
    "aktivitaet": lambda r: (r.last_activity or PAST,),
}
RULES = {"ueberfaellig": lambda r: r.overdue, "veraltet": lambda r: r.parent_outdated}


@pytest.fixture()
def region(make):  # type: ignore[no-untyped-def]
    """Eight municipalities in every state: none, preparation, step 1 late and on time,
    pairs, plenary, adopted on the old ILE version, signing on the new one."""
    r = make_region(make, "ILE Sortierland")
    town = lambda name: make.municipality(r.region, name)  # noqa: E731
    make.municipality(r.region, "Gemeinde Ohne")
    make.workshop(town("Gemeinde Vorbereitung"), participants=2)
    late = make.workshop(town("Gemeinde Spät"), phase="individual", participants=3)
    on_time = make.workshop(town("Gemeinde Pünktlich"), phase="individual", participants=4)
    make.workshop(town("Markt Paare"), phase="pairs", participants=4)
    based_workshop(make, town("Markt Plenum"), r.v1, participants=3)
    finish(based_workshop(make, town("Stadt Alt"), r.v1, participants=2))
    r.import_version()
    make.workshop(town("Stadt Neu"), phase="signing", participants=2)
    for setup, submitting in ((late, 1), (on_time, 3)):
        with setup.scope():
            w = db.get(Workshop, setup.id)
            for person in setup.participants[:submitting]:
                ws.save_draft(person, w, keywords=["Rufbus"], text="Privat", submit=True)
            db.commit()
    with late.scope():
        w = db.get(Workshop, late.id)
        w.deadline_individual = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        db.commit()
    return r


def _all(r, query: sql.Query) -> sql.Page:  # type: ignore[no-untyped-def]
    with tenant_scope(r.region.id):
        return sql.overview_page(r.coordinator, [db.get(Tenant, r.region.id)], query)


def test_every_sort_and_filter_orders_as_its_rule(region) -> None:  # type: ignore[no-untyped-def]
    everything = _all(region, sql.Query(per_page=None)).rows
    assert len(everything) == 8
    assert len({r.stage for r in everything}) == 7  # no workshop and every step
    for sort, key in KEYS.items():
        for direction in ("auf", "ab"):
            for filters in ((), ("ueberfaellig",), ("veraltet",)):
                kept = [r for r in everything if all(RULES[f](r) for f in filters)]
                expected = sorted(
                    kept,
                    key=lambda r, k=key: (*k(r), r.name.lower(), r.tenant_id),
                    reverse=direction == "ab",
                )
                page = _all(region, sql.Query.of(sort, direction, filters, per_page=None))
                assert [r.name for r in page.rows] == [r.name for r in expected], (sort, direction)
                assert page.matching == len(kept) and page.total == 8
    assert [r.name for r in _all(region, sql.Query.of(filters=["ueberfaellig"])).rows] == [
        "Gemeinde Spät"
    ]
    assert [r.name for r in _all(region, sql.Query.of(filters=["veraltet"])).rows] == [
        "Markt Plenum",
        "Stadt Alt",
    ]


def test_pages_are_slices_of_the_order_and_stages_count_the_matching(region) -> None:  # type: ignore[no-untyped-def]
    whole = [r.name for r in _all(region, sql.Query.of("teilnehmende", "ab", per_page=None)).rows]
    by = "teilnehmende"
    pages = [_all(region, sql.Query.of(by, "ab", page=n, per_page=3)) for n in (1, 2, 3)]
    assert [r.name for p in pages for r in p.rows] == whole
    assert [p.pages for p in pages] == [3, 3, 3] and [p.number for p in pages] == [1, 2, 3]
    past = _all(region, sql.Query.of(page=9, per_page=3))
    assert past.number == 3 and len(past.rows) == 2  # the web page shows the last one
    with tenant_scope(region.region.id):
        empty = sql.overview_page(
            region.coordinator, [db.get(Tenant, region.region.id)],
            sql.Query.of(page=9, per_page=3), clamp=False,
        )  # fmt: skip
    assert empty.rows == [] and empty.number == 9
    stages = dict(_all(region, sql.Query()).stages)
    assert stages == {
        "none": 1, "preparation": 1, "individual": 2, "pairs": 1, "fours": 0, "plenary": 1,
        "signing": 1, "adopted": 1,
    }  # fmt: skip
    assert list(stages) == overview.STAGES  # in the order of the steps
    late = dict(_all(region, sql.Query.of(filters=["ueberfaellig"])).stages)
    assert late["individual"] == 1 and sum(late.values()) == 1


def test_numbers_of_a_page_match_the_whole_list(region) -> None:  # type: ignore[no-untyped-def]
    """A row is the same whether it is read with all rows or on a page of one."""
    everything = {r.name: r for r in _all(region, sql.Query(per_page=None)).rows}
    for n in range(1, 9):
        [row] = _all(region, sql.Query(page=n, per_page=1)).rows
        assert row == everything[row.name]
    assert everything["Stadt Alt"].adopted_number == 1 and everything["Stadt Alt"].parent_outdated
    assert everything["Stadt Neu"].signatures.total == 1
    assert everything["Markt Paare"].pairs_ready.total == 2
    assert everything["Gemeinde Pünktlich"].drafts_submitted == overview.Ratio(3, 4)


def _towns(make, r, n: int) -> None:  # type: ignore[no-untyped-def]
    towns = [
        Tenant(slug=f"{r.region.slug}-t{i}", name=f"Ort {i:02d}", kind=TenantKind.MUNICIPALITY,
               parent_id=r.region.id)
        for i in range(n)
    ]  # fmt: skip
    db.add_all(towns)
    db.commit()
    make.workshop(towns[0], phase="pairs", participants=2)
    finish(based_workshop(make, towns[1], r.v1, participants=2))
    make.workshop(towns[2], phase="individual", participants=2)
    for town in towns:
        db.add(AuditEntry(tenant_id=town.id, action="x", object_type="x", detail={}))
    db.commit()


@pytest.mark.parametrize("sort", sql.SORTS)
def test_statements_do_not_grow_and_read_no_texts(make, sort) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for n in (3, 30):
        r = make_region(make)
        _towns(make, r, n)
        db.expire_all()
        query = sql.Query.of(sort, "ab", page=2, per_page=2)
        with tenant_scope(r.region.id), counting() as statements:
            page = sql.overview_page(r.coordinator, [db.get(Tenant, r.region.id)], query)
        assert page.rows and page.total == n
        counts.append(len(statements))
        read = " ".join(statements).lower()
        for column in ("vision_versions.text", ".canonical", "drafts.text", "keywords"):
            assert column not in read, (sort, column)
    assert counts[0] == counts[1] and counts[0] <= 7, counts


def test_page_and_api_are_paged_and_keep_sort_and_filters(client, make) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    r = make_region(make)
    for i in range(55):
        make.municipality(r.region, f"Ort {i:02d}")
    slug = r.region.slug
    login(client, r.coordinator)
    html = client.get(f"/{slug}/uebersicht?sortierung=kommune&richtung=ab").get_data(as_text=True)
    assert 'aria-label="Seiten der Tabelle"' in html and "Seite 1 von 2" in html
    assert "55 von 55 Kommunen · Nr. 1 bis 50" in html
    assert "Ort 54" in html and "Ort 04" not in html  # going down: the last five on page 2
    assert "seite=2" in html and "richtung=ab" in html.split('class="pager"')[1]
    second = client.get(f"/{slug}/uebersicht?sortierung=kommune&richtung=ab&seite=2")
    text = second.get_data(as_text=True)
    assert "Seite 2 von 2" in text and "Ort 04" in text and "Ort 05" not in text
    assert 'aria-current="page"' in text
    assert "Seite 2 von 2" in client.get(f"/{slug}/uebersicht?seite=99").get_data(as_text=True)
    assert client.get(f"/{slug}/uebersicht?seite=abc").status_code == 200  # the first page

    api = client.get(f"/api/v1/{slug}/overview?page=2&per_page=20").get_json()
    assert (api["page"], api["per_page"], api["pages"], api["total"]) == (2, 20, 3, 55)
    assert [m["municipality"]["name"] for m in api["municipalities"]][:2] == ["Ort 20", "Ort 21"]
    assert sum(s["count"] for s in api["stages"]) == 55
    assert client.get(f"/api/v1/{slug}/overview?page=4").get_json()["municipalities"] == []
    for bad in ("per_page=0", "per_page=201", "page=0", "page=x"):
        assert client.get(f"/api/v1/{slug}/overview?{bad}").status_code == 422, bad
    csv_rows = client.get(f"/{slug}/uebersicht.csv").get_data().decode("utf-8-sig").splitlines()
    assert len(csv_rows) == 56  # the CSV has every row


# per sort, indexes the plan must use: each entry one index, or alternatives of which one
PLANS: dict[str, list[tuple[str, ...]]] = {
    # which of the workshop indexes finds a municipality's current workshop on a few rows is
    # the planner's choice (it varies with the statistics other tests left: the plain
    # tenant index is as cheap there); at 2,000 municipalities it is 0016's
    "kommune": [("ix_workshops_tenant_id_created_at", "ix_workshops_tenant_id")],
    "entwuerfe": [("ix_drafts_workshop_id_submitted",)],
    "paare": [("ix_pair_members_workshop_id_round_pair_id_ready_at",)],
    "aktivitaet": [("ix_audit_entries_tenant_id_created_at",)],
}


@pytest.mark.parametrize("sort", list(PLANS))
def test_the_page_can_use_the_overview_indexes(make, sort) -> None:  # type: ignore[no-untyped-def]
    """Migration 0016 (and 0012's audit index) fit the page's statement: with sequential
    scans made expensive, PostgreSQL answers it from these indexes. (At 2,000
    municipalities it chooses them, ix_aspects_workshop_id_status too, as index-only
    scans: benchmarks/README.md; on a few rows it may prefer the older aspects index.)"""
    from sqlalchemy import text

    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    r = make_region(make)
    _towns(make, r, 3)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, params, *_a) -> None:  # type: ignore[no-untyped-def]
        if "FROM (SELECT" in statement:  # the page's rows
            seen.append((statement, params))

    event.listen(Engine, "before_cursor_execute", keep)
    try:
        with tenant_scope(r.region.id):
            sql.overview_page(r.coordinator, [db.get(Tenant, r.region.id)], sql.Query.of(sort))
    finally:
        event.remove(Engine, "before_cursor_execute", keep)
    [(statement, params)] = seen
    connection = db.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for alternatives in PLANS[sort]:
        assert any(index in plan for index in alternatives), (sort, alternatives, plan)
    assert "Seq Scan" not in plan, plan


def test_admin_lists_regions_paged_with_their_municipalities(client, make) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    admin = make.user(admin=True)
    regions = [make.region(f"ILE {i:02d}") for i in range(52)]
    for _ in range(3):
        make.municipality(regions[0])
    login(client, admin)
    first = client.get("/admin/").get_data(as_text=True)
    assert "Seite 1 von 2" in first and 'aria-label="Seiten der Tabelle"' in first
    assert "ILE 00</a> (3 Kommunen)" in first and "ILE 01</a> (0 Kommunen)" in first
    assert "ILE 51" not in first
    second = client.get("/admin/?seite=2").get_data(as_text=True)
    assert "Seite 2 von 2" in second and "ILE 51" in second and "ILE 00<" not in second
    with counting() as few:
        sql.regions_page(admin, 1)
    make.municipality(regions[1])
    db.expire_all()
    with counting() as more:
        sql.regions_page(admin, 2)
    assert len(few) == len(more) <= 3
