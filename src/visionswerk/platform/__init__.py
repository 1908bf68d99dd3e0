"""The Flask web app of Visionswerk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map, ValidationError

from visionswerk import db as dbmod
from visionswerk.settings import Settings

#: Ids are INTEGER columns (32-bit on PostgreSQL).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: a number above the id columns' range names nothing:
    404 instead of an overflow in the database (500). NotFound rather than werkzeug's
    ValidationError, which would answer 405 when another method's rule has that path."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the web app. It never migrates the database (see ``visionswerk db upgrade``)."""
    from visionswerk.platform import errors, pipeline, security
    from visionswerk.platform.extensions import babel, csrf, limiter, login_manager
    from visionswerk.platform.i18n import select_locale, select_timezone
    from visionswerk.worker.celery_app import celery, configure

    settings = settings or Settings.from_env()
    app = pipeline.VisionswerkFlask(__name__, instance_path=str(settings.instance_path))
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    app.config.update(
        SECRET_KEY=settings.secret_key,
        VISIONSWERK=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="visionswerk_session",
        REMEMBER_COOKIE_SECURE=settings.is_production,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE="de",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=settings.ratelimit_key_prefix,
        RATELIMIT_HEADERS_ENABLED=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,  # larger: 413 with our own page
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,  # one limit for a form field, too
    )
    app.config.update(overrides)
    if settings.trusted_proxies:
        # Behind a reverse proxy the client's address (for the login limit per address)
        # and the scheme come from its X-Forwarded-* headers; never trust them otherwise.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    engine = app.config.get("ENGINE") or dbmod.make_engine(settings.database_url)
    app.extensions["visionswerk.engine"] = engine
    dbmod.bind(engine)
    configure(celery, settings)

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    pipeline.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    _template_globals(app)

    from visionswerk.platform.cli import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from visionswerk.platform.accounts.views import bp as accounts
    from visionswerk.platform.admin.views import bp as admin
    from visionswerk.platform.api import account_bp as api_tokens
    from visionswerk.platform.api import bp as api
    from visionswerk.platform.health import bp as health
    from visionswerk.platform.reports.views import bp as reports
    from visionswerk.platform.tenancy.views import bp as tenancy
    from visionswerk.platform.visions.views import bp as visions
    from visionswerk.platform.workshops.views import bp as workshops

    app.register_blueprint(health)
    app.register_blueprint(accounts)
    app.register_blueprint(admin)
    app.register_blueprint(api)
    app.register_blueprint(api_tokens)
    app.register_blueprint(reports)
    if app.config["VISIONSWERK"].env == "development":
        from visionswerk.platform.dev.views import bp as dev

        app.register_blueprint(dev)  # the outbox page; never in testing or production
    app.register_blueprint(visions)
    app.register_blueprint(workshops)
    app.register_blueprint(tenancy)  # last: its /<tenant_slug> routes catch the rest


def _template_globals(app: Flask) -> None:
    from flask_babel import get_locale

    from visionswerk.platform.i18n import LANGUAGES
    from visionswerk.tenants.policy import can

    app.jinja_env.globals.update(can=can, LANGUAGES=LANGUAGES, get_locale=get_locale)
