"""The one request pipeline: resolve tenant → authenticate → authorise → act → commit.

* Every endpoint requires a logged-in user unless marked :func:`public`.
* ``/<tenant_slug>/...`` is resolved here, once: the tenant becomes ``g.tenant`` and the
  ORM scope; a tenant the user may not see answers 404 like one that does not exist.
* The pipeline commits once, after the view returned a successful response to a
  state-changing request. Safe requests (GET, HEAD) and error responses roll back, so a
  GET cannot change state even by accident; a commit attempted while a safe request is
  being handled raises instead of persisting anything. On PostgreSQL a safe request's
  transaction is READ ONLY, so the database refuses any write or row lock in it, and ends
  with COMMIT (nothing to keep; psycopg keeps its prepared statements). The commit
  happens inside the dispatch, so a constraint it trips goes to the error handlers (409)
  like any error.
* Before anything else: NUL bytes in the path, query string or form answer 400.
* The JSON API (``/api/...``) authenticates with ``Authorization: Bearer <token>`` (a
  personal API token; then only the token counts, never the session cookie) or with the
  session; an unauthenticated API request answers 401 (problem+json), not a redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, abort, g, has_app_context, request
from flask_login import current_user
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.errors import DomainError
from visionswerk.i18n import N_
from visionswerk.tenants.models import Tenant, TenantOwned
from visionswerk.tenants.policy import can
from visionswerk.tenants.scoping import current_tenant_id, set_current_tenant
from visionswerk.tenants.services import tenant_by_slug

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public(view: F) -> F:
    """Mark a view as reachable without login (login page, invitation, health)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def is_public(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, "_public", False))


class SafeRequestCommitError(RuntimeError):
    """Something tried to commit while a GET/HEAD/OPTIONS request was being handled."""


class VisionswerkFlask(Flask):
    def dispatch_request(self):  # type: ignore[no-untyped-def]
        rv = super().dispatch_request()
        if request.method in SAFE_METHODS:
            return rv
        response = self.make_response(rv)
        if response.status_code < 400:
            # Committed here, inside the dispatch, so that a constraint the commit trips
            # (a concurrent request won) reaches the error handlers like an error in the
            # view: 409 with the page's security headers, never a bare 500.
            dbmod.commit()
        return response

    def full_dispatch_request(self):  # type: ignore[no-untyped-def]
        g.read_only_request = request.method in SAFE_METHODS
        try:
            return super().full_dispatch_request()
        finally:
            read_only, g.read_only_request = g.read_only_request, False
            if read_only:
                dbmod.finish()  # a safe request keeps nothing
            else:
                dbmod.rollback()  # nor does an error response (a success committed)


# Only the app's sessions: publishing a task through the embedded broker, or reading its
# result from the database backend, commits those libraries' own sessions.
@event.listens_for(dbmod.AppSession, "before_commit")
def _refuse_commit_in_safe_request(_session: Session) -> None:
    if has_app_context() and g.get("read_only_request", False):
        raise SafeRequestCommitError("a GET, HEAD or OPTIONS request must not change state")


# A safe request's transaction is READ ONLY on PostgreSQL: the database itself refuses any
# write or row lock in it (tests/conftest.py refuses the same on every database).
@event.listens_for(dbmod.AppSession, "after_begin")
def _begin_read_only(session: Session, _transaction: Any, connection: Connection) -> None:
    read_only = has_app_context() and g.get("read_only_request", False)
    if read_only and dbmod.begin_read_only(connection):
        session.info["read_only"] = True


def current_tenant() -> Tenant:
    return g.tenant  # type: ignore[no-any-return]


def get_or_404(model: type[Any], ident: int) -> Any:
    """Load a tenant-owned ``model`` by id within the current tenant, or answer 404.

    Only for tenant-owned models: anything else is not scoped, so loading it by a bare id
    from the URL would reach across tenants."""
    if not issubclass(model, TenantOwned):
        raise TypeError(f"get_or_404 loads only tenant-owned models, not {model.__name__}")
    tenant_id = current_tenant_id()
    if tenant_id is None:
        abort(404)
    obj = db.scalar(select(model).where(model.id == ident, model.tenant_id == tenant_id))
    if obj is None:
        abort(404)
    return obj


API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _authenticate_api_request() -> None:
    """A Bearer token on an API request decides alone who is acting: a valid token
    logs its user in for this request only (no session, so no CSRF either), any other
    Authorization header answers 401 — even beside a valid session cookie."""
    header = request.headers.get("Authorization")
    if header is None:
        return  # the session, as for pages
    from visionswerk.tenants.api_tokens import user_for_token

    scheme, _, raw = header.strip().partition(" ")
    user = None
    if scheme.lower() == "bearer":
        user = user_for_token(raw, record_use=request.method not in SAFE_METHODS)
    if user is None:
        abort(401)
    g._login_user = user  # Flask-Login's per-request user: current_user is this user
    g.token_authenticated = True


def _unauthorized() -> Any:
    if is_api_request():
        abort(401)
    from visionswerk.platform import kept_text
    from visionswerk.platform.extensions import login_manager

    # a form sent after the session ended: its text waits for the next login
    return kept_text.keep_and_send_to_login() or login_manager.unauthorized()


class RefusedInput(DomainError):
    """A request carrying what no field may hold (NUL bytes): 400, before any view."""

    status = 400


NUL_REFUSED = N_(
    "Die Eingabe enthält ein unsichtbares Steuerzeichen (ein Null-Byte), das hier nicht "
    "erlaubt ist. Es wurde nichts gespeichert. Bitte tippen Sie den Text neu ein, statt ihn "
    "einzufügen."
)


def _has_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul_bytes() -> None:
    """NUL bytes in the path, the query string or a form: 400 before anything looks at
    them (PostgreSQL cannot store them in text; no field has a use for them). JSON
    bodies are checked where the API parses them."""
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        raise RefusedInput(NUL_REFUSED)
    if request.method not in SAFE_METHODS and _has_nul(request.form.items(multi=True)):
        raise RefusedInput(NUL_REFUSED)


def init_app(app: Flask) -> None:
    from visionswerk.platform import kept_text

    kept_text.init_app(app)

    @app.url_value_preprocessor
    def _resolve_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
        set_current_tenant(None)
        refuse_nul_bytes()  # first: the tenant slug and the token look-up query with them
        if is_api_request():
            _authenticate_api_request()
        if not values or "tenant_slug" not in values:
            return
        mine = [m.tenant for m in current_user.memberships] if current_user.is_authenticated else []
        tenant = tenant_by_slug(values.pop("tenant_slug"), mine)
        if tenant is None:
            abort(404)
        if not is_public(app, endpoint):
            if not current_user.is_authenticated:
                abort(_unauthorized())
            if not can(current_user, "tenant.view", tenant):
                abort(404)  # like a tenant that does not exist: no existence oracle
        g.tenant = tenant  # only a tenant the user may see becomes the current one
        set_current_tenant(tenant.id)

    @app.before_request
    def _require_login() -> Any:
        if is_public(app, request.endpoint) or current_user.is_authenticated:
            return None
        return _unauthorized()

    @app.url_defaults
    def _tenant_slug_default(endpoint: str, values: dict[str, Any]) -> None:
        if "tenant_slug" in values or "tenant" not in g:
            return
        if app.url_map.is_endpoint_expecting(endpoint, "tenant_slug"):
            values["tenant_slug"] = g.tenant.slug

    @app.teardown_appcontext
    def _release_session(_exc: BaseException | None) -> None:
        dbmod.rollback()
        db.remove()
