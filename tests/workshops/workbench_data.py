"""A step-3 workshop of realistic size for the workbench's size and statement tests and
``benchmarks/workbench.py``: ``participants`` drafts with five keywords each, pairs with
three-paragraph proposals and five keywords, a vision text built from some proposals,
a third of the aspects decided and a few groups (keywords as participants write them:
``benchmarks/grouping_data/test.txt``)."""

from __future__ import annotations

import itertools
from pathlib import Path

from sqlalchemy import select

from tests.factories import Factory
from tests.workshops.factories import WorkshopSetup, make_workshop
from visionswerk.db import db
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, AspectSource, PairProposal

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "grouping_data" / "test.txt"
PARAGRAPHS = [
    "Im Jahr 2035 hat jeder Ortsteil Glasfaser, und die Verwaltung ist rund um die Uhr "
    "online erreichbar. Wer keinen Computer hat, bekommt Hilfe im Bürgerbüro.",
    "Ein Rufbus fährt auch am Wochenende in jedes Dorf. Carsharing und sichere Radwege "
    "verbinden die Ortsteile mit dem Bahnhof.",
    "Junge Familien finden bezahlbaren Wohnraum, Kita-Plätze und einen Dorfladen mit "
    "regionalen Produkten. Ältere Menschen werden zu Hause gepflegt und bleiben im Ort.",
]


def keywords() -> list[str]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def big_workshop(make: Factory, participants: int = 40) -> WorkshopSetup:
    s = make_workshop(make, phase="plenary", participants=participants)
    words = itertools.cycle(keywords())
    with s.scope():
        w = s.workshop
        aspects = list(db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)))
        position = len(aspects)
        extra = []
        for a in aspects:  # every draft and proposal gets three more keywords
            for _ in range(3 if a.label.startswith(("Idee", "Vorschlag")) else 0):
                position += 1
                label = next(words)
                extra.append(
                    Aspect(
                        tenant_id=w.tenant_id, workshop_id=w.id, key=f"x{position}", label=label,
                        source=a.source, draft_id=a.draft_id, participant_id=a.participant_id,
                        pair_id=a.pair_id, position=position,
                    )
                )  # fmt: skip
        db.add_all(extra)
        for p in db.scalars(select(PairProposal).where(PairProposal.workshop_id == w.id)):
            p.text = "\n\n".join(f"Paar {p.pair_id}: {t}" for t in PARAGRAPHS)
        db.flush()
        text = "# Unsere Gemeinde 2035\n\n" + "\n\n".join(PARAGRAPHS * 3)
        ws.save_vision(s.facilitator, w, "Vision 2035", text, 0)
        every = ws.ledger(s.facilitator, w).aspects
        for i, a in enumerate(every):
            if i % 3 == 0:
                ws.take_up(s.facilitator, a, "Glasfaser")
            elif i % 7 == 0:
                ws.set_aside(s.facilitator, a, "Passt nicht in die Vision.")
        free = [a for a in every if a.status.value == "open" and a.source == AspectSource.DRAFT]
        for k in range(0, 12, 3):
            ws.group_aspects(s.facilitator, w, [a.id for a in free[k : k + 3]], f"Gruppe {k}")
        db.commit()
    return s
