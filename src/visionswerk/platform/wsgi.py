"""WSGI entry point for production servers: ``gunicorn visionswerk.platform.wsgi:app``.

Settings come from the environment (see the README); the database must be migrated
before (``visionswerk db upgrade``) — the app never migrates itself.
"""

from visionswerk.platform import create_app

app = create_app()

# Load the step-3 suggestion model and word lists now (≈ 1.6 s CPU once per process), not
# in the first facilitator's request. Not in create_app: tests and CLI commands never pay.
from visionswerk.workshops.grouping import warm_up  # noqa: E402

warm_up()
