"""The process documentation of a workshop with a round of four: a section "Runde zu
viert" (which pairs merged into which four, their sizes, when it began and ended), the
fours' proposals from step 3 on, and every group named by its own round — Vierergruppe 1
never takes the place of Paar 1."""

from __future__ import annotations

import re

import pytest

from tests.worker.test_reports import build, no_broker, pdf_text  # noqa: F401
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker import reports
from visionswerk.workshops.models import Workshop

pytestmark = pytest.mark.usefixtures("no_broker")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_documentation_has_the_round_of_four_with_its_pairs(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    # 10 people: 5 pairs; fours 1 (pairs 1+2) and 2 (pairs 3+4+5, six people)
    setup = make.workshop(phase="plenary", participants=10, with_fours=True)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        context = reports.process_context(w)
        began = w.fours_opened_at
    fours = context["fours"]
    assert [(f["number"], f["size"]) for f in fours["groups"]] == [(1, 4), (2, 6)]
    assert [[p["number"] for p in f["pairs"]] for f in fours["groups"]] == [[1, 2], [3, 4, 5]]
    assert all(p["size"] == 2 and p["round"] == 1 for f in fours["groups"] for p in f["pairs"])
    assert fours["began"] == began and fours["ended"] is not None and fours["ended"] >= began
    # every group keeps its own size: the pairs two each, the fours four and six
    sizes = {(c["round"], c["number"]): c["size"] for c in context["coverage"]}
    assert sizes == {(1, n): 2 for n in range(1, 6)} | {(2, 1): 4, (2, 2): 6}
    assert context["pair_count"] == 5
    # step 3 showed everybody the fours' proposals; the pairs' stay with their pairs
    assert [(p["round"], p["number"]) for p in context["proposals"]] == [(2, 1), (2, 2)]

    report = build(settings, setup, "process")
    _pages, text = pdf_text(report.pdf)
    text = flat(text)
    assert "Runde zu viert" in text and "Schritt 2b: Runde zu viert" in text
    assert "Paar 1 (2 Personen) + Paar 2 (2 Personen)" in text
    assert "Paar 3 (2 Personen) + Paar 4 (2 Personen) + Paar 5 (2 Personen)" in text
    assert "Begonnen am" in text and "beendet am" in text
    assert "Gruppen in Schritt 2: 5" in text
    assert "Gemeinsamer Vierergruppe 1" in report.html
    assert "Gemeinsamer Vierergruppe 2" in report.html
    assert "Gemeinsamer Vorschlag 1" not in report.html  # a pair's own text
    # the ledger names where each keyword came from by its own round
    assert "Vierergruppe 1" in text and "Paar 1" in text
    # a six is still a Vierergruppe (the rule of step 2 may mention a Dreiergruppe)
    assert not re.search(r"(Dreiergruppe|Fünfergruppe) \d", text)


def test_while_the_round_of_four_runs_the_documentation_says_so(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="fours", participants=6)  # 3 pairs: one four of six
    report = build(settings, setup, "process")
    text = flat(pdf_text(report.pdf)[1])
    assert "Die Runde zu viert läuft noch." in text
    assert "Vierergruppe 1" in text and "Paar 3 (2 Personen)" in text
    # before step 3 no proposal of anybody's group is in it
    assert "Gemeinsamer" not in report.html
    assert "Die Vorschläge der Vierergruppen stehen hier" in text


def test_without_a_round_of_four_there_is_no_such_section(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="plenary", participants=5)  # 2 groups: a pair and a trio
    with setup.scope():
        context = reports.process_context(db.get(Workshop, setup.id))
    assert context["fours"] is None
    assert sorted(c["size"] for c in context["coverage"]) == [2, 3]
    text = flat(pdf_text(build(settings, setup, "process").pdf)[1])
    assert "Runde zu viert" not in text and "Dreiergruppe" in text


def test_a_four_numbered_like_a_pair_keeps_the_pairs_size(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    # the collision: Vierergruppe 1 and Paar 1 share the number 1 (numbered per round)
    setup = make.workshop(phase="plenary", participants=4, with_fours=True)
    with setup.scope():
        context = reports.process_context(db.get(Workshop, setup.id))
    rows = {(c["round"], c["number"]): c["size"] for c in context["coverage"]}
    assert rows == {(1, 1): 2, (1, 2): 2, (2, 1): 4}
    ledger_groups = {(a["group"]["round"], a["group"]["number"], a["group"]["size"])
                     for a in context["ledger"] if a["group"]}  # fmt: skip
    assert (1, 1, 2) in ledger_groups and (2, 1, 4) in ledger_groups
    text = flat(pdf_text(build(settings, setup, "process").pdf)[1])
    assert "Paar 1" in text and "Vierergruppe 1" in text
