"""What the link walk counts as a raw key or a UTC time, and what it reads as visible text —
so a finding (or its absence) in the walk means what it says."""

from __future__ import annotations

import pytest

from tests.walk.crawl import text_findings, visible_text


def kinds(text: str) -> list[str]:
    return [kind for kind, _ in text_findings(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Moritz Moderator workshop.set_parent", "raw key"),
        ("vision.sign durch Sonnenblume", "raw key"),
        ("Bitte {{ name }} eintragen", "placeholder"),
        ("Hallo %(name)s", "placeholder"),
        ("Bis: 08.12.2026 17:00 UTC", "UTC time"),
        ("unterschrieben am 2026-12-01 21:54:23", "UTC time"),
        ("erstellt 2026-12-08T16:00:00Z", "UTC time"),
        ("um 16:00:00+00:00", "UTC time"),
    ],
)
def test_the_walk_sees_raw_keys_placeholders_and_utc_times(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mail an moderation@musterhausen.example",
        "Bis: 08.12.2026, 17:00 Uhr",
        "Vision-Musterhausen-2036-Fassung-2.pdf herunterladen",
        "siehe https://visionswerk.example/musterhausen/ und z. B. „musterhausen“.",
        "Prüfsumme 6fcd4a91 (SHA-256)",
    ],
)
def test_german_text_with_addresses_and_local_times_is_no_finding(text: str) -> None:
    assert kinds(text) == []


def test_visible_text_skips_machine_attributes_and_scripts_but_reads_labels() -> None:
    html = (
        '<p>Frist: <time datetime="2026-12-08T16:00:00Z">08.12.2026, 17:00</time></p>'
        '<script>const key = "workshop.set_parent";</script>'
        '<button aria-label="Entwurf von workshop.set_parent">x</button>'
    )
    text = visible_text(html)
    assert "2026-12-08T16" not in text and "const key" not in text
    assert kinds(text) == ["raw key"]
