"""CSV that spreadsheet programs open safely: every CSV the product writes goes through
:func:`csv_bytes`.

Excel and LibreOffice read a cell starting with ``=``, ``+``, ``-`` or ``@`` (and tab,
carriage return or NUL, which they may skip before such a sign) as a formula: a municipality or
workshop called ``=HYPERLINK("https://…","Klick")`` would become a live link or worse in
the coordinator's spreadsheet. As OWASP advises ("CSV Injection"), such text cells get a
leading apostrophe, which the spreadsheet shows as plain text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")  # OWASP; ASVS 5.0 V1.2.10 adds NUL


def safe_cell(value: object) -> object:
    """``value`` as it may stand in a cell: text that a spreadsheet would run as a
    formula is prefixed with ``'``; numbers and everything else pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """A table as CSV for Excel in German locale: UTF-8 with BOM, ``;`` separated, CRLF,
    every cell passed through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
