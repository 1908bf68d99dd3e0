"""Benchmark: the step-3 workbench page for a workshop of 40 participants (40 drafts with
five keywords, 20 pairs with three-paragraph proposals and five keywords: 300 aspects, a
third decided, four groups; ``tests/workshops/workbench_data.py``).

    .venv/bin/python benchmarks/workbench.py [--participants 40] [--runs 30]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/visionswerk \\
        .venv/bin/python benchmarks/workbench.py

SQLite in a temporary folder unless DATABASE_URL names a PostgreSQL server (then a scratch
database next to it, dropped afterwards). The facilitator requests the page through the
app (test client: the whole request — routing, session, queries, template); printed: HTML
size, SQL statements per request, server CPU per request (process time; median and p95
over ``--runs``), the first request (suggestions computed) and a request right after a
decision. Not part of the test run.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the steady requests")
    parser.add_argument("--no-redis", action="store_true", help="vectors in the process only")
    parser.add_argument("--no-freeze", action="store_true", help="without wsgi.py's gc.freeze()")
    parser.add_argument("--html", help="write the page (as requested) to this file")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile them on CPU time (not wall time)"
    )
    args = parser.parse_args()

    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from tests.factories import PASSWORD, Factory
    from tests.workshops.workbench_data import big_workshop

    from visionswerk import db as dbmod
    from visionswerk.workshops.grouping import warm_up

    folder = Path(tempfile.mkdtemp(prefix="vw-bench-"))
    drop = lambda: None  # noqa: E731
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    from region_overview import bench_app

    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        from region_overview import scratch_database

        url, drop = scratch_database(os.environ["DATABASE_URL"])
    try:
        app = bench_app(url, folder, create_tables=True)
        engine = app.config["ENGINE"]
        # the suggestions are computed in this process (in production: the worker, which
        # loads them like this as it starts; with REDIS_URL the vector store in Redis)
        warm_up(None if args.no_redis else os.environ.get("REDIS_URL"))
        if not args.no_freeze:
            gc.freeze()
        with app.app_context():
            started = time.perf_counter()
            s = big_workshop(Factory(), args.participants)
            page = f"/{s.tenant.slug}/workshops/{s.id}/vision"
            email = s.facilitator.email
            print(
                f"seeded {args.participants} participants in {time.perf_counter() - started:.1f} s"
            )
        client = app.test_client()
        html = client.get("/anmelden").get_data(as_text=True)
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/anmelden", data={"email": email, "password": PASSWORD, "csrf_token": token})

        def request() -> tuple[float, int, int]:
            statements: list[str] = []

            def count(*_a: object) -> None:
                statements.append("x")

            event.listen(Engine, "before_cursor_execute", count)
            cpu = time.process_time()
            response = client.get(page)
            cpu = time.process_time() - cpu
            event.remove(Engine, "before_cursor_execute", count)
            assert response.status_code == 200, response.status_code
            return cpu * 1000, len(response.get_data()), len(statements)

        first, size, n = request()
        # what workbench.js does right after: the passages over the page's budget
        cpu = time.process_time()
        more = client.get(page + "/vorschlaege", headers={"Accept": "application/json"})
        more_cpu = (time.process_time() - cpu) * 1000
        assert more.status_code == 200, more.status_code
        body = client.get(page).get_data(as_text=True)
        if args.html:
            Path(args.html).write_text(body)
        aspects = body.count('<li class="row ')
        if args.profile:
            from pyinstrument import Profiler  # the "bench" extra

            with Profiler(interval=0.0005) as profiler:
                runs = [request() for _ in range(args.runs)]
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        elif args.cprofile:
            import cProfile
            import pstats

            with cProfile.Profile(time.process_time) as profile:
                runs = [request() for _ in range(args.runs)]
            stats = pstats.Stats(profile).sort_stats("tottime")
            stats.print_stats(30)
            stats.sort_stats("cumulative").print_stats("visionswerk/", 40)
        else:
            runs = [request() for _ in range(args.runs)]
        cpu = sorted(r[0] for r in runs)
        # a decision (the ledger form, no JavaScript), then the page again
        token = body.split('name="csrf_token" value="')[1].split('"')[0]
        aid = body.split('name="a" value="')[1].split('"')[0]
        client.post(
            page.removesuffix("vision") + "aspekte",
            data={"csrf_token": token, "action": "set_aside", "reason": "Später.", "a": aid},
        )
        after, _size, _n = request()
        print(f"{aspects} aspects · HTML {size / 1000:.1f} KB · {n} SQL statements per request")
        print(
            f"server CPU per request: min {cpu[0]:.1f} ms, median {statistics.median(cpu):.1f} ms, "
            f"p95 {cpu[int(len(cpu) * 0.95) - 1]:.1f} ms over {args.runs} requests; "
            f"first request {first:.0f} ms (suggestions computed for the page's budget), "
            f"then the rest (vision/vorschlaege, as workbench.js asks) {more_cpu:.0f} ms; "
            f"right after a decision {after:.1f} ms"
        )
        dbmod.db.remove()
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
