"""Entry point for ``celery -A visionswerk.worker.app``: the configured Celery app."""

import threading

from celery.signals import worker_process_init

from visionswerk.settings import Settings
from visionswerk.worker.celery_app import celery, configure

settings = Settings.from_env()
app = configure(celery, settings)


@worker_process_init.connect
def _load_model(**_: object) -> None:
    """Each pool process loads the step-3 suggestion model as it starts (beside its first
    tasks: the model's lock makes an early ``embed_texts`` wait for it), so the first
    facilitator's request does not wait ≈ 1.6 s for it. The tests' workers do not."""
    if settings.env != "testing":
        from visionswerk.workshops.grouping import encode_here

        threading.Thread(target=encode_here, args=(["Glasfaser"],), daemon=True).start()
