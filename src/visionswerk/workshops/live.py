"""Live updates for the projector view: "what the room sees of this workshop changed".

A service that changes something the projector shows (a strength marked or taken back,
a comment) calls :func:`changed`. Once the transaction has committed — never when it
rolls back — the registered publisher sends one message on the workshop's channel. The
message carries no content, only that something changed: the projector then fetches its
state through the policy like any other page (``workshops/projector.py``), so nothing the
room may not see passes through the channel.

No Flask, no Redis here: the web app registers the publisher
(``platform/workshops/live_stream.py``, Redis pub/sub). Without one nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from visionswerk.db import after_commit
from visionswerk.workshops.models import Workshop

Publisher = Callable[[str], None]
_publisher: list[Publisher] = []


def set_publisher(publish: Publisher | None) -> None:
    """Who sends the messages (the web app, at import of its live module)."""
    _publisher[:] = [publish] if publish is not None else []


def channel(workshop_id: int) -> str:
    """The workshop's channel name (workshop ids are unique across tenants)."""
    return f"live:workshop:{workshop_id}"


def changed(workshop: Workshop) -> None:
    """After the current transaction commits, tell the workshop's projector."""
    after_commit(partial(_publish, channel(workshop.id)))


def _publish(name: str) -> None:
    for publish in _publisher:
        publish(name)
