"""Finding 13: no personal data as SQL parameters in error messages, no single-use tokens
of links in the access log (gunicorn, with the shipped settings) or in the development
server's request log."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.outages.conftest import Browser, Gunicorn, base_env, minimal_seed
from visionswerk.db import make_engine
from visionswerk.platform.logs import REDACTED, RedactTokens, redact_path


def test_sql_parameters_stay_out_of_error_messages(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (email TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO people VALUES (:e)"), {"e": "anna.huber@example.org"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO people VALUES (:e)"), {"e": "anna.huber@example.org"})
    assert "anna.huber" not in str(caught.value)
    assert "INSERT INTO people" in str(caught.value)  # the statement still helps the operator
    engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/passwort/neu/{t}",
        "/musterhausen/einladung/{t}",
        "/musterhausen/unterschreiben/{t}",
        "/musterhausen/unterschreiben/{t}/ablehnen",
        "/erinnerungen-abbestellen/{t}",
        "/abmelden/{t}",
        "/kuenftige-route/{t}",  # a route added later: the token still looks like one
    ],
)
def test_token_segments_are_redacted(path: str) -> None:
    token = secrets.token_urlsafe(32)
    line = f'"GET {path.format(t=token)}?next=/x HTTP/1.1" 200'
    assert token not in redact_path(line)
    assert REDACTED in redact_path(line)


def test_ordinary_paths_stay_readable() -> None:
    for path in ("/musterhausen/workshops/12/berichte", "/api/v1/me/tasks", "/static/app.css"):
        assert redact_path(path) == path


def test_the_development_request_log_is_filtered(caplog: pytest.LogCaptureFixture) -> None:
    from visionswerk.platform import logs

    logs.install()
    token = secrets.token_urlsafe(32)
    werkzeug = logging.getLogger("werkzeug")
    assert any(isinstance(f, RedactTokens) for f in werkzeug.filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        werkzeug.info('%s - - "%s" %s', "127.0.0.1", f"GET /passwort/neu/{token} HTTP/1.1", 200)
    assert token not in caplog.text and REDACTED in caplog.text


@pytest.mark.outage
def test_gunicorn_access_log_has_no_tokens(tmp_path: Path, gunicorn_factory: type) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    minimal_seed(url)  # the links need not be valid: every request is logged
    web: Gunicorn = gunicorn_factory(base_env(tmp_path, url))
    browser = Browser(web.url)
    tokens = [secrets.token_urlsafe(32) for _ in range(4)]
    paths = [
        f"/passwort/neu/{tokens[0]}",
        f"/musterhausen/einladung/{tokens[1]}",
        f"/musterhausen/unterschreiben/{tokens[2]}",
        f"/erinnerungen-abbestellen/{tokens[3]}",
    ]
    for path in paths:
        browser.get(path, headers={"Referer": web.url + path})
    web.stop()
    log = web.log
    assert log.count(REDACTED) >= 2 * len(paths)  # request line and Referer
    for token in tokens:
        assert token not in log


def test_tracebacks_in_the_log_hold_no_addresses_or_tokens() -> None:
    from visionswerk.platform.logs import RedactingFormatter

    token = secrets.token_urlsafe(32)
    formatter = RedactingFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError(f"Key (email)=(anna.huber@example.org) already exists; /einladung/{token}")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed for %s", ("b@example.org",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "Traceback" in text and "ValueError" in text
    for secret in ("anna.huber@example.org", "b@example.org", token):
        assert secret not in text
