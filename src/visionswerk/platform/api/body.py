"""Reading JSON request bodies: one object, fields checked for their type with plain
German messages naming the field (422 with ``errors``). Unknown fields are ignored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request

from visionswerk.i18n import N_
from visionswerk.platform.api.problems import BadBody
from visionswerk.tenants.accounts import InvalidField

MISSING = N_("Bitte geben Sie „%(name)s“ an.")


def json_body() -> dict[str, Any]:
    """The request's JSON object ({} for an empty body); BadBody (400) otherwise."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise BadBody(N_("Bitte senden Sie ein JSON-Objekt (Content-Type: application/json)."))
    return data


def text(data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidField(name, MISSING, name=name)
        return None
    if not isinstance(value, str):
        raise InvalidField(name, N_("„%(name)s“ muss ein Text sein."), name=name)
    return value


def integer(data: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidField(name, MISSING, name=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(name, N_("„%(name)s“ muss eine ganze Zahl sein."), name=name)
    return value


def boolean(data: dict[str, Any], name: str, default: bool | None = None) -> bool | None:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidField(name, N_("„%(name)s“ muss true oder false sein."), name=name)
    return value


def integers(data: dict[str, Any], name: str, *, required: bool = False) -> list[int]:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidField(name, MISSING, name=name)
        return []
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) for v in value
    ):
        raise InvalidField(name, N_("„%(name)s“ muss eine Liste ganzer Zahlen sein."), name=name)
    return value


def strings(data: dict[str, Any], name: str = "keywords") -> list[str] | None:
    """A list of strings (keywords, chosen statements …); None when absent."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise InvalidField(name, N_("„%(name)s“ muss eine Liste von Texten sein."), name=name)
    return value


def date(data: dict[str, Any], name: str) -> dt.date | None:
    """An ISO 8601 date (``2021-03-15``); None when absent."""
    value = text(data, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidField(
            name, N_("„%(name)s“ muss ein Datum wie 2021-03-15 sein."), name=name
        ) from None


def timestamp(value: Any, name: str) -> dt.datetime | None:
    """An ISO 8601 date and time with a time zone (e.g. ``2035-05-01T18:00:00+02:00``),
    returned in UTC; None stays None."""
    if value is None:
        return None
    message = N_(
        "„%(name)s“ muss Datum und Uhrzeit mit Zeitzone sein, z. B. 2035-05-01T18:00:00+02:00."
    )
    if not isinstance(value, str):
        raise InvalidField(name, message, name=name)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidField(name, message, name=name) from None
    if parsed.tzinfo is None:
        raise InvalidField(name, message, name=name)
    return parsed.astimezone(dt.UTC)
