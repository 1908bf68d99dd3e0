"""The one Celery app, configured from the same :class:`Settings` as the web app.

Tasks run inside a database scope: the base class binds the shared session to the
configured database, commits once at the end and removes the session. Tasks take ids,
never objects, and are serialised as JSON.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task

from visionswerk import db as dbmod
from visionswerk.settings import Settings

_engine_url: str | None = None


class DatabaseTask(Task):  # type: ignore[misc]
    """Commit in one place; roll back on failure; always release the session."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        ensure_database(self.app)
        try:
            result = super().__call__(*args, **kwargs)
            dbmod.commit()
            return result
        except BaseException:
            dbmod.rollback()
            raise
        finally:
            dbmod.db.remove()


def ensure_database(app: Celery) -> None:
    global _engine_url
    url = app.conf.visionswerk_database_url
    if url and url != _engine_url and not app.conf.get("visionswerk_shared_engine"):
        dbmod.bind(dbmod.make_engine(url))
        _engine_url = url


def configure(app: Celery, settings: Settings) -> Celery:
    app.conf.update(
        broker_url=settings.celery_broker_url,
        result_backend=settings.celery_result_backend,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis only: the embedded SQLAlchemy broker hands these options to create_engine().
        broker_transport_options=(
            {"visibility_timeout": 3600}
            if settings.celery_broker_url.startswith(("redis://", "rediss://"))
            else {}
        ),
        broker_connection_retry_on_startup=True,
        task_always_eager=settings.celery_always_eager,
        task_eager_propagates=True,
        timezone="UTC",
        visionswerk_database_url=settings.database_url,
        visionswerk_settings=settings,
    )
    return app


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
