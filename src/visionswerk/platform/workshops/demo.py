"""The demo's step-3 workshop (issue 12): "Musterhausen – Ortsteile 2035" in Alle zusammen,
six participants' keywords as people write them (near duplicates, synonyms), three pairs'
proposals and an empty vision text — the facilitator composes it on the workbench, from
the proposals, without typing a passage. Started before "Musterhausen 2035", so that one
stays Musterhausen's current workshop in the region overview.

And the workshop for an evening in the town hall (issue 14): "Musterhausen – Werkstattabend
im Rathaus", prepared with a round of four (1-2-4-alle) for four of the same people, to be
run with the projector view and phones, a paper draft and a paper signature."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from visionswerk.db import db, utcnow
from visionswerk.tenants.accounts import create_user
from visionswerk.tenants.models import Membership, Role, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair

PEOPLE = {  # name: keywords of the step-1 draft ("": the demo's participant account)
    "": ["Glasfaser in jedem Ortsteil", "Dorfladen mit regionalen Produkten", "Rufbus"],
    "Kiefer": [
        "Glasfaser bis in jeden Ortsteil",
        "Bürgerbüro online",
        "Treffpunkt für Jugendliche",
    ],
    "Linde": ["schnelles Internet", "Dorfladen", "Pflege zu Hause"],
    "Mohn": ["Rufbus am Wochenende", "Carsharing", "Ehrenamt stärken"],
    "Nelke": ["Anträge online stellen", "Jugendtreff", "Radweg nach Beispielbach"],
    "Olive": ["Nachbarschaftshilfe", "Hausarzt im Ort", "Mitfahrbank"],
}
PROPOSALS = [  # (text, keywords) of pair 1, 2, 3
    (
        "Im Jahr 2035 hat jeder Ortsteil Glasfaser, und Anträge stellen wir online im "
        "Bürgerbüro.\n\nEin Dorfladen mit regionalen Produkten ist Treffpunkt für Jung und Alt.",
        ["Glasfaser für alle", "Dorfladen"],
    ),
    (
        "Ein Rufbus fährt auch am Wochenende in jeden Ortsteil; Carsharing und Mitfahrbänke "
        "ergänzen ihn.\n\nEin sicherer Radweg verbindet uns mit Beispielbach.",
        ["Mobilität ohne eigenes Auto", "Radweg"],
    ),
    (
        "Ältere Menschen werden zu Hause gepflegt, Nachbarschaftshilfe und Ehrenamt tragen "
        "das Dorf.\n\nJugendliche haben einen eigenen Treffpunkt.",
        ["Pflege im Ort", "Jugendtreff"],
    ),
]


def seed_workbench_story(
    musterhausen: Tenant, facilitator: User, participant: User, password: str
) -> list[User]:
    """The step-3 workshop; returns its participants (the demo's participant first)."""
    people = [participant]  # the demo's participant sees this workshop too
    for i, name in enumerate(list(PEOPLE)[1:], start=1):
        user = create_user(f"ortsteile{i}@{musterhausen.slug}.example", password, name)
        db.add(Membership(user=user, tenant_id=musterhausen.id, role=Role.PARTICIPANT))
        people.append(user)
    db.flush()
    with tenant_scope(musterhausen.id):
        w = ws.create_workshop(
            facilitator,
            musterhausen,
            "Musterhausen – Ortsteile 2035",
            "Was brauchen unsere Ortsteile im Jahr 2035?",
            participant_ids=[p.id for p in people],
        )
        w.created_at = utcnow() - dt.timedelta(days=30)  # started before "Musterhausen 2035"
        ws.open_individual(facilitator, w)
        for person, keywords in zip(people, PEOPLE.values(), strict=True):
            text = "So soll mein Ortsteil 2035 sein: " + ", ".join(keywords) + "."
            ws.save_draft(person, w, keywords=keywords, text=text, submit=True)
        ws.open_pairs(facilitator, w, seed=12)
        ws.confirm_pairs(facilitator, w)
        pairs = db.scalars(select(Pair).where(Pair.workshop_id == w.id).order_by(Pair.number))
        for pair, (text, keywords) in zip(pairs, PROPOSALS, strict=False):
            member = db.get(User, pair.members[0].user_id)
            assert member is not None
            ws.save_proposal(member, pair, text, keywords, 0)
        ws.open_plenary(facilitator, w)
        from visionswerk.platform.visions.demo import _deadlines

        _deadlines(w, days_ago=10)  # 18:00 German time, step 3 due in four days
        db.flush()
    return people


ROOM_TITLE = "Musterhausen – Werkstattabend im Rathaus"


def seed_room_story(musterhausen: Tenant, facilitator: User, people: list[User]) -> None:
    """A workshop in preparation with a round of four for ``people`` (four of them: two
    pairs, one four), its deadlines a few evenings ahead. Prepared 20 days ago, so that
    "Musterhausen 2035" stays the municipality's current workshop."""
    from visionswerk.platform.visions.demo import evening

    today = utcnow().date()
    deadlines = {
        phase: evening(today + dt.timedelta(days=days))
        for phase, days in (
            ("individual", 7), ("pairs", 14), ("fours", 18), ("plenary", 25), ("signing", 32)
        )
    }  # fmt: skip
    with tenant_scope(musterhausen.id):
        w = ws.create_workshop(
            facilitator,
            musterhausen,
            ROOM_TITLE,
            "Wie leben wir in Musterhausen im Jahr 2035 – und was hilft uns das Digitale dabei?",
            deadlines=deadlines,
            participant_ids=[p.id for p in people],
            with_fours=True,
        )
        w.created_at = utcnow() - dt.timedelta(days=20)
        db.flush()
