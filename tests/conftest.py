"""Test fixtures: a real database (PostgreSQL when DATABASE_URL is set, SQLite otherwise),
Redis when REDIS_URL is set, one app per session, and every test rolled back.

Each test run creates its own database on the PostgreSQL server named by DATABASE_URL
and drops it at the end, so parallel runs and failing tests leave nothing behind.
"""

from __future__ import annotations

import email.policy
import os
import re
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from tests import factories
from visionswerk import db as dbmod
from visionswerk.db import Base, make_engine
from visionswerk.settings import Settings

RUN_ID = uuid.uuid4().hex[:10]


def _create_database(base_url: str) -> tuple[str, Any]:
    """A fresh database for this run; returns its URL and a function that drops it."""
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    if url.get_backend_name() != "postgresql":
        return base_url, lambda: None
    name = f"{url.database or 'visionswerk'}_t{RUN_ID}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        eng = make_engine(url.set(database="postgres").render_as_string(hide_password=False),
                          isolation_level="AUTOCOMMIT")  # fmt: skip
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_dir: Path) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'test.sqlite'}"
    url, drop = _create_database(base)
    yield url
    drop()


@pytest.fixture(scope="session")
def settings(instance_dir: Path, database_url: str) -> Settings:
    env = {
        "VISIONSWERK_ENV": "testing",
        "VISIONSWERK_INSTANCE": str(instance_dir),
        "SECRET_KEY": "test-secret-" + RUN_ID,
        "DATABASE_URL": database_url,
        "CELERY_ALWAYS_EAGER": "1",
        "MAIL_OUTBOX": str(instance_dir / "outbox"),
        "BASE_URL": "http://localhost",
        "RATELIMIT_KEY_PREFIX": f"vw-test-{RUN_ID}",
        # Off for the suite, whose admins and coordinators have no phone; the tests of
        # two-factor login switch it on (tests/test_mfa.py: require_mfa).
        "MFA_REQUIRED_ROLES": "",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return Settings.from_env(env)


_WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP)\b|\bFOR (NO KEY )?UPDATE\b"
    r"|\bFOR (KEY )?SHARE\b",
    re.IGNORECASE,
)


class WriteInSafeRequest(AssertionError):
    """What PostgreSQL answers a write in a safe request's READ ONLY transaction."""


def _refuse_writes_in_safe_requests(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    """In production a safe request's transaction is READ ONLY (pipeline.py), which the
    tests' outer transaction cannot be: here every statement of such a request is
    checked instead, on every database."""
    if has_app_context() and g.get("read_only_request", False) and _WRITES.search(statement):
        raise WriteInSafeRequest(f"a safe request must not write or lock rows: {statement}")


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    from visionswerk.platform.cli import import_models

    import_models()  # register every part's models (workshops, worker, ...)

    eng = make_engine(settings.database_url)
    Base.metadata.create_all(eng)
    event.listen(eng, "before_cursor_execute", _refuse_writes_in_safe_requests)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> Flask:
    from visionswerk.platform import create_app
    from visionswerk.worker.celery_app import celery

    storage_options = {"key_prefix": f"LIMITS-{RUN_ID}"} if settings.redis_url else {}
    app = create_app(settings, ENGINE=engine, TESTING=True,
                     RATELIMIT_STORAGE_OPTIONS=storage_options)  # fmt: skip
    # Eager tasks run inside the test's transaction; without this, the first task would
    # rebind the shared session to a new engine, outside the rolled-back transaction.
    celery.conf.visionswerk_shared_engine = True
    return app


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest, engine: Engine, app: Flask) -> Iterator[None]:
    """Every test runs inside one outer transaction that is rolled back at the end;
    the app's commits become savepoints. Tests marked ``committing`` use the real
    engine instead and have every table emptied afterwards.

    Depends on ``app``: creating the app binds the session to the engine, which must
    happen before, not inside, the first test's transaction (else that test commits)."""
    if request.node.get_closest_marker("committing"):
        dbmod.bind(engine)
        yield
        dbmod.db.remove()
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name == "tenants":  # municipalities before their regions
                    conn.execute(table.delete().where(table.c.parent_id.is_not(None)))
                if table.name == "vision_versions":  # embedding before embedded versions
                    conn.execute(
                        table.delete().where(table.c.embedded_parent_version_id.is_not(None))
                    )
                conn.execute(table.delete())
        return
    connection = engine.connect()
    outer = connection.begin()
    if engine.dialect.name == "sqlite":
        # pysqlite emits no BEGIN here: the first SAVEPOINT would become the outermost
        # transaction and its RELEASE would commit the test's data for real.
        connection.exec_driver_sql("BEGIN")
    dbmod.db.remove()
    dbmod.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield
    dbmod.db.remove()
    outer.rollback()
    connection.close()
    dbmod.SessionFactory.configure(bind=engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture(autouse=True)
def _fresh_limits(app: Flask) -> None:
    from visionswerk.platform.extensions import limiter

    with app.app_context():
        limiter.reset()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def outbox(settings: Settings) -> Iterator[Mailbox]:
    box = Mailbox(settings.mail_outbox)
    box.clear()
    yield box
    box.clear()


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def clear(self) -> None:
        if self.folder.exists():
            for f in self.folder.glob("*.eml"):
                f.unlink()

    def messages(self) -> list[Message]:
        if not self.folder.exists():
            return []
        return [
            message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in sorted(self.folder.glob("*.eml"))
        ]

    def links(self) -> list[str]:
        found: list[str] = []
        for msg in self.messages():
            part = msg.get_body(("plain",)) if hasattr(msg, "get_body") else msg
            body = part.get_payload(decode=True).decode() if part else ""
            found += re.findall(r"https?://\S+", body)
        return found

    def html_links(self) -> list[str]:
        """The links of the HTML parts (every mail has one)."""
        found: list[str] = []
        for msg in self.messages():
            part = msg.get_body(("html",))
            assert part is not None, f"no HTML part in {msg['Subject']!r}"
            found += re.findall(r'href="(https?://[^"]+)"', part.get_content())
        return found


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, page: str = "/anmelden", **kw: Any) -> str:
    """The CSRF token of ``page`` (``kw``: headers, environ_base … for the GET)."""
    html = client.get(page, follow_redirects=True, **kw).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def form_post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    """POST like a browser: with the session's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kw)


def login(client: FlaskClient, user: Any, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
    response = form_post(client, "/anmelden", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture()
def make(app: Flask) -> factories.Factory:
    return factories.Factory()
