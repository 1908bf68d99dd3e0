"""The embedded broker for the local run: kombu's SQLAlchemy transport on a SQLite file,
with two fixes.

* kombu hands *every* transport option to ``create_engine()``, so the options the virtual
  transport itself reads (``polling_interval``) crashed it. Here they are kept apart.
* It polls every ``POLLING_INTERVAL`` seconds instead of kombu's 1 s, so a local worker
  picks up the next task promptly (kombu also waits one interval after every task).

:func:`install` makes it the transport behind ``sqla+…`` broker URLs in this process
(Celery reads ``CELERY_BROKER_URL`` from the environment itself, so the URL cannot be
rewritten to name another transport). Production uses Redis.
"""

from __future__ import annotations

from typing import Any

import kombu.transport
from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import create_engine

POLLING_INTERVAL = 0.1

#: Transport options that are not ``create_engine()`` arguments.
NOT_FOR_ENGINE = frozenset(
    {
        "queue_tablename",
        "message_tablename",
        "callback",
        "errback",
        "max_retries",
        "interval_start",
        "interval_step",
        "interval_max",
        "retry_errors",
        "polling_interval",
        "visibility_timeout",
    }
)


class Channel(kombu_sqla.Channel):  # type: ignore[misc]
    def _engine_from_config(self) -> Any:
        conninfo = self.connection.client
        options = {
            key: value
            for key, value in conninfo.transport_options.items()
            if key not in NOT_FOR_ENGINE
        }
        return create_engine(conninfo.hostname, **options)


class Transport(kombu_sqla.Transport):  # type: ignore[misc]
    Channel = Channel
    polling_interval = POLLING_INTERVAL


def install() -> None:
    """Resolve the ``sqla`` URL prefix to :class:`Transport` (idempotent)."""
    path = f"{__name__}:Transport"
    if kombu.transport.TRANSPORT_ALIASES.get("sqla") != path:
        kombu.transport.TRANSPORT_ALIASES["sqla"] = path
        kombu.transport._transport_cache.pop("sqla", None)
