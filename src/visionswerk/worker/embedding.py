"""The step-3 suggestion model runs in the worker, not in the web process.

The model and its tokenizer take about 120 MB in every process that loads them. A web
process only asks for the vectors of texts the vector store (``workshops/vectors.py``)
does not know yet — new keywords, the sentences of a vision text just saved — and
:func:`encode_in_worker` sends those texts to the task ``visionswerk.embed_texts`` on a
queue of its own (``vectors_queue``: mail batches and reports do not hold it up) and
waits for the vectors. The worker loads the model once; the web process stores the
answer as if it had computed it.

Whatever goes wrong — no worker answers within ``TIMEOUT``, the broker is down — the
vectors are computed in the calling process instead, and the worker is not asked again for
``RETRY`` seconds: a suggestion is never missing because the worker is, it only costs that
process the model's memory. In the tests (``CELERY_ALWAYS_EAGER``) the task runs in the
calling process anyway.
"""

from __future__ import annotations

import base64
import logging
import threading
import time

import numpy as np

from visionswerk.settings import Settings
from visionswerk.workshops import grouping

log = logging.getLogger(__name__)

#: Seconds a request waits for the worker's vectors (a cold worker loads the model first,
#: ≈ 1.6 s of CPU) before it computes them itself.
TIMEOUT = 8.0
#: Seconds the worker is not asked again after it did not answer.
RETRY = 60.0
TASK = "visionswerk.embed_texts"

_lock = threading.Lock()
_down_until = 0.0


def vectors_queue(settings: Settings) -> str:
    return f"{settings.celery_queue}.vectors"


def pack(vectors: np.ndarray) -> str:
    """float32 rows as base64 (JSON-safe, 2.7 KB per text)."""
    return base64.b64encode(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).decode()


def unpack(packed: str, rows: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype=np.float32).reshape(rows, -1)


def encode_in_worker(texts: list[str]) -> np.ndarray:
    """The texts' vectors, computed by the worker (or here, see the module's docstring)."""
    global _down_until
    with _lock:
        ask = time.monotonic() >= _down_until
    if ask:
        try:
            return _ask_worker(texts)
        except Exception as error:  # timeout, broker or backend down: compute here
            log.warning("step-3 vectors: the worker did not answer (%r); computed here", error)
            with _lock:
                _down_until = time.monotonic() + RETRY
    return grouping.encode_here(texts)


def _ask_worker(texts: list[str]) -> np.ndarray:
    from visionswerk.worker.tasks import embed_texts

    # expires: a message still queued after the request stopped waiting is dropped
    result = embed_texts.apply_async(args=[texts], expires=TIMEOUT)
    try:
        packed = result.get(timeout=TIMEOUT, interval=0.05)
    finally:
        result.forget()
    vectors = unpack(packed, len(texts))
    if vectors.shape != (len(texts), grouping.vector_store.DIM):
        raise ValueError(f"vectors of shape {vectors.shape}")
    return vectors


def use_worker() -> None:
    """From now on this process asks the worker (the web process calls it at start)."""
    global _down_until
    with _lock:
        _down_until = 0.0
    grouping.compute_with(encode_in_worker)
