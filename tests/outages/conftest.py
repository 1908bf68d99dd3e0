"""Real servers that the tests start, stop and start again: a Redis and a PostgreSQL of
their own on free ports (never the shared ones), and the app under gunicorn with the
project's gunicorn settings (``visionswerk.platform.gunicorn_conf``), as in production.

The demo data is seeded once per session into a SQLite file that each test copies; the
PostgreSQL test migrates and seeds its own server.
"""

from __future__ import annotations

import contextlib
import glob
import html
import http.cookiejar
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
PASSWORD = "musterland-2035"
FACILITATOR = "moderation@musterhausen.example"
OTHER = "teilnahme@musterhausen.example"
REGION = "musterland"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 15.0, *, up: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'} in {timeout}s")


# --- Redis -------------------------------------------------------------------------------


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.skip("redis-server not installed")
        self.process = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        wait_port(self.port, up=False)


@pytest.fixture()
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresServer:
    """initdb into a temporary folder, run as the ``postgres`` OS user when we are root
    (PostgreSQL refuses to run as root), trust authentication on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="vw-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/visionswerk"
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        initdb = _pg_bin("initdb")
        if initdb is None:
            pytest.skip("PostgreSQL binaries not found")
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self._run(_pg_bin("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", "visionswerk")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")  # fmt: skip

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture()
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.init()
    yield server
    server.remove()


# --- the app under gunicorn ---------------------------------------------------------------


def base_env(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VISIONSWERK", "CELERY"))}
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER"):
        env.pop(name, None)
    env.update(
        VISIONSWERK_ENV="testing",
        VISIONSWERK_INSTANCE=str(instance),
        SECRET_KEY="outage-test-secret",
        DATABASE_URL=database_url,
        BASE_URL="http://127.0.0.1",
        MAIL_OUTBOX=str(instance / "outbox"),
        MFA_REQUIRED_ROLES="",  # the seeded coordinator has no phone (as in tests/conftest)
    )
    env.update(extra)
    return env


def minimal_seed(database_url: str) -> None:
    """The schema, a region and two accounts (``FACILITATOR`` coordinates the region),
    in a second: enough for the outage tests, which need logged-in people, not the demo."""
    from sqlalchemy.orm import Session

    from visionswerk.db import Base, make_engine
    from visionswerk.platform.cli import import_models
    from visionswerk.tenants.accounts import hash_password
    from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind, User

    import_models()
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        region = Tenant(slug=REGION, name="ILE Musterland", kind=TenantKind.REGION)
        user = User(email=FACILITATOR, display_name="Moderation",
                    password_hash=hash_password(PASSWORD))  # fmt: skip
        other = User(email=OTHER, display_name="Teilnahme", password_hash=hash_password(PASSWORD))
        session.add_all([region, user, other])
        session.flush()
        session.add(Membership(user_id=user.id, tenant_id=region.id, role=Role.COORDINATOR))
        session.commit()
    engine.dispose()


@dataclass
class Gunicorn:
    env: dict[str, str]
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return (self.folder / "gunicorn.log").read_text(errors="replace")

    def start(self) -> None:
        with (self.folder / "gunicorn.log").open("ab") as out:
            self._spawn(out)
        wait_port(self.port, timeout=30)

    def _spawn(self, out: object) -> None:
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:visionswerk.platform.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "visionswerk.platform.wsgi:app",
            ],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None


@pytest.fixture()
def gunicorn_factory(tmp_path: Path) -> Iterator[type[Gunicorn]]:
    started: list[Gunicorn] = []

    def make(env: dict[str, str]) -> Gunicorn:
        server = Gunicorn(env=env, folder=tmp_path)
        server.start()
        started.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in started:
        server.stop()


# --- a browser-like client (cookies, CSRF token from the page) ------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    url: str


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, body: bytes | None = None,
    ) -> Answer:  # fmt: skip
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})  # fmt: skip
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Answer(resp.status, dict(resp.headers), resp.read().decode(), resp.url)
        except urllib.error.HTTPError as e:
            return Answer(e.code, dict(e.headers), e.read().decode(), e.url)

    def get(self, path: str, **kw: object) -> Answer:
        return self.request("GET", path, **kw)  # type: ignore[arg-type]

    def csrf(self, page: Answer) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.body) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page.body
        )
        assert found, f"no CSRF token on {page.url}"
        return html.unescape(found.group(1))

    def post_form(self, path: str, fields: dict[str, str], page: str | None = None) -> Answer:
        token = self.csrf(self.get(page or path))
        return self.request("POST", path, data={"csrf_token": token, **fields})

    def login(self, email: str = FACILITATOR, password: str = PASSWORD) -> Answer:
        return self.post_form("/anmelden", {"email": email, "password": password})


def assert_security_headers(answer: Answer) -> None:
    headers = {k.lower(): v for k, v in answer.headers.items()}
    assert "default-src 'self'" in headers.get("content-security-policy", "")
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("cache-control") == "no-store"
