"""The one Celery app, configured from the same :class:`Settings` as the web app.

Reliability settings, and why:

* JSON only (``task_serializer``/``accept_content``): tasks take ids and plain values.
* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged after
  the task finished; a worker process that dies mid-task (SIGKILL, OOM) gets its message
  redelivered instead of silently dropped.
* ``worker_prefetch_multiplier = 1``: a worker holds one message per process, so a killed
  worker strands at most that one (the outbox sweep recovers it anyway).
* Redis ``visibility_timeout`` = ``VISIBILITY_TIMEOUT`` (1 h): Redis re-delivers a message
  not acknowledged within this time. It must be longer than the longest task (the mail
  task's hard limit is ``tasks.DELIVERY_TIME_LIMIT`` = 5 min; future report tasks must
  stay under it too) and than the longest retry countdown (``MAIL_RETRY_BACKOFF_MAX``,
  default 10 min), or a task still running (or waiting for its retry) would run twice.
* Retries: transient failures retry with exponential backoff and a cap
  (``MAIL_RETRY_BACKOFF``, ``MAIL_RETRY_BACKOFF_MAX``, ``MAIL_MAX_ATTEMPTS``).
* Broker: Redis in production (``REDIS_URL``); without it an embedded SQLite broker
  (kombu's SQLAlchemy transport) in the instance folder, so the local run needs no
  external service. That transport cannot re-deliver the message of a killed worker —
  the outbox sweep does (see ``outbox.py``).
* Queues: ``CELERY_QUEUE`` for everything but the step-3 suggestions, which a request
  waits for: they have ``<CELERY_QUEUE>.suggestions`` (``suggestions.py``), so they do not
  queue behind mail batches and reports. A worker started without ``-Q`` serves both.
* Beat: ``tasks.BEAT_SCHEDULE``. Run one beat process; a second one does no harm because
  every email has an idempotency key and the sweep claims rows atomically.

Tasks run inside a database scope (:class:`DatabaseTask`): the base class binds the shared
session to the configured database, commits once at the end (a task that must make a step
visible before talking to the outside world, like the mail claim, commits that step
itself) and removes the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery, Task
from kombu import Exchange, Queue

from visionswerk import db as dbmod
from visionswerk.settings import Settings
from visionswerk.worker import broker
from visionswerk.worker.suggestions import TASKS as SUGGESTION_TASKS
from visionswerk.worker.suggestions import queue as suggestions_queue

broker.install()

#: Seconds; see the module docstring.
VISIBILITY_TIMEOUT = 3600

_engine_url: str | None = None


class DatabaseTask(Task):  # type: ignore[misc]
    """Commit in one place; roll back on failure; always release the session.

    An eager task (tests, ``CELERY_ALWAYS_EAGER``) runs inside the caller's process,
    usually from an ``after_commit`` callback: it gets a session of its own and leaves the
    caller's session exactly as it was.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        eager = bool(getattr(self.request, "is_eager", False))
        if not eager:
            ensure_database(self.app)
        with _task_session(eager):
            try:
                result = super().__call__(*args, **kwargs)
                dbmod.commit()
                return result
            except BaseException:
                dbmod.rollback()
                raise


@contextmanager
def _task_session(eager: bool) -> Iterator[None]:
    registry = dbmod.db.registry
    previous = registry() if eager and registry.has() else None
    if previous is not None:
        registry.clear()
    try:
        yield
    finally:
        dbmod.db.remove()
        if previous is not None:
            registry.set(previous)


def ensure_database(app: Celery) -> None:
    global _engine_url
    url = app.conf.visionswerk_database_url
    if url and url != _engine_url and not app.conf.get("visionswerk_shared_engine"):
        dbmod.bind(dbmod.make_engine(url))
        _engine_url = url


def broker_transport_options(broker_url: str) -> dict[str, Any]:
    if broker_url.startswith(("redis://", "rediss://")):
        # socket_connect_timeout: an unreachable Redis fails a request's hand-over in
        # seconds (the sweep retries), instead of holding the request
        return {"visibility_timeout": VISIBILITY_TIMEOUT, "socket_connect_timeout": 2}
    if broker_url.startswith("sqla+sqlite:"):
        # The embedded broker (broker.py); ``connect_args`` go to create_engine(): wait
        # for a busy SQLite file instead of failing with "database is locked".
        return {"connect_args": {"timeout": 30}}
    return {}


def _queue(name: str) -> Queue:
    return Queue(name, Exchange(name), routing_key=name)  # as Celery declares its default


def configure(app: Celery, settings: Settings) -> Celery:
    from visionswerk.worker.tasks import BEAT_SCHEDULE

    previous_broker = app.conf.get("broker_url")
    broker_url = settings.celery_broker_url
    app.conf.update(
        broker_url=broker_url,
        result_backend=settings.celery_result_backend,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=settings.celery_queue,
        # a worker started without -Q serves both; the step-3 suggestions, which a request
        # waits for, do not queue behind mail batches and reports (``suggestions.py``)
        task_queues=[_queue(settings.celery_queue), _queue(suggestions_queue(settings))],
        task_routes={name: {"queue": suggestions_queue(settings)} for name in SUGGESTION_TASKS},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_transport_options=broker_transport_options(broker_url),
        broker_connection_retry_on_startup=True,
        task_always_eager=settings.celery_always_eager,
        task_eager_propagates=True,
        timezone="UTC",
        beat_schedule=BEAT_SCHEDULE,
        visionswerk_database_url=settings.database_url,
        visionswerk_settings=settings,
    )
    if previous_broker and previous_broker != broker_url:
        _drop_broker_connections(app)
    return app


def _drop_broker_connections(app: Celery) -> None:
    """Forget the pools bound to a previous broker (a process that reconfigures, e.g. the
    tests); they are not closed, kombu's global pools may still hand them out for that
    broker."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


celery = Celery("visionswerk", task_cls=DatabaseTask, include=["visionswerk.worker.tasks"])
# The default app for every thread: ``shared_task`` resolves the current app per thread,
# and without this a request in another thread (threaded server) enqueued into an
# unconfigured fallback app and the task silently vanished.
celery.set_default()


def settings_of(app: Celery) -> Settings:
    settings = app.conf.get("visionswerk_settings")
    if settings is None:
        settings = Settings.from_env()
        configure(app, settings)
    return settings
