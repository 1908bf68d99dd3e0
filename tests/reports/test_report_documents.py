"""What the PDFs say, parsed back with pypdf: the process documentation holds step 3's
strengths and comments (names only of those who agreed), its table rows never split
across pages, and the vision document reads like a document (short fingerprints in the
signature rows, the full hash once, where it is checked)."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest

from tests.factories import Factory
from tests.reports import helpers as h
from tests.workshops.factories import WorkshopSetup
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.worker import outbox, reports
from visionswerk.worker.models import Report
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "enqueue", lambda t, r: None)
    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)


def squash(text: str) -> str:
    return "".join(text.split())


def pages_of(data: bytes) -> list[str]:
    """Each page's text without whitespace (pypdf breaks lines where the layout does)."""
    return [squash(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def build(settings: Any, setup: WorkshopSetup, kind: str) -> Report:
    with setup.scope():
        w = db.get(Workshop, setup.id)
        report = reports.request(setup.facilitator, kind, w.tenant, w, nonce=f"doc-{kind}")
        report_id = report.id
        dbmod.commit()
    assert reports.generate(settings, setup.tenant.id, report_id) == "done"
    dbmod.commit()
    with setup.scope():
        return db.get(Report, report_id, populate_existing=True)


def test_the_process_pdf_holds_strengths_and_comments(make: Factory, settings: Any) -> None:
    setup = h.plenary_with_feedback(make)
    named = setup.participants[0].display_name
    unnamed = setup.participants[1].display_name
    facilitator = setup.facilitator.display_name
    text = "".join(pages_of(build(settings, setup, "process").pdf))
    for note in (h.NAMED_NOTE, h.UNNAMED_NOTE, h.NAMED_COMMENT, h.UNNAMED_COMMENT):
        assert squash(note) in text, note
    assert squash("2 Personen haben hier eine Stärke gesehen.") in text
    # the named person stands beside her note and her comment ...
    assert squash(f"„{h.NAMED_NOTE}“ – {named}") in text
    assert squash(f"{h.NAMED_COMMENT} ({named},") in text
    # ... the one who did not agree does not, and the facilitator appears as "Moderation"
    assert squash(f"„{h.UNNAMED_NOTE}“ – {unnamed}") not in text
    assert squash(f"{h.UNNAMED_COMMENT} ({unnamed}") not in text
    assert squash(f"{h.FACILITATOR_COMMENT} (Moderation,") in text
    assert squash(facilitator) not in text


def test_withdrawn_consent_removes_the_name_from_strengths_and_comments(
    make: Factory, settings: Any
) -> None:
    setup = h.plenary_with_feedback(make)
    named = setup.participants[0]
    with setup.scope():
        ws.set_name_consent(named, db.get(Workshop, setup.id), False)
        dbmod.commit()
    html = build(settings, setup, "process").html
    assert h.NAMED_NOTE in html and h.NAMED_COMMENT in html
    assert f"“ – {named.display_name}" not in html and f"({named.display_name}," not in html


LONG_REASON = (
    "Grund {n}: Das passt heute noch nicht zu unserer Leitfrage, weil die Gemeinde dafür "
    "keine eigenen Mittel hat; der Gemeinderat greift es im nächsten Haushalt wieder auf."
)


def test_no_table_row_of_a_long_ledger_is_split_across_pages(make: Factory, settings: Any) -> None:
    """Many aspects, each set aside with a reason of several lines: the ledger runs over
    several pages, and every row's reason stands whole on exactly one page."""
    setup = make.workshop(phase="plenary", participants=12)
    h.adopt(setup, reason=LONG_REASON)
    with setup.scope():
        from sqlalchemy import func, select

        from visionswerk.workshops.models import Aspect

        count = db.scalar(
            select(func.count()).select_from(Aspect).where(Aspect.workshop_id == setup.id)
        )
    pages = pages_of(build(settings, setup, "process").pdf)
    assert len(pages) >= 3 and count >= 24
    for n in range(1, count + 1):
        reason = squash(LONG_REASON.format(n=n))
        whole = [i for i, page in enumerate(pages) if reason in page]
        assert len(whole) == 1, f"the row of reason {n} is split (or missing)"
    # the table's head repeats on every page it runs over
    heads = [i for i, page in enumerate(pages) if squash("Aspekt Herkunft Entscheidung") in page]
    assert len(heads) >= 2


def test_the_report_style_keeps_rows_and_headings_together() -> None:
    css = reports.CSS.read_text()
    rule = re.search(r"(^|\n)([^{}\n]*\btr\b[^{}]*)\{([^}]*)\}", css)
    assert rule is not None and "break-inside: avoid" in rule.group(3)
    assert re.search(r"h2[^{]*\{[^}]*break-after: avoid", css)


def test_the_vision_pdf_shows_short_fingerprints_and_the_full_hash_once(
    make: Factory, settings: Any
) -> None:
    setup = h.plenary_with_feedback(make)
    h.adopt(setup)
    with setup.scope():
        sha = ws.current_version(db.get(Workshop, setup.id)).sha256
    text = "".join(pages_of(build(settings, setup, "vision").pdf))
    assert text.count(sha) == 1  # where the reader checks it, not in every row
    assert sha[:12] in text.replace(sha, "")  # the rows' fingerprint ("1f91 2ca4 6dc2")
    assert squash("Bürgermeisterin") in text and squash("Vision Musterhausen 2036") in text
    for word in ("SHA-256:", "UTC)", "(UTC"):  # no jargon labels in the column heads
        assert squash(f"Zeit {word}") not in text


def test_file_names_are_made_of_words() -> None:
    assert reports.ascii_name("Vision-Größenwörth-2036-Fassung-2.pdf") == (
        "Vision-Groessenwoerth-2036-Fassung-2.pdf"
    )
    assert reports.ascii_name("Prozessdokumentation-Île-de-Ré.pdf") == (
        "Prozessdokumentation-Ile-de-Re.pdf"
    )
    assert reports._words("Vision: „Unser Dorf“ 2036/37!") == [
        "Vision",
        "Unser",
        "Dorf",
        "2036",
        "37",
    ]
    assert reports._place("Gemeinde Musterhausen") == "Musterhausen"
    assert reports._place("ILE Musterland") == "Musterland"
    assert reports._place("Markt") == "Markt"
