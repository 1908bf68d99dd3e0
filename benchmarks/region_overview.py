"""Benchmark: the region overview with 60 (or 2,000) municipalities × 40 participants on
PostgreSQL, as a coordinator and as the platform admin request the page.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/visionswerk \\
        .venv/bin/python benchmarks/region_overview.py [--municipalities 60] \\
        [--participants 40] [--regions N] [--audit 100] [--runs 50] [--keep | --reuse URL]

Creates a scratch database next to the one in DATABASE_URL (its name plus ``_bench_…``),
seeds ``--regions`` regions (default: one per 100 municipalities) with workshops in every
step, submitted drafts, confirmed pairs, aspects, signatures, a parent vision in two
versions and ``--audit`` audit entries per municipality; one coordinator coordinates every
region. Then it requests the pages through the app (test client: routing, session,
queries, template) — the coordinator's overview of one region and of all of them, the
admin's, sorted by activity, by drafts, filtered — and prints for each the SQL statements
per request, the HTML size, the wall time per request (median, p95) over ``--runs`` and
the app's CPU time per request (median; PostgreSQL's work is in the wall time only).
``--keep`` keeps the scratch database (its URL is printed), ``--reuse URL`` skips seeding
and uses it (then nothing is dropped). Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def bench_app(url: str, folder: Path | str, *, create_tables: bool = False, **extra: str):  # type: ignore[no-untyped-def]
    """The app the benchmarks seed and request pages through (test client): testing
    settings on ``url``, files in ``folder``, ``extra`` settings on top."""
    from visionswerk.platform import create_app
    from visionswerk.settings import Settings

    import_models()
    engine = make_engine(url)
    if create_tables:
        Base.metadata.create_all(engine)
    settings = Settings.from_env({
        "VISIONSWERK_ENV": "testing", "VISIONSWERK_INSTANCE": str(folder),
        "SECRET_KEY": "bench", "DATABASE_URL": url, "CELERY_ALWAYS_EAGER": "1",
        "MAIL_OUTBOX": f"{folder}/outbox", "BASE_URL": "http://localhost", **extra,
    })  # fmt: skip
    return create_app(settings, ENGINE=engine, TESTING=True)


def seed(municipalities: int, participants: int, regions: int, audit: int) -> dict[str, object]:
    """Bulk rows (no services but the version freezing) in realistic shapes. Returns what
    the timed requests need: the coordinator's and the admin's emails, a region's slug."""
    import datetime as dt

    from sqlalchemy import insert
    from tests.factories import PASSWORD

    from visionswerk.tenants.accounts import hash_password
    from visionswerk.tenants.models import AuditEntry
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

    password = hash_password(PASSWORD)
    coordinator = User(email="koordination@bench.example", display_name="Koordination",
                       password_hash=password)  # fmt: skip
    admin = User(email="admin@bench.example", display_name="Admin", password_hash=password,
                 is_platform_admin=True)  # fmt: skip
    db.add_all([coordinator, admin])
    db.flush()
    ile = []
    for k in range(regions):
        region = Tenant(slug=f"bench-region-{k}", name=f"ILE Benchmark {k:03d}",
                        kind=TenantKind.REGION)  # fmt: skip
        db.add(region)
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
        ile.append((region, parents))
    phases = list(Phase)
    now = utcnow()
    for m in range(municipalities):
        region, parents = ile[m % regions]
        town = Tenant(
            slug=f"bench-{m}", name=f"Gemeinde {m:04d}", kind=TenantKind.MUNICIPALITY,
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
                submitted_at=utcnow() if (i + m) % 4 else None,
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
                        ready_at=utcnow() if (p + m) % 3 else None,
                    )
                    for u in users[2 * p : 2 * p + 2]
                )  # fmt: skip
            db.add_all(
                Aspect(
                    tenant_id=town.id, workshop_id=w.id, key=f"d{d.id}:glasfaser",
                    label="Glasfaser", source=AspectSource.DRAFT, draft_id=d.id,
                    participant_id=d.author_id,
                    status=AspectStatus.TAKEN_UP if (i + m) % 2 else AspectStatus.OPEN,
                )
                for i, d in enumerate(drafts)
            )  # fmt: skip
        if phase in (Phase.SIGNING, Phase.ADOPTED):
            with tenant_scope(town.id):
                version = signing.create_version(
                    tenant_id=town.id, title="Vision", text="Unsere Vision " * 200,
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
        if audit:  # the history behind "Letzte Aktivität": spread over the last months
            db.execute(
                insert(AuditEntry),
                [
                    {
                        "tenant_id": town.id, "actor_id": users[i % participants].id,
                        "action": "draft.saved", "object_type": "draft", "object_id": i,
                        "detail": {},
                        "created_at": now - dt.timedelta(hours=(i * 7 + m * 13) % 4000),
                    }
                    for i in range(audit)
                ],
            )  # fmt: skip
        db.flush()
        if m % 100 == 99:
            dbmod.commit()
            print(f"  {m + 1} municipalities", flush=True)
    dbmod.commit()
    return {"coordinator": coordinator.email, "admin": admin.email, "region": ile[0][0].slug}


def pages(region: str) -> list[tuple[str, str, str]]:
    """(who, what, path) of the timed requests."""
    return [
        ("coordinator", "one region", f"/{region}/uebersicht"),
        ("coordinator", "all regions", "/uebersicht"),
        ("admin", "all regions", "/uebersicht"),
        ("admin", "by last activity", "/uebersicht?sortierung=aktivitaet&richtung=ab"),
        ("admin", "by drafts submitted", "/uebersicht?sortierung=entwuerfe"),
        ("admin", "outdated basis, page 3", "/uebersicht?filter=veraltet&seite=3"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=60)
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--regions", type=int, default=0, help="default: one per 100")
    parser.add_argument("--audit", type=int, default=100, help="audit entries per municipality")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", help="a seeded scratch database's URL (no seeding)")
    parser.add_argument("--only", help="time only the pages whose path contains this")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base and not args.reuse:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/visionswerk"
        )
    if args.reuse:
        url, drop = args.reuse, (lambda: None)
    else:
        url, drop = scratch_database(base)  # type: ignore[arg-type]
    try:
        run(args, url)
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            drop()  # type: ignore[operator]


def run(args: argparse.Namespace, url: str) -> None:
    import tempfile

    from sqlalchemy.engine import Engine

    folder = tempfile.mkdtemp(prefix="vw-bench-")
    # the benchmark's admin and coordinator have no phone: no two-factor login
    app = bench_app(url, folder, MFA_REQUIRED_ROLES="")
    engine = app.config["ENGINE"]
    with app.app_context():
        if args.reuse:
            seeded = {
                "coordinator": "koordination@bench.example",
                "admin": "admin@bench.example",
                "region": "bench-region-0",
            }
        else:
            Base.metadata.create_all(engine)
            regions = args.regions or max(1, args.municipalities // 100)
            started = time.perf_counter()
            seeded = seed(args.municipalities, args.participants, regions, args.audit)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would after the load
            print(
                f"seeded {args.municipalities} municipalities × {args.participants} "
                f"participants in {regions} regions in {time.perf_counter() - started:.1f} s"
            )
        db.remove()
    clients = {who: _logged_in(app, seeded[who]) for who in ("coordinator", "admin")}  # type: ignore[index]
    with open("/proc/loadavg") as f:
        print(f"load average before timing: {' '.join(f.read().split()[:3])}")
    for who, what, path in pages(seeded["region"]):  # type: ignore[arg-type]
        if args.only and args.only not in path:
            continue
        client = clients[who]
        times: list[float] = []
        cpu: list[float] = []
        statements = size = 0
        for run_ in range(args.runs + 2):
            counted: list[str] = []

            def count(*_a: object, _c: list[str] = counted) -> None:
                _c.append("x")

            event.listen(Engine, "before_cursor_execute", count)
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(path)
            elapsed, used = time.perf_counter() - t0, time.process_time() - c0
            event.remove(Engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code, response.location)
            if run_ >= 2:  # warm-up requests are not counted
                times.append(elapsed * 1000)
                cpu.append(used * 1000)
                statements, size = len(counted), len(response.get_data())
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{who:11} {what:24} {statements:3d} statements  {size / 1000:6.1f} KB  "
            f"median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
            f"app CPU {statistics.median(cpu):6.1f} ms"
        )
    with open("/proc/loadavg") as f:
        print(f"load average after timing: {' '.join(f.read().split()[:3])}")
    engine.dispose()


def _logged_in(app, email: str):  # type: ignore[no-untyped-def]
    from tests.factories import PASSWORD

    client = app.test_client()
    html = client.get("/anmelden").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/anmelden", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.status_code
    return client


if __name__ == "__main__":
    main()
