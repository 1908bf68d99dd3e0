"""Entry point for ``celery -A visionswerk.worker.app``: the configured Celery app."""

from visionswerk.settings import Settings
from visionswerk.worker.celery_app import celery, configure

app = configure(celery, Settings.from_env())
