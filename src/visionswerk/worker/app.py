"""Entry point for ``celery -A visionswerk.worker.app``: the configured Celery app."""

import threading

from celery.signals import worker_process_init

from visionswerk.settings import Settings
from visionswerk.worker.celery_app import celery, configure

settings = Settings.from_env()
app = configure(celery, settings)


@worker_process_init.connect
def _load_model(**_: object) -> None:
    """Each pool process shares the step-3 sentence vectors through Redis and loads the
    suggestion model as it starts (beside its first tasks: the model's lock makes an early
    suggestion wait for it), so the first facilitator's request does not wait ≈ 1.6 s for
    it. The tests' workers load it when first asked."""
    from visionswerk.workshops import grouping
    from visionswerk.workshops import vectors as vector_store

    vector_store.configure(settings.redis_url)
    if settings.env != "testing":
        threading.Thread(target=grouping.warm_up, args=(settings.redis_url,), daemon=True).start()
