"""German is the source language; English comes from the committed catalog.

Refresh the catalog with ``scripts/update-translations`` (see README)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import visionswerk.platform

TRANSLATIONS = Path(visionswerk.platform.__file__).parent / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())


def read_catalog(lang: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_english_catalog_exists() -> None:
    assert "en" in LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_mo_is_the_compiled_po(lang: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(lang), use_fuzzy=False)
    committed = (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, "run scripts/update-translations and commit"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_matching_placeholders(lang: str) -> None:
    catalog = read_catalog(lang)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert untranslated == []
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_german_is_the_default(client) -> None:
    page = client.get("/anmelden").get_data(as_text=True)
    assert "<h1>Anmelden</h1>" in page
    assert 'lang="de"' in page


def test_english_page_from_the_browser_language(client) -> None:
    page = client.get("/anmelden", headers={"Accept-Language": "en-GB,en;q=0.9"})
    html = page.get_data(as_text=True)
    assert "<h1>Sign in</h1>" in html
    assert "Email address" in html
    assert "Anmelden" not in html
