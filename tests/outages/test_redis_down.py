"""Finding 6 (and 11, first half): with Redis down people still log in, reset their
password, save a page, use the API and request a report; the login limit falls back to
a local in-memory limit (and says so in the log) instead of failing open; mails and
reports wait in the database and go out when Redis is back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.outages.conftest import (
    FACILITATOR,
    OTHER,
    REGION,
    Browser,
    Gunicorn,
    RedisServer,
    base_env,
    minimal_seed,
)

pytestmark = pytest.mark.outage


def _rows(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def test_everything_people_need_works_while_redis_is_down(
    tmp_path: Path, redis_server: RedisServer, gunicorn_factory: type
) -> None:
    db = tmp_path / "app.sqlite"
    minimal_seed(f"sqlite:///{db}")
    env = base_env(tmp_path, f"sqlite:///{db}", REDIS_URL=redis_server.url)
    web: Gunicorn = gunicorn_factory(env)
    redis_server.stop()

    # log in
    browser = Browser(web.url)
    page = browser.login()
    assert page.status == 200, page.body[:500]
    assert "Abmelden" in page.body

    # the API with the session
    me = browser.get("/api/v1/me")
    assert me.status == 200 and FACILITATOR in me.body

    # a page save
    saved = browser.post_form("/konto", {"display_name": "Moderation M.", "locale": "de"})
    assert saved.status == 200 and "Moderation M." in saved.body
    assert _rows(db, "SELECT 1 FROM users WHERE display_name = 'Moderation M.'")

    # a report: stored as queued, the page answers
    path = f"/{REGION}/berichte"
    page = browser.get(path)
    nonce = page.body.split('name="nonce" value="')[1].split('"')[0]
    asked = browser.request(
        "POST", path, data={"csrf_token": browser.csrf(page), "nonce": nonce, "kind": "region"}
    )
    assert asked.status == 200, asked.body[:500]
    assert _rows(db, "SELECT status FROM reports") == [("queued",)]

    # a password reset (another browser): the mail waits in the outbox table
    other = Browser(web.url)
    reset = other.post_form("/passwort/vergessen", {"email": OTHER})
    assert reset.status == 200 and "Link zum Zurücksetzen" in reset.body
    assert _rows(
        db,
        "SELECT status, idempotency_key LIKE 'password-reset:%' FROM outgoing_emails "
        'WHERE "to" = ?',
        OTHER,
    ) == [("pending", 1)]

    # the login limit still counts, in memory: the sixth wrong password is refused
    guesser = Browser(web.url)
    answers = [guesser.login(password="falsch-falsch").status for _ in range(6)]
    assert answers == [422] * 5 + [429]
    assert "falling back to in-memory storage" in web.log
    assert "Traceback" not in web.log
