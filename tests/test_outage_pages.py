"""What cannot work while a service is down answers 503 with our page (German, security
headers, Retry-After, typed text back) or problem+json — in process, for the kinds of
outage the real-server tests in tests/outages/ do not produce: an exhausted connection
pool, and a Redis or broker error that reaches a view."""

from __future__ import annotations

import pytest
import redis.exceptions
from kombu.exceptions import OperationalError as BrokerDown
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.conftest import form_post, login
from visionswerk.tenants import accounts

OUTAGES = [
    PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
    redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
    BrokerDown("Error 111 connecting to 127.0.0.1:6379"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
def test_an_outage_in_a_form_answers_our_503_page(client, monkeypatch, error) -> None:  # type: ignore[no-untyped-def]
    def down(*_a, **_k):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr(accounts, "request_password_reset", down)
    response = form_post(client, "/passwort/vergessen", {"email": "anna@example.org"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "vorübergehend nicht verfügbar" in body
    assert "anna@example.org" in body  # what was typed is shown back
    assert response.headers["Retry-After"] == "60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_an_outage_on_the_api_answers_problem_json(client, make, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from visionswerk.workshops import services as ws

    user = make.user(make.municipality(), "participant")
    login(client, user)

    def down(*_a, **_k):  # type: ignore[no-untyped-def]
        raise PoolTimeout("QueuePool limit reached")

    monkeypatch.setattr(ws, "my_tasks", down)
    response = client.get("/api/v1/me/tasks")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "vorübergehend nicht verfügbar" in response.get_json()["detail"]
