"""Times for people: the one place that turns a stored UTC moment into what a person reads.

Stored times are aware UTC datetimes (``visionswerk.db.UTCDateTime``); machine formats
(API timestamps, the hash, a mail's ``Date`` header) stay UTC and do not come here.
Everything a person reads — pages, mails, PDFs — is shown in the tenant's time zone
(``Tenant.time_zone``, default Europe/Berlin) with daylight saving time, in the reader's
language: "8. Dezember 2026, 18:00 Uhr" in German, "December 8, 2026, 6:00 PM" in English.

The web app (``local_datetime`` template filter) and the worker (the mail and report
``datetime`` filter) both call :func:`format_datetime`; this module imports neither.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time

DEFAULT_TIME_ZONE = "Europe/Berlin"


@cache
def zone(name: str | None = None) -> dt.tzinfo:
    """The time zone called ``name`` (an IANA name); the default for a missing or unknown one."""
    for candidate in (name, DEFAULT_TIME_ZONE):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC  # pragma: no cover - no time zone data on this machine at all


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _language(locale: object | None) -> str:
    return "en" if str(locale or "de").lower().startswith("en") else "de"


def to_local(value: dt.datetime, time_zone: str | None = None) -> dt.datetime:
    """An aware moment in the given zone (a naive one is taken as UTC, as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone(time_zone))


def format_datetime(
    value: dt.datetime | None, time_zone: str | None = None, locale: object | None = "de"
) -> str:
    """A moment as a person reads it: "8. Dezember 2026, 18:00 Uhr" (de) or
    "December 8, 2026, 6:00 PM" (en)."""
    if value is None:
        return ""
    local = to_local(value, time_zone)
    lang = _language(locale)
    day = _babel_date(local, "long", locale=lang)
    if lang == "de":
        return f"{day}, {_babel_time(local, 'HH:mm', locale='de')} Uhr"
    return f"{day}, {_babel_time(local, 'short', locale='en')}"


def format_day(
    value: dt.datetime | dt.date | None, time_zone: str | None = None, locale: object | None = "de"
) -> str:
    """A calendar day: "8. Dezember 2026" / "December 8, 2026" (a moment: its local day)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value, time_zone).date()
    return _babel_date(value, "long", locale=_language(locale))


def local_to_utc(value: dt.datetime | None, time_zone: str | None = None) -> dt.datetime | None:
    """A naive wall-clock time in the tenant's zone (a ``datetime-local`` input) as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=zone(time_zone)).astimezone(dt.UTC)


def utc_to_local(value: dt.datetime | None, time_zone: str | None = None) -> dt.datetime | None:
    """An aware moment as the naive wall-clock time in the tenant's zone (for the input)."""
    if value is None:
        return None
    return to_local(value, time_zone).replace(tzinfo=None)
