"""The step-3 suggestion model runs in the worker: a web process asks a real worker
process (real broker, real result backend) for the vectors of new texts and never loads
the model itself — unless no worker answers, and then the suggestions still come."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import numpy as np
import pytest

from tests.worker.conftest import WorkerProcess
from visionswerk.settings import Settings
from visionswerk.worker import embedding
from visionswerk.workshops import grouping
from visionswerk.workshops import vectors as vector_store

pytestmark = pytest.mark.committing

TEXTS = ["Dorfladen mit Lieferdienst", "Glasfaser in jedem Ortsteil", "Bürgerbus am Abend"]


@pytest.fixture()
def web_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as a web process after ``wsgi.py``: no model loaded, no vector known,
    the worker asked."""
    monkeypatch.setattr(grouping, "_model", None)
    vector_store.configure(None)
    vector_store.clear_local()
    embedding.use_worker()
    yield
    grouping.compute_with(None)
    vector_store.clear_local()


def _computed_here(texts: list[str]) -> np.ndarray:
    grouping.compute_with(None)
    return grouping.encode_here(texts)


def test_a_web_process_gets_new_vectors_from_the_worker(
    worker: WorkerProcess, live_celery: Settings, web_process: None
) -> None:
    vectors = grouping.embed(TEXTS)
    # the grouping suggestions of new labels, too
    groups = grouping.suggest_groups(["Dorfladen", "Glasfaser bis ins Haus", "Dorfladen"])

    assert grouping._model is None  # this process never loaded the model
    assert "visionswerk.embed_texts" in worker.output() and "succeeded" in worker.output()
    assert [sorted(g) for g in groups] == [[0, 2]]
    assert vectors.shape == (3, 512)
    assert np.allclose(vectors, _computed_here(TEXTS), atol=1e-5)


def test_without_a_worker_the_vectors_are_computed_here(
    live_celery: Settings,
    web_process: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(embedding, "TIMEOUT", 0.5)
    with caplog.at_level(logging.WARNING, logger=embedding.__name__):
        vectors = grouping.embed(TEXTS)

    assert "the worker did not answer" in caplog.text
    assert np.allclose(vectors, _computed_here(TEXTS), atol=1e-5)
    # the worker is not asked again for a while: the next texts do not wait for it
    assert embedding._down_until > time.monotonic() + embedding.RETRY - 5
