"""Errors that services raise; each carries a plain-language German message id."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that cannot be carried out; nothing was changed."""

    status = 422

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class InvalidInput(DomainError):
    status = 422


class NotAllowed(DomainError):
    """The acting user may not do this (403 for objects they may see)."""

    status = 403


class NotFound(DomainError):
    """The object does not exist in the current tenant (always 404)."""

    status = 404


class Conflict(DomainError):
    """The request conflicts with the current state (stale version, invalid move)."""

    status = 409

    def __init__(self, message: str, *, payload: dict[str, Any] | None = None, **params: Any):
        super().__init__(message, **params)
        self.payload = payload or {}
