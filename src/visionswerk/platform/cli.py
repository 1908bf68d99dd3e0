"""The ``visionswerk`` command: database, first admin, demo data, the local run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from visionswerk import db as dbmod


def migrations_path() -> Path:
    env = os.environ.get("VISIONSWERK_MIGRATIONS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


@click.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    upgrade_database(current_app.config["VISIONSWERK"].database_url, revision)
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
    """Fill an empty database with the demo region Musterland."""
    from visionswerk.platform.demo import seed_demo

    credentials = seed_demo()
    if credentials is None:
        click.echo("Demo-Daten sind schon vorhanden.")
        return
    dbmod.commit()
    print_credentials(credentials)


def print_credentials(credentials: list[tuple[str, str, str]]) -> None:
    click.echo("\nDemo-Zugänge:")
    for role, email, password in credentials:
        click.echo(f"  {role:<28} {email:<34} {password}")
    click.echo("")


@click.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def demo(host: str, port: int) -> None:
    """Migrate, seed the demo and run web and worker (embedded defaults, no services)."""
    from visionswerk.platform.demo import seed_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.config["VISIONSWERK"]
    upgrade_database(settings.database_url)
    credentials = seed_demo()
    dbmod.commit()
    if credentials:
        print_credentials(credentials)
    env = dict(os.environ, VISIONSWERK_INSTANCE=str(settings.instance_path))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "visionswerk.worker.app", "worker", "-B",
         "--loglevel=INFO", "--concurrency=1",
         f"--schedule={settings.instance_path / 'celerybeat-schedule'}"],
        env=env,
    )  # fmt: skip
    click.echo(f"Visionswerk läuft auf http://{host}:{port}/  (Beenden mit Strg+C)")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


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
