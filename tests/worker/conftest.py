"""Fixtures for the worker tests: a real SMTP server on loopback, a real Celery worker
process, a real broker (Redis when REDIS_URL is set, else the embedded SQLite broker in a
temporary folder), and the test database shared with the worker (committing tests).

The worker runs ``celery -A visionswerk.worker.app worker --pool=prefork --concurrency=1``
on a queue of its own for this test run, in a process group of its own, so a test can
SIGKILL it whole; teardown always kills it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from tests.conftest import RUN_ID
from visionswerk.settings import Settings
from visionswerk.worker import outbox
from visionswerk.worker.celery_app import celery, configure
from visionswerk.worker.models import OutgoingEmail

WORKER_START_TIMEOUT = 60.0

#: kombu's SQLAlchemy transport (the embedded broker) declares ``lazy="noload"``, which
#: SQLAlchemy 2.1 deprecates; the warning is kombu's, not ours.
KOMBU_NOLOAD = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(KOMBU_NOLOAD)


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the SMTP server ----------------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    to: str
    subject: str
    at: float  # time.time() when the server had the whole message
    raw: bytes


@dataclass
class Hold:
    """Stop the n-th transaction (0-based) in ``phase`` ('rcpt': before the server has the
    message; 'data': after it has it, before it answers 250) until released."""

    phase: str
    index: int
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


class SinkHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.delay = 0.0  # seconds in DATA before answering: a slow server
        self.refusals: list[str] = []  # answers to the next MAIL commands, e.g. "421 …"
        self.reject_rcpt: dict[str, str] = {}  # address -> permanent answer
        self.hold: Hold | None = None
        self.counts = {"rcpt": 0, "data": 0}

    async def _maybe_hold(self, phase: str) -> None:
        with self.lock:
            n = self.counts[phase]
            self.counts[phase] += 1
            hold = self.hold if self.hold and self.hold.phase == phase else None
        if hold is not None and n == hold.index:
            hold.reached.set()
            for _ in range(400):  # at most 20 s
                if hold.released.is_set():
                    break
                await asyncio.sleep(0.05)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]  # noqa: N802
        with self.lock:
            refusal = self.refusals.pop(0) if self.refusals else None
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address in self.reject_rcpt:
            return self.reject_rcpt[address]
        await self._maybe_hold("rcpt")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = bytes(envelope.original_content or envelope.content)
        msg = email.message_from_bytes(raw)
        with self.lock:
            self.received.append(
                Received(
                    message_id=str(msg["Message-ID"]),
                    to=str(msg["To"]),
                    subject=str(msg["Subject"]),
                    at=time.time(),
                    raw=raw,
                )
            )
        await self._maybe_hold("data")
        return "250 Message accepted"


class SmtpSink:
    """aiosmtpd on 127.0.0.1; ``stop()`` makes connections fail (refused), ``start()``
    brings it back on the same port."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def count(self, message_id: str) -> int:
        return sum(1 for r in self.received if r.message_id == message_id)

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
            self.handler.delay = 0.0
            self.handler.refusals.clear()
            self.handler.reject_rcpt.clear()
            self.handler.hold = None
            self.handler.counts = {"rcpt": 0, "data": 0}


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture()
def smtp(smtp_server: SmtpSink) -> Iterator[SmtpSink]:
    smtp_server.reset()
    if smtp_server.controller is None:
        smtp_server.start()
    yield smtp_server
    smtp_server.reset()
    if smtp_server.controller is None:
        smtp_server.start()


# --- the broker and the worker -------------------------------------------------------------


@pytest.fixture(scope="session")
def worker_env(
    settings: Settings, smtp_server: SmtpSink, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The environment of the worker process (and the settings of this process while a
    worker test runs): the test database, the SMTP sink, a queue of this run's own."""
    folder = tmp_path_factory.mktemp("broker")
    redis_url = os.environ.get("REDIS_URL")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "MAIL_", "VISIONSWERK_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        VISIONSWERK_ENV="testing",
        VISIONSWERK_INSTANCE=str(settings.instance_path),
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        MAIL_OUTBOX=str(settings.mail_outbox),
        MAIL_TIMEOUT="10",
        MAIL_RETRY_BACKOFF="0.2",
        MAIL_RETRY_BACKOFF_MAX="1",
        MAIL_MAX_ATTEMPTS="30",
        CELERY_QUEUE=f"vw-test-{RUN_ID}",
        CELERY_BROKER_URL=redis_url or f"sqla+sqlite:///{folder / 'broker.sqlite'}",
        CELERY_RESULT_BACKEND=redis_url or f"db+sqlite:///{folder / 'results.sqlite'}",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@pytest.fixture()
def live_celery(settings: Settings, worker_env: dict[str, str]) -> Iterator[Settings]:
    """This process enqueues to the real broker (not eagerly) while the test runs."""
    live = Settings.from_env(worker_env)
    configure(celery, live)
    yield live
    configure(celery, settings)


class WorkerProcess:
    _count = 0

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        WorkerProcess._count += 1
        self.name = f"vwtest{WorkerProcess._count}-{RUN_ID}"
        self.env = env
        self.log = folder / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        queue = self.env["CELERY_QUEUE"]  # and the step-3 suggestions' (worker/suggestions.py)
        command = [
            sys.executable, "-m", "celery", "-A", "visionswerk.worker.app", "worker",
            "--pool=prefork", "--concurrency=1", "-Q", f"{queue},{queue}.suggestions",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"{self.name}@%h",
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the children too
            )  # fmt: skip
        wait_for(self._ready, WORKER_START_TIMEOUT, f"worker {self.name} to start")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{self.output()}")
        return " ready." in self.output()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once (a crash, no shutdown)."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture()
def start_worker(
    worker_env: dict[str, str], live_celery: Settings, tmp_path: Path
) -> Iterator[Callable[[], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(worker_env, tmp_path)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture()
def worker(start_worker: Callable[[], WorkerProcess]) -> WorkerProcess:
    return start_worker()


# --- looking at the outbox --------------------------------------------------------------


@dataclass
class Enqueued:
    ids: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


@pytest.fixture()
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    """Counts every hand-over of an email to the broker from this process."""
    record = Enqueued()
    real = outbox.enqueue

    def counting(email_id: int) -> None:
        record.ids.append(email_id)
        real(email_id)

    real_batch = outbox.enqueue_batch

    def counting_batch(email_ids: list[int]) -> None:  # the sweeps' hand-over
        record.ids.extend(email_ids)
        real_batch(email_ids)

    monkeypatch.setattr(outbox, "enqueue", counting)
    monkeypatch.setattr(outbox, "enqueue_batch", counting_batch)
    return record


def outbox_rows(engine: Engine) -> list[OutgoingEmail]:
    """Current rows, read on a connection of their own (no long read transaction that
    would hold SQLite's lock against the worker)."""
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        rows = list(session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))
        session.expunge_all()
        return rows


def all_settled(engine: Engine, count: int) -> Callable[[], list[OutgoingEmail] | None]:
    def check() -> list[OutgoingEmail] | None:
        rows = outbox_rows(engine)
        done = [r for r in rows if r.status.value in ("sent", "failed")]
        return rows if len(rows) == count and len(done) == count else None

    return check


def future(delta: dt.timedelta) -> dt.datetime:
    return outbox.now() + delta
