"""The process documentation states how the steps ran (issue 14): the group size with
its remainder rule and the groups by their size, or that step 2 was left out."""

from __future__ import annotations

import pytest

from tests.worker.test_reports import build, no_broker, pdf_text  # noqa: F401
from visionswerk import db as dbmod
from visionswerk.settings import Settings
from visionswerk.workshops import services as ws

pytestmark = pytest.mark.usefixtures("no_broker")


def test_the_documentation_names_groups_of_four_and_the_rule(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="plenary", participants=9, group_size=4)
    _pages, text = pdf_text(build(settings, setup, "process").pdf)
    flat = " ".join(text.split())
    assert "Es wird zu viert gearbeitet." in flat and "Fünfergruppe" in flat
    assert "Vierergruppe" in flat and "Paar 1" not in flat


def test_the_documentation_says_step_2_was_left_out(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=3)
    with setup.scope():
        ws.update_workshop(setup.facilitator, setup.workshop, skip_pairs=True)
        for person in setup.participants:
            ws.save_draft(person, setup.workshop, keywords=["Dorfladen"], text="", submit=True)
        ws.skip_pairs(setup.facilitator, setup.workshop)
        dbmod.commit()
    _pages, text = pdf_text(build(settings, setup, "process").pdf)
    flat = " ".join(text.split())
    assert "Schritt 2 wurde ausgelassen" in flat and "Gruppen in Schritt 2: 0" in flat
