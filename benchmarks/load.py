"""Load benchmark: the product's pages against the stack's ceiling, under gunicorn and wrk.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/visionswerk \\
        .venv/bin/python benchmarks/load.py [--duration 10] [--connections 16] [--threads 2]

Creates a scratch database next to the one in DATABASE_URL and seeds it through the
services: a municipality with a step-1 workshop and a plenary workshop of 40 participants
each (one participant takes part in both and has saved a draft), a step-3 workbench
workshop of 40 participants (``tests/workshops/workbench_data.py``) and a region of 60
municipalities × 40 participants (``benchmarks/region_overview.py``). Then starts the
product (``visionswerk.platform.wsgi:app``, and its Celery worker) and the bare baseline
(``benchmarks/baseline_app.py``: Flask + SQLAlchemy ``select 1`` + a small Jinja page)
under the same gunicorn settings (the shipped ``visionswerk.platform.gunicorn_conf``,
``--workers`` sync workers each), logs in as each role, and runs wrk on every page
A B A B (product, baseline, product, baseline). Every response must be a 200 — a
redirect to the login page counts as a failure and stops the run. Prints per page:
req/s of product and baseline, their ratio, the product's p50 and p99 latency and the
server CPU per request (the workers' user + system time over the requests served); at
the end the workers' RSS and PSS. Drops the scratch database. Not part of the test run.

``--pythonpath DIR`` serves the product from another checkout's ``src`` (to measure an
earlier version against the same data); ``--pages`` picks some pages by name.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
TICKS = os.sysconf("SC_CLK_TCK")

LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bad = 0
  last = 0
  local cookie = os.getenv("VW_COOKIE")
  if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
  local auth = os.getenv("VW_AUTH")
  if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1; last = status end
end
function done(summary, latency, requests)
  local n, code = 0, 0
  for _, t in ipairs(threads) do
    n = n + t:get("bad")
    if t:get("last") ~= 0 then code = t:get("last") end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bad": %d, "bad_status": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, n, code,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Page:
    name: str
    path: str
    role: str  # whose login: a key of the cookies dict (or "token" for the API)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it with apt-get", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed")
    return found


# --- seeding ---------------------------------------------------------------------------


def seed(url: str, folder: Path) -> dict[str, object]:
    """The issue's data, through the services; returns paths and the accounts to log in."""
    import region_overview
    from sqlalchemy import select
    from tests.factories import PASSWORD, Factory
    from tests.workshops.factories import make_workshop
    from tests.workshops.workbench_data import big_workshop

    from visionswerk import db as dbmod
    from visionswerk.db import db
    from visionswerk.tenants import api_tokens
    from visionswerk.tenants.accounts import hash_password
    from visionswerk.tenants.models import Tenant, User
    from visionswerk.workshops import services as ws

    app = region_overview.bench_app(url, folder, create_tables=True)
    engine = app.config["ENGINE"]
    make = Factory()
    with app.app_context():
        plenary = make_workshop(make, phase="plenary", participants=40)
        person = plenary.participants[0]
        with plenary.scope():
            for n, row in enumerate(
                ws.plenary_overview(plenary.facilitator, plenary.workshop).proposals
            ):
                for p in plenary.participants[1:4]:
                    ws.mark_strength(p, row.proposal, "gut")
                ws.add_comment(plenary.participants[n % 40], row.proposal, "Das gefällt mir.")
            db.commit()
        step1 = make_workshop(
            make, plenary.tenant, phase="individual", participants=39,
            facilitator=plenary.facilitator, title="Ortsteile 2035",
        )  # fmt: skip
        with step1.scope():
            ws.add_participants(plenary.facilitator, step1.workshop, [person.id])
            for p in step1.participants[::2]:
                ws.save_draft(p, step1.workshop, keywords=["Glasfaser", "Rufbus"],
                              text="Wir sind digital und nah.", submit=True)  # fmt: skip
            ws.save_draft(
                person, step1.workshop, keywords=["Glasfaser", "Rufbus", "Dorfladen"],
                text="Im Jahr 2035 hat jeder Ortsteil Glasfaser.\n\n- Rufbus\n- Dorfladen",
            )  # fmt: skip
            db.commit()
        bench = big_workshop(make, 40)
        seeded = region_overview.seed(60, 40, regions=1, audit=100)
        coordinator = db.scalar(select(User).where(User.email == seeded["coordinator"]))
        assert coordinator is not None
        coordinator.password_hash = hash_password(PASSWORD)
        _token_row, raw = api_tokens.create_token(person, "Benchmark")
        region = db.scalar(select(Tenant).where(Tenant.slug == seeded["region"]))
        assert region is not None
        result = {
            "accounts": {
                "participant": person.email,
                "facilitator": plenary.facilitator.email,
                "workbench": bench.facilitator.email,
                "coordinator": coordinator.email,
            },
            "password": PASSWORD,
            "token": raw,
            "pages": [
                Page("Meine Aufgaben (participant)", "/aufgaben", "participant"),
                Page(
                    "draft, step 1 (participant)",
                    f"/{step1.tenant.slug}/workshops/{step1.id}/entwurf",
                    "participant",
                ),
                Page("API GET /me/tasks (token)", "/api/v1/me/tasks", "token"),
                Page(
                    "plenary 40 (facilitator)",
                    f"/{plenary.tenant.slug}/workshops/{plenary.id}/alle",
                    "facilitator",
                ),
                Page(
                    "plenary 40 (participant)",
                    f"/{plenary.tenant.slug}/workshops/{plenary.id}/alle",
                    "participant",
                ),
                Page(
                    "workbench 40 (facilitator)",
                    f"/{bench.tenant.slug}/workshops/{bench.id}/vision",
                    "workbench",
                ),
                Page(
                    "region overview 60 (coordinator)", f"/{region.slug}/uebersicht", "coordinator"
                ),
            ],
        }
        dbmod.commit()
        db.remove()
    engine.dispose()
    return result


# --- servers ---------------------------------------------------------------------------


class Server:
    def __init__(
        self, name: str, module: str, env: dict[str, str], workers: int, chdir: Path | None
    ) -> None:
        self.name = name
        self.port = free_port()
        cmd = [
            sys.executable, "-m", "gunicorn", "-c", "python:visionswerk.platform.gunicorn_conf",
            "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null",
        ]  # fmt: skip
        if chdir is not None:
            cmd += ["--chdir", str(chdir)]
        self.proc = subprocess.Popen(
            [*cmd, module], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        self.workers = workers

    def wait_ready(self, path: str = "/", timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                sys.exit(f"{self.name} did not start:\n{err[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                conn.getresponse().read()
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        sys.exit(f"{self.name} did not answer within {timeout} s")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def cpu_seconds(self) -> float:
        return sum(cpu_ticks(Path(f"/proc/{pid}")) for pid in self.worker_pids()) / TICKS

    def memory(self) -> list[tuple[int, int]]:
        """(RSS, PSS) in kB per worker."""
        result = []
        for pid in self.worker_pids():
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            rss = int(re.search(r"^Rss:\s+(\d+)", rollup, re.M).group(1))  # type: ignore[union-attr]
            pss = int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))  # type: ignore[union-attr]
            result.append((rss, pss))
        return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class CeleryWorker(Server):
    """The product's worker beside it, as in production: the step-3 suggestions
    are computed there (``worker/suggestions.py``), not in the web workers."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.name, self.workers = "worker", 1
        cmd = [
            sys.executable, "-m", "celery", "-A", "visionswerk.worker.app", "worker",
            "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )


def login(port: int, email: str, password: str) -> str:
    """The session cookie after logging in through the login form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/anmelden")
    response = conn.getresponse()
    html = response.read().decode()
    cookies = _cookies(response)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    from urllib.parse import urlencode

    body = urlencode({"email": email, "password": password, "csrf_token": token})
    conn.request("POST", "/anmelden", body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    })  # fmt: skip
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        sys.exit(f"login as {email} answered {response.status}")
    cookies.update(_cookies(response))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def check_page(port: int, page: Page, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", page.path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(
            f"{page.name}: {page.path} answered {response.status} {response.getheader('Location')}"
        )
    return len(body)


def warm(server: Server, path: str, headers: dict[str, str], per_worker: int = 3) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def get(_n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()

    with ThreadPoolExecutor(server.workers) as pool:
        list(pool.map(get, range(per_worker * server.workers)))


def run_wrk(wrk: str, script: Path, port: int, path: str, args: argparse.Namespace,
            headers: dict[str, str], duration: float) -> dict[str, float]:  # fmt: skip
    env = dict(
        os.environ, VW_COOKIE=headers.get("Cookie", ""), VW_AUTH=headers.get("Authorization", "")
    )
    out = subprocess.run(
        [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{max(1, round(duration))}s",
         "--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{port}{path}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))  # type: ignore[no-any-return]


def cpu_ticks(proc: Path) -> int:
    """User + system CPU of the process at ``proc`` (/proc/<pid>), 0 if it has gone."""
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def _serves(proc: Path, database: str) -> bool:
    try:
        if (proc / "comm").read_text().strip() != "postgres":
            return False
        return f" {database} " in (proc / "cmdline").read_text().replace("\0", " ")
    except OSError:
        return False


def postgres_cpu_seconds(database: str) -> float:
    """CPU of the PostgreSQL backends serving ``database`` (same machine): planning and
    running the statements, which the workers' CPU does not include."""
    backends = (p for p in Path("/proc").iterdir() if p.name.isdigit() and _serves(p, database))
    return sum(cpu_ticks(p) for p in backends) / TICKS


def measure(wrk: str, script: Path, server: Server, path: str, args: argparse.Namespace,
            headers: dict[str, str]) -> dict[str, float]:  # fmt: skip
    run_wrk(wrk, script, server.port, path, args, headers, args.warmup)
    cpu, db_cpu = server.cpu_seconds(), postgres_cpu_seconds(args.database)
    result = run_wrk(wrk, script, server.port, path, args, headers, args.duration)
    result["cpu_s"] = server.cpu_seconds() - cpu
    result["db_cpu_s"] = postgres_cpu_seconds(args.database) - db_cpu
    if result["bad"] or result["socket_errors"]:
        sys.exit(
            f"{server.name} {path}: {result['bad']} answers were not 200 "
            f"(last: {result['bad_status']}), {result['socket_errors']} socket errors"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds per page")
    parser.add_argument(
        "--pages", default="", help="comma-separated words; a page runs if its name has one"
    )
    parser.add_argument("--pythonpath", default="", help="serve the product from this src folder")
    parser.add_argument(
        "--keep", action="store_true", help="leave servers up and the database (prints them)"
    )
    parser.add_argument(
        "--save", default="", help="keep the seeded database; write how to reuse it here"
    )
    parser.add_argument("--reuse", default="", help="a file written by --save: skip seeding")
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        metavar="N",
        help="instead of wrk: N requests per page in this process, median CPU per request",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of wrk: N requests per page in this process under pyinstrument",
    )
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/visionswerk"
        )
    wrk = ensure_wrk()
    from region_overview import scratch_database

    folder = Path(tempfile.mkdtemp(prefix="vw-load-"))
    servers: list[Server] = []
    if args.reuse:  # a database seeded by an earlier run with --save (not dropped)
        saved = json.loads(Path(args.reuse).read_text())
        url, drop = saved["url"], (lambda: None)
        data = dict(saved["data"], pages=[Page(**p) for p in saved["data"]["pages"]])
    else:
        url, drop = scratch_database(base)
    try:
        if not args.reuse:
            started = time.perf_counter()
            data = seed(url, folder)
            print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        if args.save:
            pages = [p.__dict__ for p in data["pages"]]  # type: ignore[attr-defined]
            Path(args.save).write_text(json.dumps({"url": url, "data": dict(data, pages=pages)}))
            drop = lambda: print(f"kept the database for --reuse {args.save}")  # noqa: E731
        if args.profile or args.cpu:
            profile(url, folder, data, args)
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VISIONSWERK", "GUNICORN"))}
        env.update({
            "VISIONSWERK_ENV": "production", "SECRET_KEY": "bench-" + "x" * 40,
            "VISIONSWERK_INSTANCE": str(folder), "DATABASE_URL": url,
            "MFA_REQUIRED_ROLES": "", "BASE_URL": "http://127.0.0.1",
            "MAIL_OUTBOX": str(folder / "outbox"),
        })  # fmt: skip
        args.database = url.rsplit("/", 1)[1].split("?", 1)[0]  # its backends' CPU
        if args.pythonpath:
            env["PYTHONPATH"] = str(Path(args.pythonpath).resolve())
        product = Server("product", "visionswerk.platform.wsgi:app", env, args.workers, None)
        baseline = Server("baseline", "baseline_app:app", env, args.workers, ROOT / "benchmarks")
        worker = CeleryWorker(env, folder / "worker.log")
        servers = [product, baseline, worker]
        product.wait_ready("/healthz")
        baseline.wait_ready("/")
        cookies = {
            role: login(product.port, email, str(data["password"]))
            for role, email in data["accounts"].items()  # type: ignore[attr-defined]
        }
        script = folder / "check.lua"
        script.write_text(LUA)
        wanted = [w.strip().lower() for w in args.pages.split(",") if w.strip()]
        rows = []
        for page in data["pages"]:  # type: ignore[attr-defined]
            if wanted and not any(w in page.name.lower() for w in wanted):
                continue
            headers = (
                {"Authorization": f"Bearer {data['token']}"}
                if page.role == "token"
                else {"Cookie": cookies[page.role]}
            )
            size = check_page(product.port, page, headers)
            warm(product, page.path, headers)  # every worker's first requests fill its caches
            runs: dict[str, list[dict[str, float]]] = {"product": [], "baseline": []}
            for _ in range(args.rounds):
                runs["product"].append(measure(wrk, script, product, page.path, args, headers))
                runs["baseline"].append(measure(wrk, script, baseline, "/", args, {}))
            rows.append(summarise(page, size, runs))
            print_row(rows[-1], flush=True)
        print()
        print_table(rows, args)
        memory = product.memory()
        print(
            "product workers after the run (RSS / PSS, MB): "
            + ", ".join(f"{r / 1024:.0f} / {p / 1024:.0f}" for r, p in memory)
        )
        print(
            "the product's Celery worker (pool process, RSS / PSS, MB): "
            + ", ".join(f"{r / 1024:.0f} / {p / 1024:.0f}" for r, p in worker.memory())
        )
        base_memory = baseline.memory()
        print(
            "baseline workers (RSS / PSS, MB): "
            + ", ".join(f"{r / 1024:.0f} / {p / 1024:.0f}" for r, p in base_memory)
        )
        if args.keep:
            print(f"kept: product on :{product.port}, baseline on :{baseline.port}, database {url}")
            print("cookies:", json.dumps(cookies), "token:", data["token"])
            input("press Enter to stop ")
    finally:
        for server in servers:
            server.stop()
        drop()  # type: ignore[operator]
        shutil.rmtree(folder, ignore_errors=True)


def profile(url: str, folder: Path, data: dict[str, object], args: argparse.Namespace) -> None:
    """Each page ``args.profile`` times through the app in this process (test client, the
    production settings), under pyinstrument; prints the CPU per request and the profile."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from visionswerk.platform import create_app
    from visionswerk.settings import Settings

    settings = Settings.from_env({
        "VISIONSWERK_ENV": "production", "VISIONSWERK_INSTANCE": str(folder),
        "SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": url, "MFA_REQUIRED_ROLES": "",
        "MAIL_OUTBOX": str(folder / "outbox"), "BASE_URL": "http://127.0.0.1",
    })  # fmt: skip
    app = create_app(settings)
    clients = {}
    for role, email in data["accounts"].items():  # type: ignore[attr-defined]
        client = app.test_client()
        html = client.get("/anmelden").get_data(as_text=True)
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        r = client.post(
            "/anmelden", data={"email": email, "password": data["password"], "csrf_token": token}
        )
        assert r.status_code == 302, r.status_code
        clients[role] = client
    clients["token"] = app.test_client()
    wanted = [w.strip().lower() for w in args.pages.split(",") if w.strip()]
    for page in data["pages"]:  # type: ignore[attr-defined]
        if wanted and not any(w in page.name.lower() for w in wanted):
            continue
        client = clients[page.role]
        headers = {"Authorization": f"Bearer {data['token']}"} if page.role == "token" else {}
        for _ in range(3):  # warm
            assert client.get(page.path, headers=headers).status_code == 200
        statements: list[str] = []

        def count(*a: object, _s: list[str] = statements) -> None:
            _s.append(str(a[2]))

        event.listen(Engine, "before_cursor_execute", count)
        if args.cpu:
            times = []
            for _ in range(args.cpu):
                cpu = time.process_time()
                assert client.get(page.path, headers=headers).status_code == 200
                times.append(time.process_time() - cpu)
            event.remove(Engine, "before_cursor_execute", count)
            times.sort()
            print(
                f"{page.name}: CPU per request median {1000 * times[len(times) // 2]:.1f} ms, "
                f"min {1000 * times[0]:.1f} ms, {len(statements) / args.cpu:.0f} SQL statements",
                flush=True,
            )
            continue
        if os.environ.get("CPROFILE"):
            import cProfile
            import pstats

            cpu = time.process_time()
            with cProfile.Profile(time.process_time) as cprof:
                for _ in range(args.profile):
                    assert client.get(page.path, headers=headers).status_code == 200
            cpu = time.process_time() - cpu
            stats = pstats.Stats(cprof).sort_stats("tottime")
            stats.print_stats(int(os.environ["CPROFILE"]))
            stats.sort_stats("cumulative").print_stats("visionswerk", int(os.environ["CPROFILE"]))
            if os.environ.get("CPROFILE_CALLERS"):  # who calls what matches this, e.g. _get_user
                stats.print_callers(os.environ["CPROFILE_CALLERS"])
            if os.environ.get("CPROFILE_CALLEES"):  # what a function spends its time on
                stats.print_callees(os.environ["CPROFILE_CALLEES"])
        else:
            from pyinstrument import Profiler  # only here: `--cpu` runs without it

            profiler = Profiler(interval=0.001)
            cpu = time.process_time()
            with profiler:
                for _ in range(args.profile):
                    response = client.get(page.path, headers=headers)
                    assert response.status_code == 200, response.status_code
            cpu = time.process_time() - cpu
        event.remove(Engine, "before_cursor_execute", count)
        print(
            f"=== {page.name}: {1000 * cpu / args.profile:.1f} ms CPU per request "
            f"(profiled), {len(statements) / args.profile:.0f} statements per request"
        )
        if not os.environ.get("CPROFILE"):
            print(profiler.output_text(unicode=True, color=False, show_all=False))


def summarise(page: Page, size: int, runs: dict[str, list[dict[str, float]]]) -> dict[str, object]:
    def rate(r: dict[str, float]) -> float:
        return r["requests"] / (r["duration_us"] / 1e6)

    product = [rate(r) for r in runs["product"]]
    baseline = [rate(r) for r in runs["baseline"]]
    requests = sum(r["requests"] for r in runs["product"]) or float("nan")
    return {
        "page": page.name,
        "kb": size / 1000,
        "product": sum(product) / len(product),
        "baseline": sum(baseline) / len(baseline),
        "ratios": [p / b for p, b in zip(product, baseline, strict=True)],
        "p50": sorted(r["p50_us"] for r in runs["product"])[len(product) // 2] / 1000,
        "p99": max(r["p99_us"] for r in runs["product"]) / 1000,
        "cpu_ms": 1000 * sum(r["cpu_s"] for r in runs["product"]) / requests,
        "db_cpu_ms": 1000 * sum(r["db_cpu_s"] for r in runs["product"]) / requests,
        "base_cpu_ms": 1000
        * sum(r["cpu_s"] for r in runs["baseline"])
        / sum(r["requests"] for r in runs["baseline"]),
    }


def print_row(row: dict[str, object], flush: bool = False) -> None:
    ratios = " ".join(f"{r:.0%}" for r in row["ratios"])  # type: ignore[attr-defined]
    print(
        f"{row['page']}: {row['product']:.0f} vs {row['baseline']:.0f} req/s ({ratios}), "
        f"p50 {row['p50']:.0f} ms, p99 {row['p99']:.0f} ms, CPU {row['cpu_ms']:.1f} ms/request "
        f"(baseline {row['base_cpu_ms']:.1f}), PostgreSQL {row['db_cpu_ms']:.1f} ms/request, "
        f"{row['kb']:.0f} KB",
        flush=flush,
    )


def print_table(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    print(
        f"gunicorn {args.workers} sync workers, wrk -t{args.threads} -c{args.connections}, "
        f"{args.rounds} × {args.duration:.0f} s per server and page (A B A B)"
    )
    print(
        "| page | req/s product | req/s baseline | ratio | p50 | p99 | CPU per request "
        "| PostgreSQL CPU per request |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = row["product"] / row["baseline"]  # type: ignore[operator]
        print(
            f"| {row['page']} | {row['product']:.0f} | {row['baseline']:.0f} | {ratio:.0%} | "
            f"{row['p50']:.0f} ms | {row['p99']:.0f} ms | {row['cpu_ms']:.1f} ms | "
            f"{row['db_cpu_ms']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
