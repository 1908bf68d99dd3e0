"""/healthz answers 200 when the database (and Redis, when configured) answer, 503 when not."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from visionswerk.settings import Settings
from visionswerk.worker.celery_app import celery, configure


def test_healthy(client, settings: Settings) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    expected_redis = "ok" if settings.redis_url else "not configured"
    assert body["checks"]["redis"] == expected_redis
    assert response.headers["Cache-Control"] == "no-store"


def test_needs_no_login(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200  # not a redirect to the login page


def _broken_database_url(settings: Settings, tmp_path: Path) -> str:
    if settings.database_url.startswith("postgresql"):
        return "postgresql://postgres@127.0.0.1:1/visionswerk"  # nothing listens on port 1
    return f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite'}"  # cannot be opened


@pytest.fixture()
def broken_app(app: Flask, settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    """A second app whose DATABASE_URL leads nowhere; shared state is restored after."""
    from visionswerk.platform import create_app

    broken = dataclasses.replace(settings, database_url=_broken_database_url(settings, tmp_path))
    yield create_app(
        broken, TESTING=True, RATELIMIT_STORAGE_OPTIONS=app.config["RATELIMIT_STORAGE_OPTIONS"]
    )
    configure(celery, settings)


def test_database_unreachable_answers_503(broken_app: Flask) -> None:
    response = broken_app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error"


def test_redis_unreachable_answers_503(
    app: Flask, client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "VISIONSWERK", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "ok",
        "beat": "not seen",
        "redis": "error",
    }
