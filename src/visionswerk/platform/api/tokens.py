"""The account's personal API tokens in ``/api/v1/me/tokens``: list, create, revoke —
the service of the account page (``tenants.api_tokens``).

A new token is created only with a logged-in browser session (and its CSRF token), never
with a token: else a stolen token could mint successors that outlive its revocation. Its
value is in the answer to the POST and never again (only its SHA-256 is stored).
Listing and revoking work with either; a token may revoke itself.
"""

from __future__ import annotations

from flask import Response, g
from pydantic import Field

from visionswerk.errors import NotAllowed
from visionswerk.i18n import N_
from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.fields import ID, DateTime
from visionswerk.platform.api.patterns import Label, Request
from visionswerk.platform.api.spec import api, created
from visionswerk.platform.api.views import me
from visionswerk.tenants import api_tokens
from visionswerk.tenants.models import ApiToken

TAG = "Me"
TOKEN_BY_TOKEN = N_(
    "Neue API-Schlüssel gibt es nur mit einer Anmeldung im Browser (Sitzung), nicht mit "
    "einem API-Schlüssel. Es wurde nichts gespeichert."
)
TokenName = Label(
    api_tokens.NAME_MAX, "What you will recognise it by, e.g. „Auswertung im Rathaus“."
)


class Token(m.Answer):
    id: int
    name: str
    hint: str = Field(description="The token's first characters.")
    created_at: DateTime
    last_used_at: DateTime | None = Field(description="Last used for a change.")
    revoked_at: DateTime | None

    @classmethod
    def of(cls, t: ApiToken) -> Token:
        return cls(
            id=t.id,
            name=t.name,
            hint=t.hint,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )


class NewToken(Token):
    token: str = Field(description="The token itself: shown this once, never again.")


class Tokens(m.Answer):
    tokens: list[Token] = Field(description="Active first, newest first.")


class TokenCreate(Request):
    name: TokenName


@bp.get("/me/tokens")
@api(ok=Tokens, tag=TAG)
def list_tokens():  # type: ignore[no-untyped-def]
    """My personal API tokens (never their values)"""
    return Tokens(tokens=[Token.of(t) for t in api_tokens.tokens_of(me())])


@bp.post("/me/tokens")
@api(ok=NewToken, status=201, tag=TAG)
def create_token(json: TokenCreate):  # type: ignore[no-untyped-def]
    """Create a token (browser session only); its value is in this answer only"""
    if g.get("token_authenticated"):
        raise NotAllowed(TOKEN_BY_TOKEN)
    token, raw = api_tokens.create_token(me(), json.name)
    model, status, headers = created(NewToken(**Token.of(token).model_dump(), token=raw))
    return model, status, {**headers, "Cache-Control": "no-store"}


@bp.delete(f"/me/tokens/<{ID}:token_id>")
@api(ok=None, status=204, tag=TAG)
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    """Revoke one of my tokens (again: no change); another's token is 404"""
    api_tokens.revoke_token(me(), token_id)
    return Response(status=204)
