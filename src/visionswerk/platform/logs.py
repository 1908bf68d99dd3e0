"""Keep secrets out of the logs (ASVS V16.2.5).

Single-use tokens travel in URL paths (password reset, invitation, signing by link,
unsubscribe): whoever reads an access log could use a link that has not been used yet.
:func:`redact_path` replaces such a segment by ``[redacted]`` — after a known route
prefix, and any other segment that looks like a random token (``secrets.token_urlsafe``:
long, mixed letters and digits), so a route added later is covered too — and every query
value whose name says it is a secret.

Used by the development server's request log (the ``werkzeug`` logger, see
:func:`install`) and by gunicorn's access log (:class:`GunicornLogger`, configured in
``visionswerk.platform.gunicorn_conf``). SQL parameters (names, addresses) stay out of
error messages through ``hide_parameters=True`` on the engine (``visionswerk.db``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

#: Route words followed by a token segment (see the ``<token>`` routes of the web app).
TOKEN_PREFIXES = (
    "passwort/neu",
    "einladung",
    "unterschreiben",
    "abmelden",
    "erinnerungen-abbestellen",
)
_AFTER_PREFIX = re.compile(r"(/(?:{})/)[^/?#\s]+".format("|".join(map(re.escape, TOKEN_PREFIXES))))
#: 20+ URL-safe characters with at least one digit and one letter: a random token,
#: never a slug or a word of our URLs.
_TOKEN_LIKE = re.compile(r"(?<=/)(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}")
_SECRET_QUERY = re.compile(
    r"([?&](?:[^=&\s]*(?:token|password|passwort|key)[^=&\s]*)=)[^&\s#]*", re.I
)


_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact_addresses(text: str) -> str:
    """E-mail addresses out of a log line: PostgreSQL's own error text names the value
    that broke a constraint (``Key (email)=(…) already exists``), which
    ``hide_parameters`` cannot hide."""
    return _ADDRESS.sub("[address]", text)


def redact_path(text: str) -> str:
    """``text`` (a path, a request line or a whole log line) without token values."""
    text = _AFTER_PREFIX.sub(r"\1" + REDACTED, text)
    text = _TOKEN_LIKE.sub(REDACTED, text)
    return _SECRET_QUERY.sub(r"\1" + REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """Formats like ``inner`` (or as given), then removes tokens and addresses from the
    whole output — the message and the traceback of ``logger.exception``."""

    def __init__(self, *args: Any, inner: logging.Formatter | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record) if self.inner else super().format(record)
        return redact_addresses(redact_path(text))


class RedactTokens(logging.Filter):
    """Rewrites a record's message (with its arguments) without token values."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_path(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """One handler on the root logger (stderr, with time, level and logger name) for the
    app's and the libraries' own messages (e.g. Flask-Limiter's "falling back to
    in-memory storage"), without tokens and e-mail addresses, tracebacks included.
    Does nothing when the root logger has a handler already (tests, an operator's own
    configuration)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


def install() -> None:
    """Filter the development server's request log (``werkzeug``)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())


class GunicornLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with every access-log atom redacted (request line, path, query,
    Referer) and its error log (tracebacks included) without tokens and addresses."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(RedactingFormatter(inner=handler.formatter))

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        # every text atom: the Referer of the page after a reset link holds its token too
        return {k: redact_path(v) if isinstance(v, str) else v for k, v in atoms.items()}
