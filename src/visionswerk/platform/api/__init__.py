"""The JSON API ``/api/v1`` (blueprint ``api``) and the personal API tokens on the
account page (blueprint ``api_tokens``).

Authentication (see ``platform.pipeline``): ``Authorization: Bearer <token>`` with a
personal API token, or the session of a logged-in browser. CSRF: token requests carry
no cookie and need no CSRF token; session requests that change something must send the
session's CSRF token in the ``X-CSRFToken`` header (``GET /api/v1/me`` hands it out).
Errors are ``application/problem+json`` (``problems.py``); the OpenAPI 3.1 document is
``GET /api/v1/openapi.json``, generated from the models (``spec.py``, ``models.py``;
README.md here says how a route declares its shapes).
"""

from __future__ import annotations

from flask import Blueprint, g, request

from visionswerk.platform.extensions import csrf
from visionswerk.platform.pipeline import SAFE_METHODS

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked below, only for session-authenticated changes


@bp.before_request
def _csrf_for_session_requests() -> None:
    if request.method in SAFE_METHODS or g.get("token_authenticated"):
        return
    csrf.protect()  # raises CSRFError → 400 problem+json


from visionswerk.platform.api import (  # noqa: E402, F401  (routes)
    calendar,
    onboarding,
    paper,
    reports,
    spec,
    tokens,
    views,
    visions,
    workbench,
)
from visionswerk.platform.api.account import bp as account_bp  # noqa: E402

__all__ = ["account_bp", "bp"]
