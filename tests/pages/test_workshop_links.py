"""No workshop page shows a link its reader cannot follow: for every role (facilitator,
participant, the region's coordinator, a platform admin) and every phase, every link on
every workshop page that reader reaches answers 200 (after at most one redirect) —
never "Kein Zugriff" or "gibt es hier nicht"."""

from __future__ import annotations

from urllib.parse import urldefrag

import pytest
from flask import Flask

from tests.factories import Factory
from tests.pages.conftest import Visitor, tags_of
from visionswerk.tenants.models import Role

PHASES = [
    ("preparation", True),
    ("individual", True),
    ("pairs", False),  # pairs proposed, not yet confirmed
    ("pairs", True),
    ("plenary", True),
    ("signing", True),
    ("adopted", True),
]


def links_of(html: str) -> set[str]:
    found = set()
    for tag, attrs in tags_of(html):
        href = attrs.get("href") if tag == "a" else None
        if href and href.startswith("/") and not href.startswith("/static/"):
            found.add(urldefrag(href)[0])
    return found


def walk(visitor: Visitor, start: list[str], inside: tuple[str, ...]) -> dict[str, set[str]]:
    """Every workshop page reachable from ``start`` → the links it shows. Each link is
    followed; those inside the workshop are walked in turn."""
    pages: dict[str, set[str]] = {}
    answers: dict[str, int] = {}
    todo = list(start)
    while todo:
        url = todo.pop()
        if url in pages:
            continue
        response = visitor.client.get(url, follow_redirects=True)
        assert response.status_code == 200, (visitor.name, url, response.status_code)
        # a linked file (the signature sheet's PDF, an .ics) opens, but has no links to walk
        html = response.mimetype == "text/html"
        pages[url] = links_of(response.get_data(as_text=True)) if html else set()
        for link in pages[url]:
            if link not in answers:
                answers[link] = visitor.client.get(link, follow_redirects=True).status_code
            assert answers[link] == 200, (
                f"{visitor.name} sees a link on {url} to {link}, which answers {answers[link]}"
            )
            if link.startswith(inside) and link not in pages:
                todo.append(link)
    return pages


@pytest.mark.parametrize(("phase", "confirmed"), PHASES)
def test_every_link_on_the_workshop_pages_opens_for_its_reader(
    app: Flask, make: Factory, phase: str, confirmed: bool
) -> None:
    region = make.region()
    town = make.municipality(region)
    setup = make.workshop(town, phase=phase, participants=3, confirmed=confirmed)
    readers = {
        "facilitator": setup.facilitator.email,
        "participant": setup.participants[0].email,
        "coordinator": make.user(region, Role.COORDINATOR).email,
        "admin": make.user(admin=True).email,
    }
    base = f"/{town.slug}/workshops/{setup.id}/"
    inside = (f"/{town.slug}/workshops/{setup.id}/", f"/{town.slug}/paare/")
    seen = {}
    for role, email in readers.items():
        visitor = Visitor(app, email, f"{role} in {phase}")
        pages = walk(visitor, [base, "/aufgaben"], inside)
        seen[role] = {url.removeprefix(base) for url in pages if url.startswith(base)}
    # the walk really reached the step pages each role may read (the test can fail)
    if phase in ("plenary", "signing", "adopted"):
        assert {"alle", "vision"} <= seen["facilitator"] and {"alle", "vision"} <= seen[
            "participant"
        ]
        assert not {"alle", "vision"} & (seen["coordinator"] | seen["admin"])
    if phase in ("signing", "adopted"):
        assert all("bestaetigung" in pages for pages in seen.values())
    if phase == "adopted":
        assert all("beschlossen" in pages for pages in seen.values())
    if phase in ("pairs", "plenary"):
        assert "paare" in seen["facilitator"] and "paare" in seen["coordinator"]
