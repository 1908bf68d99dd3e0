"""The Redis side of the projector's live updates: publishing after a commit
(``workshops/live.py`` calls :func:`publish`) and the server-sent-event stream
``…/beamer/live`` reads.

Streams are short (:data:`STREAM_SECONDS`): under gunicorn's sync workers each open
stream holds one worker, and the worker timeout (30 s by default) must not kill it. The
browser's EventSource reconnects by itself after each stream (``retry``) and the page
catches up on every reconnect, so short streams lose nothing. Redis absent or down: no
stream (the view answers 204 and the page polls), and publishing fails quietly — marking
a strength must not fail because the projector cannot be told.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator

import redis
from flask import current_app, has_app_context

from visionswerk.settings import Settings
from visionswerk.workshops import live

log = logging.getLogger(__name__)

#: how long one stream lasts before the browser reconnects (below gunicorn's timeout)
STREAM_SECONDS = 25.0
#: a comment line this often keeps proxies from closing a quiet stream and shows the
#: server that a closed browser is gone
KEEPALIVE_SECONDS = 10.0
#: after Redis failed, do not try again for this long (each try would wait for a timeout)
BACK_OFF_SECONDS = 30.0
_down_until: dict[str, float] = {}


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)


def _settings() -> Settings | None:
    if not has_app_context():
        return None
    settings: Settings = current_app.config["VISIONSWERK"]
    return settings if settings.redis_url else None


def _full_name(settings: Settings, name: str) -> str:
    # several installations (and test runs) may share one Redis: pub/sub ignores db numbers
    return f"{settings.ratelimit_key_prefix}:{name}"


def publish(name: str) -> None:
    settings = _settings()
    if settings is None or time.monotonic() < _down_until.get(str(settings.redis_url), 0):
        return
    url = str(settings.redis_url)
    try:
        _client(url).publish(_full_name(settings, name), "change")
    except redis.RedisError as e:
        _down_until[url] = time.monotonic() + BACK_OFF_SECONDS
        log.warning("live update not sent (Redis: %s); projectors poll instead", e)


live.set_publisher(publish)


def open_stream(name: str) -> Iterator[str] | None:
    """The events of one short stream on channel ``name``, already subscribed (so nothing
    published after this call is missed); None without a reachable Redis."""
    settings = _settings()
    if settings is None:
        return None
    try:
        pubsub = _client(str(settings.redis_url)).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(_full_name(settings, name))
    except redis.RedisError as e:
        log.warning("live updates unavailable (Redis: %s); the projector polls", e)
        return None
    return _events(pubsub, STREAM_SECONDS, KEEPALIVE_SECONDS)


def _events(pubsub: redis.client.PubSub, seconds: float, keepalive: float) -> Iterator[str]:
    try:
        yield "retry: 1000\n\n"  # reconnect one second after this stream ends
        end = last = time.monotonic()
        end += seconds
        while (now := time.monotonic()) < end:
            message = pubsub.get_message(timeout=min(1.0, end - now))
            if message is not None and message.get("type") == "message":
                yield "event: change\ndata: {}\n\n"
                last = time.monotonic()
            elif time.monotonic() - last >= keepalive:
                yield ": keepalive\n\n"
                last = time.monotonic()
    except redis.RedisError as e:  # the browser reconnects; then 204 and polling if down
        log.warning("live stream ended early (Redis: %s)", e)
    finally:
        pubsub.close()
