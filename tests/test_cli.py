"""The ``visionswerk`` command: first admin, demo data, migrations, the local run."""

from __future__ import annotations

import dataclasses
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from visionswerk.db import db, make_engine
from visionswerk.platform import cli
from visionswerk.platform.demo import DEMO_PASSWORD
from visionswerk.settings import Settings
from visionswerk.tenants.accounts import authenticate, user_by_email
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind, User


def invoke(app: Flask, *args: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_create_admin_creates_a_platform_admin(app: Flask) -> None:
    result = invoke(app, "create-admin", "--email", " Anna@Example.org ", "--name", "Anna Admin",
                    "--password", "ein-langes-passwort")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Plattform-Admin anna@example.org ist angelegt." in result.output
    user = user_by_email("anna@example.org")
    assert user is not None
    assert user.is_platform_admin
    assert user.display_name == "Anna Admin"
    assert authenticate("anna@example.org", "ein-langes-passwort") is user


def test_create_admin_prompts_for_missing_values(app: Flask) -> None:
    result = invoke(
        app,
        "create-admin",
        input="berta@example.org\nBerta\nnoch-ein-passwort\nnoch-ein-passwort\n",
    )
    assert result.exit_code == 0, result.output
    assert user_by_email("berta@example.org").is_platform_admin


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (
            "keine-adresse",
            "ein-langes-passwort",
            "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        ),
        ("kurz@example.org", "kurz", "Das Passwort muss mindestens 12 Zeichen lang sein."),
        ("admin@example.org", "qwertzuiopasdf", "leicht zu erraten"),
    ],
)
def test_create_admin_rejects_bad_input(app: Flask, email: str, password: str, message: str):
    before = db.scalar(select(func.count(User.id)))
    result = invoke(app, "create-admin", "--email", email, "--name", "X", "--password", password)
    assert result.exit_code == 1
    assert message in result.output
    assert db.scalar(select(func.count(User.id))) == before


def test_create_admin_refuses_an_existing_address(app: Flask, make) -> None:
    make.user(email="schon@example.org")
    result = invoke(app, "create-admin", "--email", "schon@example.org", "--name", "Neu",
                    "--password", "ein-langes-passwort")  # fmt: skip
    assert result.exit_code == 1
    assert "Zu dieser E-Mail-Adresse gibt es bereits ein Konto." in result.output
    assert not user_by_email("schon@example.org").is_platform_admin


def test_seed_demo_creates_musterland_and_prints_credentials(app: Flask) -> None:
    result = invoke(app, "seed-demo")
    assert result.exit_code == 0, result.output
    for email in ("admin@musterland.example", "ile@musterland.example",
                  "moderation@musterhausen.example", "teilnahme@musterhausen.example"):  # fmt: skip
        assert email in result.output
        assert authenticate(email, DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in result.output

    region = db.scalar(select(Tenant).where(Tenant.slug == "musterland"))
    assert region is not None and region.kind == TenantKind.REGION
    assert sorted(t.slug for t in region.children) == ["auental", "beispielbach", "musterhausen"]
    roles = {m.role for m in db.scalars(select(Membership))}
    assert roles == {Role.COORDINATOR, Role.FACILITATOR, Role.PARTICIPANT}
    assert user_by_email("admin@musterland.example").is_platform_admin


def test_seed_demo_is_idempotent(app: Flask) -> None:
    assert invoke(app, "seed-demo").exit_code == 0
    counts = (db.scalar(select(func.count(Tenant.id))), db.scalar(select(func.count(User.id))))

    again = invoke(app, "seed-demo")

    assert again.exit_code == 0, again.output
    assert "schon vorhanden" in again.output
    assert "ile@musterland.example" in again.output  # the accounts are still listed
    assert (db.scalar(select(func.count(Tenant.id))), db.scalar(select(func.count(User.id)))) == (
        counts
    )


def test_db_upgrade_migrates_a_fresh_sqlite_file(
    app: Flask, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "new" / "visionswerk.sqlite"
    url = f"sqlite:///{target}"
    monkeypatch.setitem(app.config, "VISIONSWERK", dataclasses.replace(settings, database_url=url))

    result = invoke(app, "db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "Datenbank ist auf dem neuesten Stand." in result.output
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "tenants", "users", "memberships"} <= tables


class FakeWorker:
    """Stands in for the worker process: runs until it gets a signal."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command, self.env, self.signals = command, env, []
        self.stopped = threading.Event()

    def poll(self) -> int | None:
        return 0 if self.stopped.is_set() else None

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)
        self.stopped.set()

    def wait(self, timeout: float | None = None) -> int:
        assert self.stopped.wait(timeout)
        return 0


def test_demo_migrates_seeds_and_runs_web_and_worker(
    app: Flask, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    monkeypatch.delenv("BASE_URL", raising=False)
    local = dataclasses.replace(settings, database_url=url, env="development", mail_server=None)
    monkeypatch.setitem(app.config, "VISIONSWERK", local)
    workers: list[FakeWorker] = []
    served: list[tuple[str, int, Flask]] = []
    monkeypatch.setattr(cli.subprocess, "Popen", lambda cmd, env: workers.append(
        FakeWorker(cmd, env)) or workers[-1])  # fmt: skip
    monkeypatch.setattr(cli, "run_simple", lambda h, p, a, **kw: served.append((h, p, a)))
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # keep pytest's own handlers

    result = invoke(app, "demo", "--port", "5077")

    assert result.exit_code == 0, result.output
    assert "ile@musterland.example" in result.output
    assert "http://127.0.0.1:5077/" in result.output
    # where the demo's mails can be read (the page itself: tests/worker/test_dev_outbox.py)
    assert "Lesen Sie sie im Browser: http://127.0.0.1:5077/_dev/postausgang" in result.output
    assert served == [("127.0.0.1", 5077, app)]
    (worker,) = workers
    assert worker.command[1:6] == ["-m", "celery", "-A", "visionswerk.worker.app", "worker"]
    assert "--beat" in worker.command
    assert worker.env["VISIONSWERK_INSTANCE"] == str(settings.instance_path)
    # the links in mails (web and worker) lead to the port the demo runs on
    assert worker.env["BASE_URL"] == "http://127.0.0.1:5077"
    assert app.config["VISIONSWERK"].base_url == "http://127.0.0.1:5077"
    assert worker.signals == [signal.SIGTERM]  # stopped when the web server ends
    engine = make_engine(url)
    try:
        assert "tenants" in inspect(engine).get_table_names()  # migrated first
    finally:
        engine.dispose()


def test_demo_refuses_production(
    app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "VISIONSWERK", dataclasses.replace(settings, env="production"))
    result = invoke(app, "demo")
    assert result.exit_code == 1
    assert "nur für die lokale Nutzung" in result.output
    assert db.scalar(select(func.count(User.id))) == 0


def test_seed_demo_refuses_production(
    app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's platform admin has the published password: not in production."""
    monkeypatch.setitem(app.config, "VISIONSWERK", dataclasses.replace(settings, env="production"))
    result = invoke(app, "seed-demo")
    assert result.exit_code == 1
    assert "nur für die lokale Nutzung" in result.output
    assert "VISIONSWERK_ENV=production" in result.output
    assert db.scalar(select(func.count(User.id))) == 0
    assert db.scalar(select(func.count(Tenant.id))) == 0


def test_tasks_enqueued_from_a_server_thread_reach_the_configured_app(app: Flask) -> None:
    """The demo's web server handles requests in threads; their tasks must go to the
    configured broker, not to Celery's unconfigured per-thread fallback app."""
    from visionswerk.worker.celery_app import celery
    from visionswerk.worker.tasks import deliver_email

    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(deliver_email.app))
    thread.start()
    thread.join()
    assert seen == [celery]
