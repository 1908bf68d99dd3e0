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
