"""WSGI entry point for production servers: ``gunicorn visionswerk.platform.wsgi:app``.

Settings come from the environment (see the README); the database must be migrated
before (``visionswerk db upgrade``) — the app never migrates itself.
"""

from visionswerk.platform import create_app

app = create_app()

# The step-3 suggestions are computed in the worker (``worker/suggestions.py``): a web
# process holds neither numpy nor the word lists nor the model.
import gc  # noqa: E402

from visionswerk.worker.suggestions import use_worker  # noqa: E402

use_worker()
# Everything loaded so far (app, models, templates) lives as
# long as the process: moved out of the collector's reach, a full collection no longer
# walks those objects in the middle of a request (the workbench page's p95 was mostly that,
# issue 12) and forked workers keep sharing their pages. Requests' garbage is collected as
# before.
gc.freeze()
