"""Benchmark: the coordinator's region overview with 60 municipalities × 40 participants
on PostgreSQL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/visionswerk \\
        .venv/bin/python benchmarks/region_overview.py [--municipalities 60] \\
        [--participants 40] [--runs 50]

Creates a scratch database next to the one in DATABASE_URL (its name plus ``_bench_…``),
seeds one region (workshops in every step, submitted drafts, confirmed pairs, aspects,
signatures, a parent vision in two versions), times ``region_overview`` (fresh session
each run, as in a request) and prints the SQL statement count, median and p95; then drops
the scratch database. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid

from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from visionswerk import db as dbmod
from visionswerk.db import Base, db, make_engine, utcnow
from visionswerk.platform.cli import import_models
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind, User
from visionswerk.tenants.scoping import tenant_scope


def scratch_database(base_url: str) -> tuple[str, object]:
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    if url.get_backend_name() != "postgresql":
        sys.exit("DATABASE_URL must point to PostgreSQL (postgresql://…)")
    name = f"{url.database or 'visionswerk'}_bench_{uuid.uuid4().hex[:8]}"
    admin_url = url.set(database="postgres").render_as_string(hide_password=False)
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        eng = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def seed(municipalities: int, participants: int) -> tuple[int, int]:
    """Bulk rows (no password hashing, no services) in realistic shapes. Returns the
    region's and the coordinator's ids."""
    import datetime as dt

    from visionswerk.workshops import signing
    from visionswerk.workshops.models import (
        Aspect,
        AspectSource,
        AspectStatus,
        Draft,
        Pair,
        PairMember,
        Participation,
        Phase,
        Signatory,
        Signature,
        VisionSource,
        Workshop,
    )

    region = Tenant(slug="bench-region", name="ILE Benchmark", kind=TenantKind.REGION)
    db.add(region)
    db.flush()
    coordinator = User(email="koordination@bench.example", display_name="Koordination")
    db.add(coordinator)
    db.flush()
    db.add(Membership(user_id=coordinator.id, tenant_id=region.id, role=Role.COORDINATOR))
    parents = []
    for number, day in ((1, dt.datetime(2021, 5, 4, tzinfo=dt.UTC)), (2, utcnow())):
        with tenant_scope(region.id):
            parents.append(
                signing.create_version(
                    tenant_id=region.id,
                    title="Leitbild",
                    text=f"Leitbild Fassung {number}\n\n- Glasfaser\n- Rufbus",
                    source=VisionSource.IMPORTED,
                    created_by=coordinator,
                    adopted_at=day,
                )
            )
    phases = list(Phase)
    for m in range(municipalities):
        town = Tenant(
            slug=f"bench-{m}", name=f"Gemeinde {m:02d}", kind=TenantKind.MUNICIPALITY,
            parent_id=region.id,
        )  # fmt: skip
        db.add(town)
        db.flush()
        phase = phases[m % len(phases)]
        users = [
            User(email=f"p{i}@bench-{m}.example", display_name=f"Person {i}")
            for i in range(participants)
        ]
        db.add_all(users)
        db.flush()
        db.add_all(
            Membership(user_id=u.id, tenant_id=town.id, role=Role.PARTICIPANT) for u in users
        )
        w = Workshop(
            tenant_id=town.id, title=f"Gemeinde {m} 2035", phase=phase,
            parent_vision_version_id=parents[m % 2].id,
            deadline_individual=utcnow() + dt.timedelta(days=(m % 5) - 2),
        )  # fmt: skip
        db.add(w)
        db.flush()
        db.add_all(Participation(tenant_id=town.id, workshop_id=w.id, user_id=u.id) for u in users)
        drafts = [
            Draft(
                tenant_id=town.id, workshop_id=w.id, author_id=u.id, keywords=["Glasfaser"],
                text="privat", version=1,
                submitted_at=utcnow() if i % 4 else None,
            )
            for i, u in enumerate(users)
        ]  # fmt: skip
        db.add_all(drafts)
        db.flush()
        if phase in (Phase.PAIRS, Phase.PLENARY, Phase.SIGNING, Phase.ADOPTED):
            for p in range(participants // 2):
                pair = Pair(tenant_id=town.id, workshop_id=w.id, number=p + 1)
                db.add(pair)
                db.flush()
                db.add_all(
                    PairMember(
                        tenant_id=town.id, workshop_id=w.id, pair_id=pair.id, user_id=u.id,
                        ready_at=utcnow() if p % 3 else None,
                    )
                    for u in users[2 * p : 2 * p + 2]
                )  # fmt: skip
            db.add_all(
                Aspect(
                    tenant_id=town.id, workshop_id=w.id, key=f"d{d.id}:glasfaser",
                    label="Glasfaser", source=AspectSource.DRAFT, draft_id=d.id,
                    participant_id=d.author_id,
                    status=AspectStatus.TAKEN_UP if i % 2 else AspectStatus.OPEN,
                )
                for i, d in enumerate(drafts)
            )  # fmt: skip
        if phase in (Phase.SIGNING, Phase.ADOPTED):
            with tenant_scope(town.id):
                version = signing.create_version(
                    tenant_id=town.id, title="Vision", text="Unsere Vision",
                    source=VisionSource.WORKSHOP, created_by=None, workshop_id=w.id,
                    embedded_parent=parents[m % 2],
                    adopted_at=utcnow() if phase == Phase.ADOPTED else None,
                )  # fmt: skip
            for u in users[:5]:
                s = Signatory(tenant_id=town.id, version_id=version.id, user_id=u.id, name="X")
                db.add(s)
                db.flush()
                db.add(
                    Signature(
                        tenant_id=town.id, version_id=version.id, signatory_id=s.id,
                        user_id=u.id, name="X", sha256=version.sha256,
                    )
                )  # fmt: skip
        db.flush()
    dbmod.commit()
    return region.id, coordinator.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=60)
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/visionswerk"
        )
    url, drop = scratch_database(base)
    try:
        import_models()
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        dbmod.bind(engine)
        started = time.perf_counter()
        region_id, coordinator_id = seed(args.municipalities, args.participants)
        print(
            f"seeded {args.municipalities} municipalities × {args.participants} participants "
            f"in {time.perf_counter() - started:.1f} s"
        )
        from visionswerk.visions import services as vs

        statements: list[str] = []
        times: list[float] = []
        for run in range(args.runs + 3):
            db.remove()
            counted: list[str] = []

            def count(conn, cursor, statement, *a, _c=counted) -> None:  # type: ignore[no-untyped-def]
                _c.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            t0 = time.perf_counter()
            with tenant_scope(region_id):
                coordinator = db.get(User, coordinator_id)
                region = db.scalar(select(Tenant).where(Tenant.id == region_id))
                rows = vs.region_overview(coordinator, [region])
            elapsed = time.perf_counter() - t0
            event.remove(engine, "before_cursor_execute", count)
            assert len(rows) == args.municipalities
            if run >= 3:  # warm-up runs are not counted
                times.append(elapsed * 1000)
                statements = counted
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"region overview: {len(statements)} SQL statements per call, {args.runs} runs")
        print(f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
        db.remove()
        engine.dispose()
    finally:
        drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
