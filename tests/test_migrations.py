"""The Alembic revisions build exactly the schema the models describe, on an empty
database (a fresh PostgreSQL database when DATABASE_URL names one, SQLite otherwise)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from visionswerk.db import Base, make_engine
from visionswerk.platform.cli import alembic_config, import_models, upgrade_database


@pytest.fixture()
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    url = make_url(base)
    name = f"{url.database or 'visionswerk'}_mig{uuid.uuid4().hex[:10]}"
    server = url.set(database="postgres").render_as_string(hide_password=False)
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


HINT = "add a revision for the changed models (see migrations/README.md)"


def missing_tables(url: str) -> list[str]:
    return sorted(set(Base.metadata.tables) - table_names(url))


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_revisions_form_one_line_with_readable_ids() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = list(script.walk_revisions())
    assert len(script.get_heads()) == 1
    assert revisions, "no revisions found"
    for rev in revisions:
        assert re.fullmatch(r"\d{4}(_[a-z0-9_]+)?", rev.revision), rev.revision
    assert [int(r.revision[:4]) for r in reversed(revisions)] == list(range(1, len(revisions) + 1))


def test_upgrade_creates_the_schema_of_the_models(empty_database_url: str) -> None:
    import_models()
    assert table_names(empty_database_url) == set()

    upgrade_database(empty_database_url)

    assert missing_tables(empty_database_url) == [], HINT
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], HINT


def test_downgrade_to_base_removes_every_table(empty_database_url: str) -> None:
    import_models()
    upgrade_database(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    assert table_names(empty_database_url) <= {"alembic_version"}
    upgrade_database(empty_database_url)  # and up again: the downgrade left nothing behind
    assert missing_tables(empty_database_url) == [], HINT
