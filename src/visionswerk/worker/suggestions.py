"""The step-3 suggestions are computed in the worker, not in the web process.

Computing them needs numpy, the word lists and the sentence encoder: about 150 MB in every
process that loads them. The web process (``platform/wsgi.py``, and the demo with its
worker) installs :class:`InWorker` as the workbench's ``suggester``: it sends the labels
(and the vision text, for passages) to the tasks ``visionswerk.suggest_groups`` and
``visionswerk.suggest_passages`` on a queue of their own (``queue``: mail batches and
reports do not hold them up) and waits for the answer — index lists and character spans,
a few hundred bytes. The workbench caches the answers per process, as it did its own.

Whatever goes wrong — no worker answers within ``TIMEOUT``, the broker is down — the
suggestions are computed in the calling process instead, and the worker is not asked again
for ``RETRY`` seconds: a suggestion is never missing because the worker is, it only costs
that process the memory. The tests compute the suggestions in their own process (the
workbench's default) but where they run a real worker (``tests/worker``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from visionswerk.settings import Settings

log = logging.getLogger(__name__)

#: Seconds a request waits for the worker (a cold worker loads the model first, ≈ 1.6 s
#: of CPU) before it computes the suggestions itself.
TIMEOUT = 8.0
#: Seconds the worker is not asked again after it did not answer.
RETRY = 60.0
TASKS = ("visionswerk.suggest_groups", "visionswerk.suggest_passages")

_lock = threading.Lock()
_down_until = 0.0


def queue(settings: Settings) -> str:
    return f"{settings.celery_queue}.suggestions"


class InWorker:
    """The workbench's suggester in the web process: asks the worker."""

    def groups(self, labels: list[str]) -> list[list[int]]:
        try:
            return [[int(i) for i in group] for group in _ask(TASKS[0], [labels])]
        except (TypeError, ValueError):  # no answer, or not one this version reads
            return _here().groups(labels)

    def passages(self, labels: list[str], text: str, limit: int) -> list[list[tuple[int, int]]]:
        try:
            answer = _ask(TASKS[1], [labels, text, limit])
            spans = [[(int(s), int(e)) for s, e in found] for found in answer]
        except (TypeError, ValueError):
            spans = []
        if len(spans) != len(labels):
            return _here().passages(labels, text, limit)
        return spans


def _here():  # type: ignore[no-untyped-def]
    # imported here: celery_app imports this module, and the workbench the models
    from visionswerk.workshops.workbench import InProcess

    return InProcess()


def _ask(task: str, args: list[Any]) -> Any:
    """The worker's answer, or None (then the caller computes it; see the docstring)."""
    global _down_until
    with _lock:
        if time.monotonic() < _down_until:
            return None
    from visionswerk.worker.celery_app import celery

    try:
        # expires: a message still queued after the request stopped waiting is dropped
        result = celery.send_task(task, args=args, expires=TIMEOUT)
        try:
            return result.get(timeout=TIMEOUT, interval=0.05)
        finally:
            result.forget()
    except Exception as error:  # timeout, broker or backend down: computed here
        log.warning("step-3 suggestions: the worker did not answer (%r); computed here", error)
        with _lock:
            _down_until = time.monotonic() + RETRY
        return None


def use_worker() -> None:
    """From now on this process asks the worker (the web process calls it at start)."""
    from visionswerk.workshops.workbench import compute_suggestions_with

    global _down_until
    with _lock:
        _down_until = 0.0
    compute_suggestions_with(InWorker())
