"""Benchmark: the worker's sweeps at scale on PostgreSQL — the deadline reminder sweep for
100,000 participants in 500 workshops, and the notification scan with a small and a large
audit history.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/visionswerk \\
        .venv/bin/python benchmarks/sweeps.py [--participants 100000] [--workshops 500] \\
        [--history 300000]

Creates a scratch database next to the one in DATABASE_URL (its name plus ``_bench_…``),
seeds it with COPY (workshops in step 1 with the 48-hour reminder due, 21 % of the
drafts submitted: 79 % of the participants are reminded), then runs, each in a fresh
worker-like process: the reminder sweep twice (the second must create nothing), and
the notification scan after five new
"step opened" entries on top of a small and of a large history (both already notified
and scanned). Prints worker CPU time, wall time, peak RSS, SQL statements and rows
created per run; then drops the scratch database. With REDIS_URL set, the mails are
handed to that broker on a queue of the run's own (purged after; no worker reads it), so
the hand-over's cost is measured too; without it they are counted, not sent. Not part of
the test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import uuid

from sqlalchemy import event, text

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from region_overview import scratch_database  # noqa: E402

NOW = dt.datetime(2031, 3, 8, 12, 0, tzinfo=dt.UTC)
DEADLINE = NOW + dt.timedelta(hours=30)  # the 48-hour slot is due
TOWNS_PER_WORKSHOPS = 5  # workshops per municipality


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _copy(conn, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    with conn.cursor() as cur:
        names = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def seed(engine, participants: int, workshops: int, history: int) -> None:  # type: ignore[no-untyped-def]
    """Bulk rows with COPY (no services): tenants, users, workshops, participations,
    drafts (21 % submitted), audit history with its mails already in the outbox."""
    now = _naive(NOW)
    towns = max(1, workshops // TOWNS_PER_WORKSHOPS)
    per = participants // workshops
    raw = engine.raw_connection()
    conn = raw.driver_connection
    _copy(
        conn, "tenants",
        ["id", "slug", "name", "kind", "visions_public", "time_zone", "created_at"],
        ((t + 1, f"bench-{t}", f"Gemeinde {t:03d}", "municipality", False, "Europe/Berlin", now)
         for t in range(towns)),
    )  # fmt: skip
    _copy(
        conn, "users",
        ["id", "email", "display_name", "locale", "is_platform_admin", "active", "created_at"],
        ((u + 1, f"p{u}@bench.example", f"Person <{u}> & Co", "en" if u % 10 == 0 else "de",
          False, True, now) for u in range(participants)),
    )  # fmt: skip
    _copy(
        conn, "workshops",
        ["id", "tenant_id", "title", "guiding_question", "phase", "reminder_offsets",
         "invited_emails", "pairs_include_without_draft", "deadline_individual", "created_at",
         "updated_at"],
        ((w + 1, w % towns + 1, f"Dorf {w} 2035", "Wie wollen wir leben?", "individual",
          "[48, 24]", "[]", False, _naive(DEADLINE), now, now) for w in range(workshops)),
    )  # fmt: skip
    _copy(
        conn, "workshop_participations", ["tenant_id", "workshop_id", "user_id", "created_at"],
        ((u // per % workshops % towns + 1, u // per % workshops + 1, u + 1, now)
         for u in range(participants)),
    )  # fmt: skip
    _copy(
        conn, "drafts",
        ["tenant_id", "workshop_id", "author_id", "keywords", "text", "version",
         "name_in_documentation", "created_at", "updated_at", "submitted_at"],
        ((u // per % workshops % towns + 1, u // per % workshops + 1, u + 1, '["Glasfaser"]',
          "privat", 1, False, now, now, now if u % 100 < 21 else None)
         for u in range(participants)),
    )  # fmt: skip
    _seed_history(conn, history, workshops, towns, per)
    with conn.cursor() as cur:
        for table in ("tenants", "users", "workshops", "audit_entries", "outgoing_emails"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        cur.execute("ANALYZE")
    conn.commit()
    raw.close()


def _seed_history(conn, history: int, workshops: int, towns: int, per: int) -> None:  # type: ignore[no-untyped-def]
    """``history`` audit entries over a year; of them one "step opened" per 1,000 within
    the last two days, already notified (their outbox rows exist) and scanned."""
    now = _naive(NOW)
    moves = max(1, history // 1000)
    step = max(1, history // moves)

    def entry(i: int) -> tuple[object, ...]:
        w = i % workshops
        if i % step == 0:  # a recent move to step 1, an hour to two days ago
            at = now - dt.timedelta(hours=1 + (47 * i) // max(1, history))
            return (
                i + 1,
                w % towns + 1,
                "workshop.move",
                "workshop",
                w + 1,
                '{"to": "individual"}',
                at,
            )
        at = now - dt.timedelta(days=3 + (362 * i) // max(1, history))
        return (i + 1, w % towns + 1, "draft.save", "draft", i, "{}", at)

    columns = ["id", "tenant_id", "action", "object_type", "object_id", "detail", "created_at"]
    _copy(conn, "audit_entries", columns, (entry(i) for i in range(history)))

    def sent() -> object:
        for i in range(0, history, step):
            w = i % workshops
            for u in range(w * per, (w + 1) * per):
                yield (f"notify:{i + 1}:{u + 1}", w % towns + 1, f"p{u}@bench.example", "x",
                       "", f"<h{i}-{u}@bench>", "sent", 1, now, now)  # fmt: skip

    _copy(
        conn, "outgoing_emails",
        ["idempotency_key", "tenant_id", "to", "subject", "text", "message_id", "status",
         "attempts", "created_at", "due_at"],
        sent(),
    )  # fmt: skip
    with conn.cursor() as cur:  # the state after the last scan, where the code keeps one
        cur.execute("SELECT to_regclass('scan_cursors')")
        if cur.fetchone()[0] is not None:
            cur.execute(
                "INSERT INTO scan_cursors (name, position, updated_at) VALUES (%s, %s, %s)",
                ("notifications", history, now),
            )


def _new_moves(engine, workshops: int, towns: int) -> None:  # type: ignore[no-untyped-def]
    """Five workshops move to step 1 just now: the new entries the next scan must mail."""
    with engine.begin() as conn:
        for w in range(min(5, workshops)):
            conn.execute(
                text(
                    "INSERT INTO audit_entries (tenant_id, action, object_type, object_id, "
                    "detail, created_at) VALUES (:t, 'workshop.move', 'workshop', :w, "
                    '\'{"to": "individual"}\', :at)'
                ),
                {"t": w % towns + 1, "w": w + 1, "at": _naive(NOW)},
            )


def run(url: str, what: str) -> dict[str, object]:
    """One sweep in this process, as a worker runs it (``--run``)."""
    from visionswerk import db as dbmod
    from visionswerk.db import make_engine
    from visionswerk.platform.cli import import_models
    from visionswerk.settings import Settings
    from visionswerk.worker import notifications, outbox, reminders
    from visionswerk.worker.celery_app import celery, configure

    import_models()
    env = {"VISIONSWERK_ENV": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
           "BASE_URL": "https://visionswerk.example", "CELERY_ALWAYS_EAGER": "1"}  # fmt: skip
    broker = os.environ.get("REDIS_URL")
    if broker:  # real hand-overs, to a queue of this run's own (purged below)
        env.update(REDIS_URL=broker, CELERY_QUEUE=f"bench-sweeps-{uuid.uuid4().hex[:8]}")
        del env["CELERY_ALWAYS_EAGER"]
    settings = Settings.from_env(env)
    configure(celery, settings)
    handed: list[int] = []
    if broker:
        real_one, real_batch = outbox.enqueue, getattr(outbox, "enqueue_batch", None)
        outbox.enqueue = lambda i: (handed.append(i), real_one(i))  # type: ignore[assignment]
        if real_batch is not None:
            outbox.enqueue_batch = lambda ids: (handed.extend(ids), real_batch(ids))  # type: ignore[assignment]
    else:  # counted, not sent
        outbox.enqueue = handed.append
        outbox.enqueue_batch = handed.extend  # type: ignore[attr-defined]
    engine = make_engine(url)

    def outbox_rows() -> int:  # rows created = rows after - rows before (not counted)
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM outgoing_emails")).scalar_one())

    before = outbox_rows()
    statements = [0]

    def count(*args: object) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    dbmod.bind(engine)
    profiler = None
    if os.environ.get("SWEEPS_PROFILE"):  # a pyinstrument profile of the run, as text
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    cpu, wall = time.process_time(), time.perf_counter()
    if what == "reminders":
        reminders.sweep(settings, NOW)
    else:
        notifications.scan(settings, NOW)
    dbmod.commit()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        profiler.stop()
        with open(f"{os.environ['SWEEPS_PROFILE']}-{what}.txt", "a") as out:
            out.write(profiler.output_text(unicode=True, show_all=False))
    event.remove(engine, "before_cursor_execute", count)
    if broker:
        with celery.connection_for_write() as conn:
            conn.default_channel.queue_purge(settings.celery_queue)
    return {
        "cpu": cpu,
        "wall": wall,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "statements": statements[0],
        "created": outbox_rows() - before,
        "handed_over": len(handed),
    }


def _child(url: str, what: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--run", what, "--url", url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--workshops", type=int, default=500)
    parser.add_argument("--history", type=int, default=300_000, help="audit entries (large)")
    parser.add_argument("--small-history", type=int, default=1_000)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.url, args.run)))
        return
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/visionswerk"
        )
    results = []
    for label, history in (("small", args.small_history), ("large", args.history)):
        results += _one_database(args, base, label, history)
    print("\n| run | rows created | worker CPU s | wall s | peak RSS MB | SQL statements |")
    print("|---|---|---|---|---|---|")
    for name, r in results:
        print(
            f"| {name} | {r['created']:,} | {r['cpu']:.2f} | {r['wall']:.2f} | "
            f"{r['rss_mb']:.0f} | {r['statements']:,} |"
        )


def _one_database(args, base: str, label: str, history: int) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    from visionswerk.db import Base, make_engine
    from visionswerk.platform.cli import import_models

    url, drop = scratch_database(base)
    try:
        import_models()
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        seed(engine, args.participants, args.workshops, history)
        print(
            f"seeded {args.participants:,} participants in {args.workshops} workshops, "
            f"{history:,} audit entries in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        out = []
        if label == "small":  # the reminders do not depend on the audit history
            for n in ("first", "second"):
                out.append((f"reminder sweep, {n}", _child(url, "reminders")))
                print(out[-1], flush=True)
        _new_moves(engine, args.workshops, max(1, args.workshops // TOWNS_PER_WORKSHOPS))
        engine.dispose()
        for n in ("first", "second"):
            out.append(
                (f"notification scan, {label} history ({history:,}), {n}", _child(url, "scan"))
            )
            print(out[-1], flush=True)
        return out
    finally:
        drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
