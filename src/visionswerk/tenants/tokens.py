"""Random single-use tokens; only their SHA-256 is ever stored."""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return ``(token, sha256_hex)``: give the token out, store the hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
