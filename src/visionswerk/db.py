"""Database foundations shared by every part: the declarative base, the session, time.

There is one scoped session (``db``). The web app removes it at the end of every
request, the worker at the end of every task. Only the request pipeline and the task
base class commit; services ``flush()``.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Enum,
    ForeignKeyConstraint,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE, without importing psycopg on SQLite

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use visionswerk.db.utcnow()")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A column type storing a Python enum by its value as a checked string (VARCHAR on
    every database, so adding a member needs no type migration)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


class AppSession(Session):
    """The app's own sessions — not those of libraries that use SQLAlchemy too (the
    embedded broker's, Celery's result backend's), which listeners on it leave alone."""


SessionFactory = sessionmaker(class_=AppSession, expire_on_commit=False)
db = scoped_session(SessionFactory)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # hide_parameters: an error message (and so the error log) shows the SQL, never the
    # values bound to it — names, addresses, texts people wrote (ASVS V16.2.5).
    kwargs.setdefault("hide_parameters", True)
    engine = create_engine(url, pool_pre_ping=True, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkin", _read_write_again)
    return engine


def begin_read_only(connection: Connection) -> bool:
    """Let the transaction about to begin on ``connection`` be READ ONLY (PostgreSQL: then
    nothing in it can write or lock a row), if it is not joining one already running (the
    tests' outer transaction). True if it will be."""
    if connection.dialect.name != "postgresql":
        return False
    dbapi = connection.connection.dbapi_connection
    if dbapi is None or dbapi.info.transaction_status != _PG_IDLE:
        return False
    dbapi.read_only = True  # psycopg sends BEGIN READ ONLY with the first statement
    return True


@contextmanager
def generic_plans() -> Iterator[None]:
    """PostgreSQL: the statements inside keep one generic plan once psycopg has prepared
    them (their sixth run on a connection) instead of a plan for each run's values. For
    statements whose plan does not depend on the values (one user's rows by keys) and
    which cost more to plan than to run: PostgreSQL planned the tasks statement anew every
    time, 3–4 ms of its 5 (README, "Benchmarks"). Read the rows inside."""
    if db.get_bind().dialect.name != "postgresql":
        yield
        return
    # straight to psycopg, in the session's transaction: through the ORM these two cost
    # as much as the planning they save
    driver = db.connection().connection.driver_connection
    driver.execute("SET LOCAL plan_cache_mode = force_generic_plan", prepare=False)
    yield
    # (after an error the transaction ends anyway, and the setting with it)
    driver.execute("SET LOCAL plan_cache_mode = DEFAULT", prepare=False)


def _read_write_again(dbapi: Any, _record: Any) -> None:
    # back in the pool (rolled back or committed, so idle): the next user begins as usual
    if dbapi is not None and dbapi.read_only and dbapi.info.transaction_status == _PG_IDLE:
        dbapi.read_only = False


def bind(engine: Engine) -> None:
    """Point the shared session at ``engine`` (called by the app factory and the worker)."""
    db.remove()
    SessionFactory.configure(bind=engine)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed, never if it rolls back.

    Used to enqueue tasks: a request that rolls back enqueues nothing.
    """
    db().info.setdefault("after_commit", []).append(callback)


def keep_on_rollback(callback: Callable[[], None]) -> None:
    """Write something even if the current transaction rolls back: ``callback`` (which
    adds or changes rows in ``db``) runs again after a rollback, in a transaction of its
    own that commits. For security records that a refused request must not take with it
    — a failed login answers 422, and error answers and every GET roll back."""
    db().info.setdefault("on_rollback", []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # whatever was kept for a rollback is written now, by whichever commit it was
    session.info.pop("on_rollback", None)


def write_after(callback: Callable[[], None]) -> None:
    """Write something after the current transaction, whether it commits or rolls back,
    in a transaction of its own: bookkeeping that a GET may do (which rolls back) and
    that should not hold a lock for the rest of the request."""
    db().info.setdefault("write_after", []).append(callback)


def commit() -> None:
    """The one place that commits, then runs what waited for the commit."""
    session = db()
    session.commit()  # (what was kept for a rollback is written with it: _committed)
    callbacks = session.info.pop("after_commit", [])
    later = session.info.pop("write_after", [])
    if later:
        _write_kept(session, later)
    for callback in callbacks:
        callback()


def finish() -> None:
    """End a unit of work that must not change anything (a safe request). A READ ONLY
    transaction with nothing waiting on it ends with COMMIT, which keeps nothing either:
    psycopg forgets its prepared statements at every ROLLBACK, and without them
    PostgreSQL plans every statement of the next request anew (3.8 ms for the tasks
    statement, which runs in 1.6). Everything else rolls back."""
    session = db()
    waiting = {"after_commit", "on_rollback", "write_after"} & session.info.keys()
    unflushed = session.new or session.dirty or session.deleted
    if session.info.pop("read_only", False) and not waiting and not unflushed:
        try:
            session.commit()
            return
        except Exception:  # an aborted transaction, say: rolled back below, as before
            log.debug("a read-only transaction did not end with COMMIT", exc_info=True)
    rollback()


def rollback() -> None:
    session = db()
    session.rollback()
    session.info.pop("after_commit", None)
    kept = session.info.pop("on_rollback", []) + session.info.pop("write_after", [])
    if kept:
        _write_kept(session, kept)


def _write_kept(session: Any, callbacks: list[Callable[[], None]]) -> None:
    try:
        for callback in callbacks:
            callback()
        session.commit()
    except Exception:  # the database may be what failed: the answer must still go out
        log.exception("could not write %d record(s) kept across a rollback", len(callbacks))
        session.rollback()
    finally:  # what the callbacks registered in turn is written (or not) with them
        session.info.pop("on_rollback", None)
        session.info.pop("write_after", None)
        session.info.pop("after_commit", None)


# --- constraints a concurrent request can trip ---------------------------------------------

#: German messages (msgids) for unique constraints that concurrency can trip, by
#: constraint name; the model modules register theirs (``conflict_message``).
CONFLICT_MESSAGES: dict[str, str] = {}


def conflict_message(constraint: str, message: str) -> None:
    """Register the plain message a 409 gives when ``constraint`` stops a request."""
    CONFLICT_MESSAGES[constraint] = message


def _sqlite_constraint(message: str) -> str | None:
    """``UNIQUE constraint failed: signatures.signatory_id`` → the constraint's name in
    the metadata (SQLite reports columns, not names)."""
    _, _, spec = message.partition("UNIQUE constraint failed: ")
    if not spec:
        return None
    pairs = [part.strip().split(".", 1) for part in spec.split(",")]
    table = Base.metadata.tables.get(pairs[0][0])
    if table is None:
        return None
    columns = {column for _, column in pairs}
    for constraint in [*table.constraints, *table.indexes]:
        names = {c.name for c in constraint.columns}
        unique = getattr(constraint, "unique", True)
        if names == columns and unique and not isinstance(constraint, ForeignKeyConstraint):
            return str(constraint.name)
    return None


def violated_constraint(exc: IntegrityError) -> tuple[str, str | None] | None:
    """(``"unique"`` or ``"foreign_key"``, constraint name if known) for a violation a
    concurrent request can cause; None for anything else (NOT NULL, CHECK: a bug)."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # psycopg
        diag = getattr(orig, "diag", None)
        name = getattr(diag, "constraint_name", None)
        kinds = {"23505": "unique", "23503": "foreign_key"}
        return (kinds[sqlstate], name) if sqlstate in kinds else None
    message = str(orig)
    if message.startswith("UNIQUE constraint failed"):
        return "unique", _sqlite_constraint(message)
    if message.startswith("FOREIGN KEY constraint failed"):
        return "foreign_key", None
    return None
