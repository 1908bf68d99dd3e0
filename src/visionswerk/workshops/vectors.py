"""A small store for the sentence vectors of short texts (aspect labels, the vision's
sentences), so that a text is embedded once — not again in every process, after every
restart, for every workshop that uses the same words.

Keyed by a hash of the model's name and the text; the value is the float32 vector as bytes
(512 × 4 = 2 KB). In Redis when ``configure(url)`` was called (each worker process does,
with ``REDIS_URL``: ``worker/app.py``), entries expire after ``TTL``; always also in this
process (the last ``LOCAL_MAX`` texts). Redis unreachable or failing: the process cache
alone, Redis tried again after ``RETRY`` seconds — a cache never makes a request fail. No
text is stored, only its hash and vector, and nothing leaves the installation.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import threading
import time
from collections.abc import Callable

import numpy as np
import redis

log = logging.getLogger(__name__)

#: change it when the model or the text it is fed changes: old vectors are then ignored
MODEL = "usem3-1"
DIM = 512
TTL = 30 * 24 * 3600
LOCAL_MAX = 20_000  # ≈ 40 MB at most
RETRY = 60.0
PREFIX = "vw:vec:"
FAILURES = (redis.RedisError, OSError)

_lock = threading.Lock()
_local: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
_redis = None  # redis.Redis | None
_down_until = 0.0


def configure(url: str | None) -> None:
    """Use Redis at ``url`` (None: the process cache only)."""
    global _redis, _down_until
    client = None
    if url:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    with _lock:
        _redis, _down_until = client, 0.0


def key(text: str) -> str:
    return PREFIX + hashlib.sha256(f"{MODEL}\0{text}".encode()).hexdigest()[:40]


def _remote():  # type: ignore[no-untyped-def]
    return _redis if _redis is not None and time.monotonic() >= _down_until else None


def _failed(error: Exception) -> None:
    global _down_until
    log.warning("vector store: Redis does not answer (%s); process cache only for now", error)
    _down_until = time.monotonic() + RETRY


def vectors(texts: list[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """One vector per text (rows in order): known ones from the store, the others by
    ``compute`` (one call, for the missing texts only) and then stored."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    keys = [key(t) for t in texts]
    missing: dict[str, list[int]] = {}
    with _lock:
        for i, k in enumerate(keys):
            found = _local.get(k)
            if found is not None:
                _local.move_to_end(k)
                out[i] = found
            else:
                missing.setdefault(k, []).append(i)
    remote = _remote()
    if missing and remote is not None:
        wanted = list(missing)
        try:
            values = remote.mget(wanted)
        except FAILURES as error:  # compute instead
            _failed(error)
            values = [None] * len(wanted)
        for k, raw in zip(wanted, values, strict=True):
            if raw is not None and len(raw) == DIM * 4:
                vector = np.frombuffer(raw, dtype=np.float32)
                out[missing.pop(k)] = vector
                _keep(k, vector)
    if missing:
        todo = list(missing)
        computed = np.asarray(compute([texts[missing[k][0]] for k in todo]), dtype=np.float32)
        for k, vector in zip(todo, computed, strict=True):
            out[missing[k]] = vector
            _keep(k, vector.copy())
        if remote is not None:
            try:
                pipe = remote.pipeline(transaction=False)
                for k, vector in zip(todo, computed, strict=True):
                    pipe.set(k, vector.tobytes(), ex=TTL)
                pipe.execute()
            except FAILURES as error:
                _failed(error)
    return out


def _keep(k: str, vector: np.ndarray) -> None:
    with _lock:
        _local[k] = vector
        _local.move_to_end(k)
        while len(_local) > LOCAL_MAX:
            _local.popitem(last=False)


def clear_local() -> None:
    """Forget the process cache (tests; a new process)."""
    with _lock:
        _local.clear()
