"""WSGI entry point for production servers: ``gunicorn visionswerk.platform.wsgi:app``.

Settings come from the environment (see the README); the database must be migrated
before (``visionswerk db upgrade``) — the app never migrates itself.
"""

from visionswerk.platform import create_app

app = create_app()

# The step-3 suggestions: their word lists load now (not in the first facilitator's
# request), the sentence vectors come from Redis, and the model that computes new ones
# runs in the worker (``worker/embedding.py``) — a web process does not hold it. Not in
# create_app: tests and CLI commands never pay.
import gc  # noqa: E402

from visionswerk.worker.embedding import use_worker  # noqa: E402
from visionswerk.workshops.grouping import warm_up  # noqa: E402

warm_up(app.config["VISIONSWERK"].redis_url, model=False)
use_worker()
# Everything loaded so far (app, models, templates, the word lists) lives as
# long as the process: moved out of the collector's reach, a full collection no longer
# walks those objects in the middle of a request (the workbench page's p95 was mostly that,
# issue 12) and forked workers keep sharing their pages. Requests' garbage is collected as
# before.
gc.freeze()
