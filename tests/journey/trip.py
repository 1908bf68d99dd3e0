"""The people of the journey test, each in a browser context of their own, and what the
test does with every page: screenshots at 1,280 and 390 px (no page wider than its
viewport), axe-core (no serious or critical violation) and the XSS watch."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import pypdf
from pypdf.generic import NameObject

from tests.factories import PASSWORD
from tests.journey.conftest import NARROW, WIDE, Journey

#: Marks of the XSS payloads: a dialog or a global with one of these means script ran.
XSS_MARK = "XSS-JOURNEY"


@dataclasses.dataclass
class Trip:
    journey: Journey
    browser: Any
    dialogs: list[str] = dataclasses.field(default_factory=list)
    shot_count: int = 0
    workshop: str = ""  # the path of the workshop's page, once it exists

    @property
    def base(self) -> str:
        return self.journey.base

    def person(self, name: str, email: str, width: int = WIDE) -> Person:
        height = 900 if width == WIDE else 844
        context = self.browser.new_context(
            locale="de-DE",
            timezone_id="Europe/Berlin",
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        return Person(self, name, email, context, context.new_page())

    # --- every page of a step ---------------------------------------------------------------

    def shot(self, page: Any, name: str) -> None:
        """Screenshots at 1,280 and 390 px into the shots folder; no page is wider than
        its viewport."""
        self.shot_count += 1
        size = page.viewport_size
        for width, height in ((WIDE, 900), (NARROW, 844)):
            page.set_viewport_size({"width": width, "height": height})
            path = self.journey.shots / f"{self.shot_count:02d}-{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name}: die Seite ist bei {width} px {wide} px breit"
        page.set_viewport_size(size)
        self.no_script_ran(page, name)

    def axe(self, page: Any, what: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        found = [
            f"{v['id']} ({v['impact']}) {v['help']} – "
            + "; ".join(str(n["target"][0]) for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not found, f"axe auf {what}: {found}"

    def no_script_ran(self, page: Any, where: str) -> None:
        ran = page.evaluate("window.__xss_journey || null")
        assert ran is None, f"{where}: a payload ran ({ran})"
        assert not [d for d in self.dialogs if XSS_MARK in d], f"{where}: {self.dialogs}"


@dataclasses.dataclass
class Person:
    trip: Trip
    name: str
    email: str
    context: Any
    page: Any

    def __post_init__(self) -> None:
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.trip.dialogs.append(f"{self.name}: {dialog.type} {dialog.message}")
        if dialog.type == "confirm":  # the product asks before something final: yes
            dialog.accept()
        else:
            dialog.dismiss()

    def go(self, path: str) -> Any:
        self.page.goto(self.trip.base + path)
        return self.page

    def login(self) -> None:
        page = self.go("/anmelden")
        page.get_by_label("E-Mail-Adresse").fill(self.email)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.get_by_role("heading", name="Meine Kommunen").wait_for()

    def text(self, locator: Any = None) -> str:
        self.page.wait_for_load_state()  # the whole page, not what is parsed so far
        return " ".join((locator or self.page.locator("main")).inner_text().split())

    def text_outside_panels(self) -> str:
        """What main shows outside the parent-vision context panel (an aside)."""
        self.page.wait_for_load_state()
        text = self.page.locator("main").evaluate(
            "m => { const c = m.cloneNode(true);"
            " c.querySelectorAll('aside').forEach(a => a.remove());"
            " document.body.appendChild(c); const t = c.innerText; c.remove(); return t; }"
        )
        return " ".join(text.split())

    def shot(self, name: str) -> None:
        self.trip.shot(self.page, f"{self.name.split()[0].lower()}-{name}")

    def axe(self, what: str) -> None:
        self.trip.axe(self.page, f"{what} ({self.name})")

    def download(self, link: Any) -> tuple[str, bytes]:
        with self.page.expect_download() as info:
            link.click()
        download = info.value
        path = download.path()
        return download.suggested_filename, Path(path).read_bytes()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF"), data[:40]
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:
        # A font with a glyph it lacks (an emoji) gets WeasyPrint's own CMap, which maps
        # two-byte codes to the same glyph ids except the missing one; pypdf reads such a
        # CMap as one byte per character (NULs between the letters). Read it as the
        # identity it nearly is; the text itself comes from the font's ToUnicode map.
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type0" and not isinstance(
                font.get("/Encoding"), NameObject
            ):
                font[NameObject("/Encoding")] = NameObject("/Identity-H")
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
