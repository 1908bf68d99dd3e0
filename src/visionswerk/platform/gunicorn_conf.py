"""gunicorn settings shipped with Visionswerk:
``gunicorn -c python:visionswerk.platform.gunicorn_conf visionswerk.platform.wsgi:app``
(the Docker image does this; ``gunicorn.conf.py`` in the checkout points here).

The access log goes to stdout through :class:`visionswerk.platform.logs.GunicornLogger`,
which removes the single-use tokens of reset, invitation, signing and unsubscribe links
from the request line, the query and the Referer. Override ``bind``/``workers`` on the
command line or with ``GUNICORN_CMD_ARGS``.
"""

from visionswerk.platform.logs import configure_logging

configure_logging()  # the app's own log lines (warnings about Redis, errors) on stderr

bind = "0.0.0.0:8000"
accesslog = "-"
errorlog = "-"
logger_class = "visionswerk.platform.logs.GunicornLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

# Memory: the app is loaded once in the master and shared copy-on-write by the workers,
# instead of once per worker (the step-3 suggestion model lives in the Celery worker).
preload_app = True


def pre_fork(_server, _worker) -> None:  # type: ignore[no-untyped-def]
    """Move everything loaded so far out of the garbage collector's sight: its passes
    would otherwise touch (and so copy) every shared page in every worker."""
    import gc

    gc.freeze()


def post_fork(_server, _worker) -> None:  # type: ignore[no-untyped-def]
    """A worker never uses the master's database connections (a connection shared by two
    processes mixes their conversations): the pool starts empty in each worker."""
    from visionswerk.db import SessionFactory

    engine = SessionFactory.kw.get("bind")
    if engine is not None:
        engine.dispose(close=False)
