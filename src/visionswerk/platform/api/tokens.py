"""The account's personal API tokens in ``/api/v1/me/tokens``: list, create, revoke —
the service of the account page (``tenants.api_tokens``).

A new token is created only by a logged-in browser session (with its CSRF token), never
by a token: otherwise a stolen token could mint successors that outlive its revocation.
Its value is in the answer to the POST and never again (only its SHA-256 is stored).
Listing and revoking work with either; a token may revoke itself.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g

from visionswerk.errors import NotAllowed
from visionswerk.i18n import N_
from visionswerk.platform.api import body as b
from visionswerk.platform.api import bp
from visionswerk.platform.api.views import me, ok
from visionswerk.tenants import api_tokens
from visionswerk.tenants.models import ApiToken

TOKEN_BY_TOKEN = N_(
    "Neue API-Schlüssel gibt es nur mit einer Anmeldung im Browser (Sitzung), nicht mit "
    "einem API-Schlüssel. Es wurde nichts gespeichert."
)


def token_of(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "hint": t.hint,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
    }


@bp.get("/me/tokens")
def list_tokens():  # type: ignore[no-untyped-def]
    return ok({"tokens": [token_of(t) for t in api_tokens.tokens_of(me())]})


@bp.post("/me/tokens")
def create_token():  # type: ignore[no-untyped-def]
    if g.get("token_authenticated"):
        raise NotAllowed(TOKEN_BY_TOKEN)
    data = b.json_body()
    token, raw = api_tokens.create_token(me(), b.text(data, "name", required=True))
    return ok({**token_of(token), "token": raw}, 201)


@bp.delete("/me/tokens/<int:token_id>")
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    api_tokens.revoke_token(me(), token_id)
    return Response(status=204)
