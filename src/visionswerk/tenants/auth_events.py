"""The log of authentication events (placeholder; replaced at merge)."""

from __future__ import annotations

from visionswerk.tenants.models import User


def record(user: User | None, kind: str, *, email: str | None = None, **detail: str) -> None:
    """placeholder; replaced at merge"""
