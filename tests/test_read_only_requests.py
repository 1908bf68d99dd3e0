"""On PostgreSQL a safe request (GET, HEAD, OPTIONS) reads in a READ ONLY transaction,
which it ends with COMMIT: the database refuses any write in it, and psycopg keeps the
statements it prepared (a ROLLBACK makes it forget them all, and PostgreSQL would plan
every statement of the next request anew). State-changing requests, and whoever takes
the connection from the pool next, read and write as before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import InternalError

from tests.conftest import csrf_token, login
from tests.factories import Factory
from visionswerk import db as dbmod
from visionswerk.db import db, make_engine
from visionswerk.tenants.models import Role, User
from visionswerk.workshops import services as ws

pytestmark = [
    pytest.mark.committing,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="READ ONLY transactions and prepared statements: PostgreSQL; set DATABASE_URL",
    ),
]

MARKER = "select 41 + 1 as read_only_marker"


@pytest.fixture()
def one_connection(engine: Engine) -> Iterator[Engine]:
    """The app's session on a pool of exactly one connection: every request gets the same."""
    single = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1,
                         max_overflow=0)  # fmt: skip
    dbmod.bind(single)
    yield single
    dbmod.bind(engine)
    single.dispose()


def _safe_request(app: Flask, sql: str) -> Any:
    """What the pipeline does around a GET: run ``sql`` in it, then end it."""
    with app.test_request_context("/", method="GET"):
        g.read_only_request = True
        try:
            return db.execute(text(sql)).scalar()
        finally:
            g.read_only_request = False
            dbmod.finish()


def test_a_page_reads_read_only_and_a_form_writes(app: Flask, make: Factory,
                                                  engine: Engine) -> None:  # fmt: skip
    tenant = make.municipality()
    user = make.user(tenant, Role.PARTICIPANT)
    make.commit()
    client = app.test_client()
    login(client, user)
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement, conn.connection.dbapi_connection.read_only))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
        page, seen[:] = list(seen), []
        token = csrf_token(client, "/")
        seen.clear()
        assert client.post("/abmelden", data={"csrf_token": token}).status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert page and all(read_only for _, read_only in page), page
    assert seen and not any(read_only for _, read_only in seen), seen


def test_a_page_that_writes_by_mistake_answers_the_error_page(
    app: Flask, make: Factory, one_connection: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL itself refuses the write (this engine has no test guard): the reader
    gets the error page, and nothing changed."""
    tenant = make.municipality()
    user = make.user(tenant, Role.PARTICIPANT, display_name="Sonnenblume")
    make.commit()
    user_id, original = user.id, app.view_functions["tenancy.home"]

    def writes(*args: Any, **kwargs: Any) -> Any:
        db.get(User, user_id).display_name = "Geändert"
        db.flush()
        return original(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "tenancy.home", writes)
    client = app.test_client()
    login(client, user)
    response = client.get("/")
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.get_data(as_text=True)
    with one_connection.connect() as conn:
        name = conn.execute(text("select display_name from users where id = :id"), {"id": user_id})
        assert name.scalar() == "Sonnenblume"


def test_prepared_statements_outlive_safe_requests(app: Flask, one_connection: Engine) -> None:
    # psycopg prepares a statement at its sixth execution (prepare_threshold 5)
    prepared = [
        _safe_request(
            app,
            f"{MARKER}, (select count(*) from pg_prepared_statements "
            "where statement like '%read_only_marker%') as prepared",
        )
        for _ in range(8)
    ]
    assert prepared == [42] * 8
    with app.test_request_context("/", method="GET"):
        count = db.execute(
            text("select count(*) from pg_prepared_statements where statement like :s"),
            {"s": "%read_only_marker%"},
        ).scalar()
        dbmod.rollback()
    assert count == 1  # still there after seven COMMITs; a ROLLBACK would have dropped it


def test_a_safe_request_cannot_write_even_past_the_app(app: Flask, one_connection: Engine) -> None:
    with app.test_request_context("/", method="GET"):
        g.read_only_request = True
        assert db.execute(text("show transaction_read_only")).scalar() == "on"
        with pytest.raises(InternalError, match="read-only transaction"):
            db.execute(text("create temporary table written (x int)"))
        g.read_only_request = False
        dbmod.finish()  # the aborted transaction rolls back
    # the one connection, back in the pool, begins read-write for the next user
    with one_connection.begin() as conn:
        assert conn.execute(text("show transaction_read_only")).scalar() == "off"
    with app.test_request_context("/", method="POST"):
        assert db.execute(text("show transaction_read_only")).scalar() == "off"
        dbmod.rollback()


def test_what_a_safe_request_keeps_is_written_read_write(
    app: Flask, one_connection: Engine
) -> None:
    """Bookkeeping a GET may do (``write_after``) runs after it, in a transaction of its own."""
    seen: list[str] = []
    with app.test_request_context("/", method="GET"):
        g.read_only_request = True
        db.execute(text("select 1"))
        dbmod.write_after(
            lambda: seen.append(db.execute(text("show transaction_read_only")).scalar())
        )
        g.read_only_request = False
        dbmod.finish()
    assert seen == ["off"]


def test_the_tasks_statement_keeps_one_generic_plan(
    app: Flask, make: Factory, one_connection: Engine
) -> None:
    tenant = make.municipality()
    user = make.user(tenant, Role.PARTICIPANT)
    make.commit()
    for _ in range(8):
        with app.test_request_context("/", method="GET"):
            g.read_only_request = True
            assert ws.my_tasks(db.get(User, user.id)) == []
            assert db.execute(text("show plan_cache_mode")).scalar() == "auto"  # after it
            g.read_only_request = False
            dbmod.finish()
    with app.test_request_context("/", method="GET"):
        plans = db.execute(
            text(
                "select generic_plans, custom_plans from pg_prepared_statements "
                "where statement like 'SELECT workshops.id, workshops.title%'"
            )
        ).one()
        dbmod.rollback()
    # prepared at its sixth run, then planned once and kept; PostgreSQL chose a custom
    # plan for every run before (5 ms, of which 3–4 planning)
    assert plans.custom_plans == 0 and plans.generic_plans >= 2, plans
