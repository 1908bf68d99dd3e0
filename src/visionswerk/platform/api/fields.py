"""The value types every API model is built from: strict JSON types with their bounds,
so that what the OpenAPI description states (``maximum``, ``maxLength``, ``maxItems`` …)
is exactly what validation enforces.

Decisions (documented in the README):

* JSON types are strict: ``"1"`` is not an integer, ``1`` is not a text, ``"true"`` is not
  a boolean. An integer-valued number (``7.0``) *is* an integer, as in JSON Schema
  (2020-12 counts a number with a zero fraction as ``integer``); ``7.5`` is refused.
* Ids are bounded by their column: every id column is PostgreSQL ``INTEGER``, so an id
  is 1 … 2³¹−1. A larger id in a path answers 404 (no such object can exist; it never
  reaches SQL), in a body 422. Other integers are bounded by what the domain allows.
* Texts never contain NUL (PostgreSQL cannot store it); their length is the service's
  limit (``workshops/text.py``).
* Timestamps are ISO 8601 with a time zone and lie between the years 1970 and 9998
  (as written; the description states it as a pattern): anything else is a 422, never an
  overflow.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER, the type of every id and counter column

#: the URL converter of every id in a path. Its bounds (1 … INT32_MAX) are checked when the
#: URL's objects are loaded (views._load_url_objects: 404) and stated in the description:
#: werkzeug's own ``int(min=…, max=…)`` makes the router answer 405 for an id out of range.
ID = "int"

NO_NUL = r"^[^\x00]*$"
#: what ``workshops.text.normalize``/``clean_line`` drop or strip: whitespace (``\s`` as
#: Python's ``re`` and ``str.strip`` read it), C0 controls, DEL, C1 and the no-break space
_BLANK = r"\s\x01-\x20\x7f-\xa0"
#: at least one visible character, no NUL — a text the services accept as "given". The
#: blank run comes first so the pattern is linear (no backtracking over long texts).
VISIBLE_TEXT = rf"^[{_BLANK}]*[^\x00{_BLANK}][^\x00]*$"


def _whole_number(value: Any) -> Any:
    """7.0 → 7 (JSON Schema's ``integer``); everything else is left to strict ``int``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def Integer(minimum: int, maximum: int, description: str | None = None) -> Any:  # noqa: N802
    """An integer between ``minimum`` and ``maximum`` (both included)."""
    # the bounds before the validator, or pydantic writes them as ge/le into the schema
    return Annotated[
        int,
        Strict(),
        Field(ge=minimum, le=maximum, description=description),
        BeforeValidator(_whole_number),
    ]


Id = Integer(1, INT32_MAX)


def _distinct(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("unique", "each id once")
    return values


def DistinctIds(min_length: int, max_length: int) -> Any:  # noqa: N802
    """A list of ids, each at most once (``uniqueItems``): a duplicate is a 422."""
    return Annotated[
        list[Id],
        Field(
            min_length=min_length, max_length=max_length, json_schema_extra={"uniqueItems": True}
        ),
        AfterValidator(_distinct),
    ]


#: the version an editor started from (optimistic locking): 0 = nothing saved yet. At
#: most INT32_MAX − 1: saving stores it + 1 in the INTEGER column
Version = Integer(0, INT32_MAX - 1)


def Text(  # noqa: N802
    max_length: int,
    *,
    min_length: int = 0,
    visible: bool = False,
    description: str | None = None,
) -> Any:
    """A text of at most ``max_length`` characters, without NUL; ``visible``: with at
    least one visible character (what the service requires: a title, a label …)."""
    return Annotated[
        str,
        Strict(),
        Field(
            min_length=1 if visible else (min_length or None),
            max_length=max_length,
            pattern=VISIBLE_TEXT if visible else NO_NUL,
            description=description,
        ),
    ]


def NonBlank(max_length: int, description: str | None = None) -> Any:  # noqa: N802
    """A text the service requires: at least one visible character (1 … ``max_length``)."""
    return Text(max_length, visible=True, description=description)


Flag = Annotated[bool, Strict()]

TIMESTAMP_DESCRIPTION = (
    "ISO 8601 date and time with a time zone, e.g. 2035-05-01T18:00:00+02:00; "
    "between the years 1970 and 9998 (as written)."
)
#: the years 1970 … 9998 at the start of a timestamp (the description's bound, stated)
YEAR_1970_9998 = r"^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"


def _timestamp(value: Any) -> dt.datetime:
    message = "„{field}“ muss Datum und Uhrzeit mit Zeitzone sein, z. B. 2035-05-01T18:00:00+02:00."
    if isinstance(value, dt.datetime):  # already parsed (e.g. a model built in code)
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp", message)
    try:
        parsed = dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # RFC 3339: t, z
        if parsed.tzinfo is None or value[4:5] != "-":  # with a zone, extended format
            raise ValueError(value)
    except ValueError:
        raise PydanticCustomError("timestamp", message) from None
    # the year as written, as the description's pattern states it (then the conversion
    # cannot overflow; in UTC it may be 1969 or 9999)
    if not re.match(YEAR_1970_9998, value):
        raise PydanticCustomError("timestamp_range", "between the years 1970 and 9998")
    return parsed.astimezone(dt.UTC)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    message = "an ISO 8601 date such as 2021-03-15"
    if not isinstance(value, str) or len(value) != 10:
        raise PydanticCustomError("date", message)
    try:
        return dt.date.fromisoformat(value)  # any year 1 … 9999: nothing computes with it
    except ValueError:
        raise PydanticCustomError("date", message) from None


#: a timestamp sent by a client (returned in UTC)
Timestamp = Annotated[
    dt.datetime,
    BeforeValidator(_timestamp),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": YEAR_1970_9998,
            "description": TIMESTAMP_DESCRIPTION,
        }
    ),
]
#: an ISO 8601 date sent by a client
Date = Annotated[
    dt.date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "e.g. 2021-03-15"}),
]


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


#: a timestamp the server answers with: ISO 8601 as stored (UTC)
DateTime = Annotated[
    dt.datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
