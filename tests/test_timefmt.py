"""The one formatter of times for people (visionswerk.timefmt): local, DST-correct,
German or English; machine formats stay UTC elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest

from visionswerk import timefmt

WINTER = dt.datetime(2026, 12, 8, 17, 0, tzinfo=dt.UTC)  # CET, UTC+1
SUMMER = dt.datetime(2026, 7, 8, 16, 0, tzinfo=dt.UTC)  # CEST, UTC+2


def test_winter_and_summer_in_german_local_time() -> None:
    assert timefmt.format_datetime(WINTER) == "8. Dezember 2026, 18:00 Uhr"
    assert timefmt.format_datetime(SUMMER) == "8. Juli 2026, 18:00 Uhr"


def test_english_readers_get_the_english_format() -> None:
    assert timefmt.format_datetime(WINTER, locale="en").replace("\u202f", " ") == (
        "December 8, 2026, 6:00 PM"
    )
    summer = timefmt.format_datetime(SUMMER, "Europe/Berlin", "en_GB")  # a Flask-Babel locale
    assert summer.replace("\u202f", " ") == "July 8, 2026, 6:00 PM"


def test_the_switch_to_and_from_daylight_saving_time() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC)
    assert timefmt.format_datetime(dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC)).endswith(
        "01:59 Uhr"
    )
    assert timefmt.format_datetime(dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)).endswith(
        "03:00 Uhr"
    )
    # 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00 UTC)
    assert timefmt.format_datetime(dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)).endswith(
        "02:30 Uhr"
    )
    assert timefmt.format_datetime(dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)).endswith(
        "02:30 Uhr"
    )


def test_the_tenants_zone_decides_and_an_unknown_zone_falls_back() -> None:
    assert timefmt.format_datetime(WINTER, "America/New_York") == "8. Dezember 2026, 12:00 Uhr"
    assert timefmt.format_datetime(WINTER, "Mars/Olympus") == "8. Dezember 2026, 18:00 Uhr"
    assert timefmt.format_datetime(None) == ""
    # a day near midnight UTC is the local day
    late = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert timefmt.format_day(late) == "1. Januar 2027"
    assert timefmt.format_day(late, locale="en") == "January 1, 2027"


@pytest.mark.parametrize(
    ("wall", "utc_hour"),
    [(dt.datetime(2026, 12, 8, 18, 0), 17), (dt.datetime(2026, 7, 8, 18, 0), 16)],
)
def test_a_typed_deadline_round_trips_through_utc(wall: dt.datetime, utc_hour: int) -> None:
    stored = timefmt.local_to_utc(wall)
    assert stored is not None and stored.tzinfo is not None and stored.hour == utc_hour
    assert timefmt.utc_to_local(stored) == wall
    assert timefmt.local_to_utc(None) is None and timefmt.utc_to_local(None) is None
