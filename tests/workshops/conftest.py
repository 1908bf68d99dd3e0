"""Helpers for the workshop tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect as sa_inspect

from visionswerk.errors import DomainError


def dump(obj: Any, depth: int = 0) -> str:
    """Everything a caller could read from ``obj``: ORM rows by their column values,
    dataclasses field by field, containers item by item (a few levels deep)."""
    if depth > 5:
        return ""
    if obj is None or isinstance(obj, str | int | float | bool | dt.datetime | enum.Enum):
        return str(obj)
    if isinstance(obj, dict):
        return " ".join(f"{k}={dump(v, depth + 1)}" for k, v in obj.items())
    if isinstance(obj, list | tuple | set | frozenset):
        return " ".join(dump(v, depth + 1) for v in obj)
    if dataclasses.is_dataclass(obj):
        return " ".join(dump(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj))
    try:
        mapper = sa_inspect(type(obj))
    except Exception:
        return repr(obj)
    parts = [str(getattr(obj, attr.key)) for attr in mapper.column_attrs]
    for rel in mapper.relationships:
        if rel.key in {"tenant", "user", "author", "participant", "created_by"}:
            continue
        if rel.key in sa_inspect(obj).unloaded:
            continue
        parts.append(dump(getattr(obj, rel.key), depth + 1))
    return " ".join(parts)


def outcome(call: Callable[[], Any]) -> str:
    """What a call shows: its result, or its error's message, params and payload."""
    try:
        return dump(call())
    except DomainError as err:
        return " ".join(
            [str(err), err.message, dump(err.params), dump(getattr(err, "payload", {}))]
        )
