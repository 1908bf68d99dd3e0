"""WSGI entry point for production servers: ``gunicorn visionswerk.platform.wsgi:app``.

Settings come from the environment (see the README); the database must be migrated
before (``visionswerk db upgrade``) — the app never migrates itself.
"""

from visionswerk.platform import create_app

app = create_app()
