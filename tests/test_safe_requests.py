"""A GET, HEAD or OPTIONS request never commits the app's session — but libraries that
keep their own SQLAlchemy sessions (the embedded broker, Celery's database result backend)
may commit theirs during such a request: a GET that asks the worker for the step-3
suggestions publishes a task and reads its result (``worker/suggestions.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, g
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from visionswerk.db import db
from visionswerk.platform.pipeline import SafeRequestCommitError


def test_a_safe_request_refuses_to_commit_the_apps_session(app: Flask) -> None:
    with app.test_request_context("/", method="GET"):
        g.read_only_request = True
        db.execute(text("select 1"))
        with pytest.raises(SafeRequestCommitError):
            db.commit()
        db.rollback()


def test_a_safe_request_lets_a_librarys_own_session_commit(app: Flask, tmp_path: Path) -> None:
    other = create_engine(f"sqlite:///{tmp_path / 'results.sqlite'}")
    with app.test_request_context("/", method="GET"):
        g.read_only_request = True
        with Session(other) as session:
            session.execute(text("create table results (value text)"))
            session.execute(text("insert into results values ('kept')"))
            session.commit()
    with other.connect() as conn:
        assert conn.execute(text("select value from results")).scalar_one() == "kept"
