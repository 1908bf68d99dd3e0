"""The ``visionswerk`` command: database, first admin, demo data, the local run.

``visionswerk db upgrade``    migrate the database (the app never migrates by itself)
``visionswerk create-admin``  create a platform admin
``visionswerk seed-demo``     fill an empty database with the demo region Musterland
``visionswerk demo``          all of the above plus web server and worker, no services
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import importlib.util
import os
import pkgutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from visionswerk import db as dbmod
from visionswerk.settings import Settings


def migrations_path() -> Path:
    """The Alembic folder: ``VISIONSWERK_MIGRATIONS``, else ``migrations/`` of the checkout."""
    env = os.environ.get("VISIONSWERK_MIGRATIONS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "migrations"


def import_models() -> None:
    """Import ``visionswerk.<part>.models`` of every part, so ``Base.metadata`` holds every
    table (used by Alembic's env.py and the migration test)."""
    import visionswerk

    for info in pkgutil.iter_modules(visionswerk.__path__):
        name = f"visionswerk.{info.name}.models"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    folder = migrations_path()
    if not (folder / "env.py").exists():
        raise click.ClickException(
            f"Migrationen nicht gefunden unter {folder}. "
            "Bitte VISIONSWERK_MIGRATIONS auf den Ordner migrations/ setzen."
        )
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str, revision: str = "head") -> None:
    from alembic import command

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def _settings() -> Settings:
    return current_app.config["VISIONSWERK"]  # type: ignore[no-any-return]


@click.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    upgrade_database(_settings().database_url, revision)
    click.echo("Datenbank ist auf dem neuesten Stand.")


@click.command("create-admin")
@click.option("--email", prompt="E-Mail-Adresse")
@click.option("--name", "display_name", prompt="Anzeigename")
@click.password_option("--password", prompt="Passwort")
@with_appcontext
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create a platform admin (the first account of a new installation)."""
    from visionswerk.errors import DomainError
    from visionswerk.tenants.accounts import create_user

    try:
        user = create_user(email, password, display_name, is_platform_admin=True)
        dbmod.commit()
    except DomainError as e:
        dbmod.rollback()
        raise click.ClickException(str(e)) from None
    click.echo(f"Plattform-Admin {user.email} ist angelegt.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Fill the database with the demo region Musterland (does nothing if it exists)."""
    _refuse_production()
    _seed_and_report()


def _refuse_production() -> None:
    """The demo creates a platform admin with the password printed in the README: never
    in production (exit code 1, nothing written)."""
    if _settings().is_production:
        raise click.ClickException(
            "Die Demo-Daten sind nur für die lokale Nutzung gedacht: Ihr Passwort steht im "
            "README. Mit VISIONSWERK_ENV=production wird nichts angelegt."
        )


def _seed_and_report() -> None:
    from visionswerk.platform.demo import demo_credentials, seed_demo

    credentials = seed_demo()
    if credentials is None:
        dbmod.rollback()
        click.echo("Demo-Daten sind schon vorhanden; nichts geändert.")
        print_credentials(demo_credentials(), note="(falls die Passwörter nicht geändert wurden)")
        return
    dbmod.commit()
    click.echo("Demo-Daten angelegt: ILE Musterland mit drei Kommunen.")
    print_credentials(credentials)


def print_credentials(credentials: list[tuple[str, str, str]], note: str = "") -> None:
    click.echo(f"\nDemo-Zugänge {note}".rstrip() + ":")
    for role, email, password in credentials:
        click.echo(f"  {role:<30} {email:<34} {password}")
    click.echo("")


def outbox_url(host: str, port: int) -> str:
    """The local outbox page (``platform.dev``): where the demo's mails can be read."""
    return f"http://{host}:{port}/_dev/postausgang"


def worker_command(settings: Settings) -> list[str]:
    """A real Celery worker with embedded beat, on the broker from the settings."""
    return [
        sys.executable, "-m", "celery", "-A", "visionswerk.worker.app", "worker", "--beat",
        "--loglevel=INFO", "--concurrency=1",
        f"--schedule={settings.instance_path / 'celerybeat-schedule'}",
    ]  # fmt: skip


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _watch_worker(process: subprocess.Popen[Any], stopping: threading.Event) -> None:
    """Stop the demo when the worker dies: a web app without its worker would silently
    send no email."""
    code = process.wait()
    if stopping.is_set():
        return
    click.echo(f"Der Worker ist beendet (Exit-Code {code}); die Demo wird beendet.", err=True)
    os.kill(os.getpid(), signal.SIGTERM)


#: Seconds between two looks at the beat's heartbeat in the demo.
BEAT_CHECK_INTERVAL = 30.0
#: The demo's one worker process may be busy with one task up to its hard limit (a
#: report: 10 min) while the heartbeat task waits: only a heartbeat older than that means
#: beat died.
BEAT_DEAD_AFTER = dt.timedelta(minutes=15)


def _watch_beat(stopping: threading.Event, interval: float = BEAT_CHECK_INTERVAL) -> None:
    """Stop the demo when the embedded beat died while its worker runs on (a killed beat
    process): without it no reminder, sweep or digest would run. ``/healthz`` shows the
    same (``"beat": "stale"``) for installations with a separate beat."""
    from visionswerk.platform.health import beat_state

    while not stopping.wait(interval):
        try:
            state = beat_state(BEAT_DEAD_AFTER)
        finally:
            dbmod.db.remove()
        if state == "stale":
            click.echo(
                "Der Zeitplaner (Celery beat) läuft nicht mehr; die Demo wird beendet.", err=True
            )
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--worker/--no-worker", default=True, help="Also run the Celery worker.")
@with_appcontext
def demo(host: str, port: int, worker: bool) -> None:
    """Migrate, seed the demo and run web server and worker (embedded defaults)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _refuse_production()
    settings = _settings()
    if "BASE_URL" not in os.environ:
        # links in the demo's mails must lead to this server, also on another --port
        settings = dataclasses.replace(settings, base_url=f"http://{host}:{port}")
        app.config["VISIONSWERK"] = settings
    if os.environ.get("MFA_REQUIRED_ROLES") is None:
        # The demo's admin and coordinator share a published password and have no phone
        # set up: the requirement would stop every visitor at the setup page.
        settings = dataclasses.replace(settings, mfa_required_roles=frozenset())
        app.config["VISIONSWERK"] = settings
    upgrade_database(settings.database_url)
    _seed_and_report()
    if not settings.mfa_required_roles:
        click.echo(
            "Zwei-Faktor-Anmeldung: in der Demo angeboten (Mein Konto), aber für niemanden "
            "Pflicht. Außerhalb der Demo ist sie für Plattform-Admins und Koordination Pflicht "
            "(MFA_REQUIRED_ROLES)."
        )
    dbmod.db.remove()

    process = None
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if worker:
        env = dict(
            os.environ, VISIONSWERK_INSTANCE=str(settings.instance_path), BASE_URL=settings.base_url
        )
        process = subprocess.Popen(worker_command(settings), env=env)
        threading.Thread(target=_watch_worker, args=(process, stopping), daemon=True).start()
        threading.Thread(target=_watch_beat, args=(stopping,), daemon=True).start()
    # the step-3 suggestions are computed in the worker (as in production); without one,
    # here, with the model loaded beside the server, not in the first request
    from visionswerk.worker.suggestions import use_worker
    from visionswerk.workshops.grouping import warm_up

    if worker:
        use_worker()
    else:
        threading.Thread(target=warm_up, daemon=True).start()
    click.echo(f"Visionswerk läuft auf http://{host}:{port}/  (Beenden mit Strg+C)")
    click.echo(f"E-Mails landen als .eml-Dateien in {settings.mail_outbox}")
    if settings.env == "development" and not settings.mail_server:
        click.echo(f"Lesen Sie sie im Browser: {outbox_url(host, port)}")
    try:
        # Not app.run(): Flask ignores it inside a CLI command.
        run_simple(host, port, app, threaded=True)
    finally:
        stopping.set()
        if process is not None:
            _stop(process)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo)


def _create_app() -> Flask:
    from visionswerk.platform import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Visionswerk – Visionen für die digitale Kommune mit 1-2-alle."""
