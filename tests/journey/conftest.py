"""Fixtures for the journey test: the real app on a live server, a real Celery worker
process that delivers mail into an outbox folder (.eml files, read back by the test) and
builds the PDFs, browser contexts per person, screenshots and axe-core.

The live server's address is the app's BASE_URL while the test runs, so every link in a
mail leads to it, as it would in production."""

from __future__ import annotations

import dataclasses
import email.policy
import os
import re
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.test_login_browser import CHROMIUM_ARGS, chromium_path
from tests.conftest import RUN_ID
from tests.worker.conftest import KOMBU_NOLOAD, WorkerProcess, wait_for
from visionswerk.settings import Settings
from visionswerk.worker.celery_app import celery, configure

WIDE, NARROW = 1280, 390


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(KOMBU_NOLOAD)  # this process enqueues to the embedded broker


# --- mail ------------------------------------------------------------------------------


@dataclasses.dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", self.text)


class Outbox:
    """The folder the worker writes each delivered mail to (no SMTP server configured).

    While a test waits for a mail, the beat's notification scan is sent to the worker every
    few seconds (the real beat runs it once a minute; the test has no minute to spare)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ticked = 0.0
        self.parsed: dict[str, Mail] = {}

    def tick(self) -> None:
        if time.monotonic() - self.ticked > 3:
            self.ticked = time.monotonic()
            celery.send_task("visionswerk.send_notifications")

    def mails(self) -> list[Mail]:
        for f in sorted(self.folder.glob("*.eml")):
            if f.name not in self.parsed:  # each file once: the wait polls often
                msg = message_from_bytes(f.read_bytes(), policy=email.policy.default)
                assert isinstance(msg, EmailMessage)
                plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
                self.parsed[f.name] = Mail(
                    to=str(msg["To"]),
                    subject=str(msg["Subject"]),
                    text=plain.get_content() if plain else "",
                    html=html.get_content() if html else "",
                )
        return [self.parsed[name] for name in sorted(self.parsed)]

    def wait(self, to: str, subject: str | re.Pattern[str], timeout: float = 40) -> Mail:
        """The newest mail to ``to`` whose subject matches, once the worker delivered it."""

        def find() -> Mail | None:
            self.tick()
            time.sleep(0.25)  # (wait_for polls every 50 ms; mails take longer)
            for mail in reversed(self.mails()):
                if to in mail.to and re.search(subject, mail.subject):
                    return mail
            return None

        return wait_for(find, timeout, f"a mail to {to} about {subject!r}")


# --- the server and the worker -----------------------------------------------------------


@dataclasses.dataclass
class Journey:
    base: str
    outbox: Outbox
    worker: WorkerProcess
    shots: Path


@pytest.fixture()
def journey(
    app: Flask, settings: Settings, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Journey]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    outbox_dir = tmp_path / "outbox"
    outbox_dir.mkdir()
    redis_url = os.environ.get("REDIS_URL")
    broker = tmp_path_factory.mktemp("journey-broker")
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
        BASE_URL=base,
        MAIL_OUTBOX=str(outbox_dir),  # no MAIL_SERVER: the worker writes .eml files
        CELERY_QUEUE=f"vw-journey-{RUN_ID}",
        CELERY_BROKER_URL=redis_url or f"sqla+sqlite:///{broker / 'broker.sqlite'}",
        CELERY_RESULT_BACKEND=redis_url or f"db+sqlite:///{broker / 'results.sqlite'}",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    live = Settings.from_env(env)
    original = app.config["VISIONSWERK"]
    app.config["VISIONSWERK"] = dataclasses.replace(original, base_url=base, mail_outbox=outbox_dir)
    configure(celery, live)  # this process enqueues to the real broker, not eagerly
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = WorkerProcess(env, tmp_path)
    shots = Path(os.environ.get("VISIONSWERK_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        worker.start()
        yield Journey(base, Outbox(outbox_dir), worker, shots)
    finally:
        worker.kill()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.config["VISIONSWERK"] = original
        configure(celery, settings)


@pytest.fixture()
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
