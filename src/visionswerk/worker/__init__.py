"""The Celery worker: its app, beat schedule, tasks, mail and reports."""
