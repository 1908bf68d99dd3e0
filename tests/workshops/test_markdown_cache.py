"""Rendered Markdown is remembered per text, bounded in size, and the same as rendering
afresh (the sanitiser's tests in test_text.py run through the same function)."""

from __future__ import annotations

import pytest

from visionswerk.workshops import text


def test_the_same_text_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = text._render
    monkeypatch.setattr(text, "_render", lambda t: calls.append(t) or real(t))
    source = "# Titel\n\nEin <script>alert(1)</script> **Text** für den Cache-Test 1."
    first = text.render_markdown(source)
    assert text.render_markdown(source) == first == real(source)
    assert "<script" not in first and "<h3>" in first
    assert calls == [source]
    assert text.render_markdown(source + " geändert") != first  # another key
    assert len(calls) == 2


def test_the_cache_stays_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "RENDERED_CACHE_CHARS", 20_000)
    for n in range(200):
        text.render_markdown(f"Absatz {n}: " + "Glasfaser für alle. " * 10)
    assert text._rendered_chars <= 20_000
    assert sum(len(k) + len(v) for k, v in text._rendered.items()) == text._rendered_chars
    huge = "Sehr lang. " * 1_000  # more than an eighth of the budget: not kept
    text.render_markdown(huge)
    assert huge not in text._rendered
