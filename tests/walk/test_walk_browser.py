"""The link walk in a real browser: every distinct page the walk found (one per page, phase
and kind of tenant, in the variant of the role that sees the most of it; one per role too
with VISIONSWERK_WALK_EVERY_ROLE=1) opened in Chromium at 1,280 and 390 px: no serious or
critical axe-core violation at either width, nothing wider than the viewport, no table
header drawn over its first row, no request
of the page to the server that fails (403/404/5xx), and a
screenshot of each into $VISIONSWERK_SHOTS (default: a folder of pytest's temporary
directory, outside the repository)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.test_login_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401
from tests.pages.test_accessibility_browser import check
from tests.walk.crawl import Page, walk
from tests.walk.world import ACCOUNTS, ROLES, World

pytestmark = [pytest.mark.browser, pytest.mark.committing]

WIDTHS = (1280, 390)
WIDER_THAN_VIEWPORT = "document.documentElement.scrollWidth - window.innerWidth"
# Tables whose visible header is drawn over their first row (how a phone layout that
# stacks cells goes wrong); a header moved off screen for screen readers does not count.
HEADER_OVER_ROW = """() => [...document.querySelectorAll('table')].filter(t => {
  const head = t.tHead, row = t.tBodies[0] && t.tBodies[0].rows[0];
  if (!head || !row) return false;
  const a = head.getBoundingClientRect(), b = row.getBoundingClientRect();
  return a.width > 0 && a.height > 0 && a.right > 0 && a.left < b.right && b.left < a.right
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
}).map(t => (t.caption && t.caption.textContent.trim()) || t.id || 'table')"""


def shots_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("VISIONSWERK_SHOTS")
    if not folder:
        return tmp_path_factory.mktemp("walk-shots")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_in(page: Any, base: str, world: World, role: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(ACCOUNTS[role])
    page.get_by_label("Passwort").fill(world.password)
    page.get_by_role("button", name="Anmelden").click()
    code = world.totp_code(role, next_step=True)  # the link walk used the current one
    if code is not None:
        page.wait_for_url(re.compile(r".*/anmelden/code.*"))
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"^(?!.*/anmelden).*$"))


def failed_requests(page: Any, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Collects every request of the page to the server that fails (a stylesheet, a script's
    fetch, the browser's favicon request …): a list to read and clear after each page."""
    failed: list[str] = []

    def seen(response: Any) -> None:  # type: ignore[no-untyped-def]
        if response.url.startswith(base) and (
            response.status in (403, 404) or response.status >= 500
        ):
            failed.append(f"{response.status} {response.url[len(base) :]}")

    page.on("response", seen)
    return failed


def look_at(page: Any, base: str, p: Page, shots: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Open ``p`` (once; the second width resizes the same page, as turning a tablet would):
    at each width the page's width, a screenshot and axe-core. Returns what failed."""
    found: list[str] = []
    name = re.sub(r"[^\w-]+", "_", f"{p.role}-{p.phase}-{p.endpoint}")
    for n, width in enumerate(WIDTHS):
        page.set_viewport_size({"width": width, "height": 900})
        if n == 0:
            page.goto(base + p.url, wait_until="load")
        overflow = page.evaluate(WIDER_THAN_VIEWPORT)
        if overflow > 0:
            found.append(f"[wider than {width} px by {overflow} px] {p.role}/{p.phase} {p.url}")
        for table in page.evaluate(HEADER_OVER_ROW):
            found.append(f"[header over row at {width} px] {p.role}/{p.phase} {p.url}: {table}")
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        try:
            check(page, f"{p.role}/{p.phase} {p.url} at {width} px")
        except AssertionError as e:
            found.append(f"[axe] {str(e).splitlines()[0]}")
    return found


def test_every_distinct_page_passes_axe_and_fits_the_screen(  # type: ignore[no-untyped-def]
    app: Flask,
    world: World,
    live_server: str,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from playwright.sync_api import sync_playwright

    every_role = bool(os.environ.get("VISIONSWERK_WALK_EVERY_ROLE"))
    pages = walk(app, world, ROLES).distinct(every_role)
    shots = shots_folder(tmp_path_factory)
    findings: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for role in ROLES:
                context = browser.new_context(locale="de-DE")
                page = context.new_page()
                if role in ACCOUNTS:
                    log_in(page, live_server, world, role)
                failed = failed_requests(page, live_server)
                for p in pages:
                    if p.role == role:
                        failed.clear()
                        findings += look_at(page, live_server, p, shots)
                        findings += [
                            f"[request failed] {p.role}/{p.phase} {p.url}: {f}" for f in failed
                        ]
                context.close()
        finally:
            browser.close()
    print(f"[link walk, browser] {len(pages)} distinct pages × {len(WIDTHS)} widths; "
          f"screenshots in {shots}; findings: {len(findings)}")  # fmt: skip
    assert not findings, "\n".join(findings)
