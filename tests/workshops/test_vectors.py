"""The vector store behind the step-3 suggestions: a text is embedded once — then its
vector comes from this process or from Redis (another process, after a restart) — and a
Redis that does not answer only costs the cache, never the request."""

from __future__ import annotations

import os
import uuid

import numpy as np
import pytest
import redis

from visionswerk.workshops import grouping
from visionswerk.workshops import vectors as store


class Encoder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([np.full(store.DIM, float(len(t)), dtype=np.float32) for t in texts])


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(store, "MODEL", f"test-{uuid.uuid4().hex}")  # keys of this test only
    store.clear_local()
    yield
    store.configure(None)
    store.clear_local()


def test_each_text_is_computed_once_then_shared_through_redis(fresh) -> None:  # type: ignore[no-untyped-def]
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL")
    store.configure(url)
    encode = Encoder()
    first = store.vectors(["Glasfaser", "Bus", "Glasfaser"], encode)
    assert encode.calls == [["Glasfaser", "Bus"]]  # duplicates once, one batch
    assert first[0][0] == 9.0 and first[1][0] == 3.0 and first[2][0] == 9.0
    store.vectors(["Bus"], encode)
    assert len(encode.calls) == 1  # this process knows it
    store.clear_local()  # as a new process would start
    again = store.vectors(["Bus", "Glasfaser", "Radweg"], encode)
    assert encode.calls[1:] == [["Radweg"]]  # the rest came from Redis
    assert np.array_equal(again[:2], first[[1, 0]])
    client = redis.Redis.from_url(url)
    keys = [store.key(t) for t in ("Glasfaser", "Bus", "Radweg")]
    assert all(0 < client.ttl(k) <= store.TTL for k in keys)
    assert b"Glasfaser" not in b"".join(client.mget(keys))  # vectors, not the texts
    client.delete(*keys)


def test_a_redis_that_does_not_answer_falls_back_to_the_process(fresh, caplog) -> None:  # type: ignore[no-untyped-def]
    store.configure("redis://127.0.0.1:1/0")  # nothing listens there
    encode = Encoder()
    assert store.vectors(["Bus"], encode)[0][0] == 3.0
    assert store.vectors(["Bus"], encode)[0][0] == 3.0
    assert len(encode.calls) == 1
    assert "Redis does not answer" in caplog.text


def test_cached_vectors_give_the_same_suggestions(fresh) -> None:  # type: ignore[no-untyped-def]
    labels = ["Glasfaser für alle", "Glasfaser in jedem Ortsteil", "Bus jede Stunde", "Rufbus"]
    computed = grouping.embed(labels)
    assert np.array_equal(grouping.embed(labels), computed)  # from the store now
    assert np.allclose(grouping.encode_here(labels), computed, atol=1e-5)
    assert grouping.embed(["", "Bus"])[0].any() == False  # noqa: E712 (empty: a zero row)
