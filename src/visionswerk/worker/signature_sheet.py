"""The printable signature sheet of a version being signed (PDF, WeasyPrint): the text,
its short fingerprint and full SHA-256, a QR code to the public verification page, and one
row per signature — the listed people who have not signed yet, then empty rows.

Built like the reports (the same template environment, style sheet and static-only
fetcher, so nothing is fetched from the network), but at once in the request: it is one
or two pages, the facilitator needs it now in the room, and it holds nothing a reader of
the signing page does not see. The QR code is drawn locally (segno) as inline SVG.
"""

from __future__ import annotations

import re
from typing import Any

import segno
from markupsafe import Markup

from visionswerk.db import utcnow
from visionswerk.i18n import N_
from visionswerk.tenants.models import Tenant
from visionswerk.worker import emails
from visionswerk.worker.reports import render_pdf
from visionswerk.workshops.models import Signatory, VisionVersion, Workshop
from visionswerk.workshops.text import render_markdown

SHEET_TITLE = N_("Unterschriftenblatt")
EMPTY_ROWS = 6  # for people nobody listed beforehand (the list is not closed)


def qr_svg(url: str) -> Markup:
    """The URL as a QR code (error correction M: a crease or a coffee stain still reads)."""
    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, omitsize=False)
    # an image for assistive technology, named by the URL printed beside it
    return Markup(re.sub(r"^<svg ", '<svg role="img" aria-label="QR-Code" ', svg))


def sheet_html(
    *,
    tenant: Tenant,
    workshop: Workshop,
    version: VisionVersion,
    signatories: list[Signatory],
    verify_url: str,
    locale: str = "de",
) -> str:
    from visionswerk.visions.documents import embedded_view

    open_rows = [s for s in signatories if s.signature is None]
    context: dict[str, Any] = {
        "tenant": tenant,
        "workshop": workshop,
        "version": version,
        "vision_html": Markup(render_markdown(version.text)),
        "embedded": embedded_view(version),
        "fingerprint": " ".join(version.sha256[i : i + 4] for i in range(0, 12, 4)),
        "verify_url": verify_url,
        "qr": qr_svg(verify_url),
        "rows": open_rows,
        "empty_rows": EMPTY_ROWS,
        "generated_at": utcnow(),
        "time_zone": tenant.time_zone,
        "title": emails.gettext(locale, SHEET_TITLE),
        "lang": locale,
    }
    return emails.environment(locale).get_template("reports/signature_sheet.html").render(**context)


def sheet_pdf(**kwargs: Any) -> bytes:
    return render_pdf(sheet_html(**kwargs))
