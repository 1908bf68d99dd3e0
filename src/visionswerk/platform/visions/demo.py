"""Demo story of issue 4 (called by platform.demo.seed_demo): ILE Musterland has an
imported vision in versions 1 and 2; Gemeinde Auental adopted its vision on version 1
(flagged: outdated), Markt Beispielbach on version 2, Gemeinde Musterhausen is mid-way
(step 2) in a workshop based on version 2."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.accounts import create_user
from visionswerk.tenants.models import Membership, Role, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, Pair, Phase, VisionVersion, Workshop

ILE_V1 = """Die ILE Musterland verbindet ihre Dörfer.

- Schnelles Internet in jedem Ortsteil
- Ein Bus, der die Dörfer im Stundentakt verbindet
- Gemeinsame Verwaltungsdienste online"""

ILE_V2 = """Die ILE Musterland verbindet ihre Dörfer.

- Schnelles Internet in jedem Ortsteil
- Ein Rufbus, der rund um die Uhr kommt
- Gemeinsame Verwaltungsdienste online, auch in einfacher Sprache
- Dorfläden mit Paketstation und Bürgerterminal"""

GUIDING_QUESTION = (
    "Wie sieht unsere Kommune im Jahr 2035 aus — und was hat die Digitalisierung dazu beigetragen?"
)


def _people(tenant: Tenant, password: str, names: list[str]) -> list[User]:
    people = []
    for i, name in enumerate(names, start=1):
        user = create_user(f"teilnahme{i}@{tenant.slug}.example", password, name)
        db.add(Membership(user=user, tenant_id=tenant.id, role=Role.PARTICIPANT))
        people.append(user)
    db.flush()
    return people


def _workshop(
    tenant: Tenant,
    facilitator: User,
    people: list[User],
    parent: VisionVersion,
    until: Phase,
    title: str,
) -> Workshop:
    with tenant_scope(tenant.id):
        w = ws.create_workshop(
            facilitator, tenant, title, GUIDING_QUESTION, participant_ids=[p.id for p in people]
        )
        vs.set_parent(facilitator, w, parent.id)
        ws.open_individual(facilitator, w)
        for i, person in enumerate(people):
            ws.save_draft(
                person,
                w,
                keywords=[
                    ["Glasfaser", "Dorfladen"],
                    ["Rufbus", "Ehrenamt"],
                    ["Bürgerbüro online"],
                ][i % 3],
                text="Im Jahr 2035 sind wir digital gut verbunden und bleiben nah beieinander.",
                submit=True,
            )
        ws.open_pairs(facilitator, w, seed=2035)
        ws.confirm_pairs(facilitator, w)
        if until == Phase.PAIRS:
            return w
        for pair in db.scalars(select(Pair).where(Pair.workshop_id == w.id)):
            member = db.get(User, pair.members[0].user_id)
            assert member is not None
            ws.save_proposal(
                member, pair, "Wir verbinden Dorf und Netz.", ["Glasfaser", "Rufbus"], 0
            )
        ws.open_plenary(facilitator, w)
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
        labels = sorted({a.label for a in aspects})
        text = f"{tenant.name} im Jahr 2035: digital verbunden, im Dorf zuhause.\n\n" + "\n".join(
            f"- {label}" for label in labels
        )
        ws.save_vision(facilitator, w, f"Vision {tenant.name} 2035", text, 0)
        for a in aspects:
            ws.take_up(facilitator, a, a.label)
        ws.open_signing(facilitator, w)
        signatory, _ = ws.add_signatory(
            facilitator, w, user_id=people[0].id, function="Gemeinderat"
        )
        version = ws.current_version(w)
        assert version is not None
        ws.sign(people[0], signatory, version.sha256)
        ws.close_signing(facilitator, w)
        return w


def seed_vision_story(tenants: dict[str, Tenant], users: dict[str, User], password: str) -> None:
    region = tenants["musterland"]
    coordinator = users["ile@musterland.example"]
    with tenant_scope(region.id):
        v1 = vs.import_vision(
            coordinator,
            region,
            title="Leitbild der ILE Musterland",
            text=ILE_V1,
            adopted_on=dt.date(2021, 5, 4),
            source_note="Beschluss der Lenkungsgruppe vom 4. Mai 2021",
        )
    auental = tenants["auental"]
    _workshop(
        auental,
        users["moderation@auental.example"],
        _people(auental, password, ["Amsel", "Buche", "Clematis"]),
        v1,
        Phase.ADOPTED,
        "Auental 2035",
    )
    with tenant_scope(region.id):
        v2 = vs.import_vision(
            coordinator,
            region,
            title="Leitbild der ILE Musterland",
            text=ILE_V2,
            adopted_on=dt.date.today(),
            source_note="Fortschreibung, Beschluss der Lenkungsgruppe",
        )
    beispielbach = tenants["beispielbach"]
    _workshop(
        beispielbach,
        users["moderation@beispielbach.example"],
        _people(beispielbach, password, ["Distel", "Eiche", "Farn"]),
        v2,
        Phase.ADOPTED,
        "Beispielbach 2035",
    )
    musterhausen = tenants["musterhausen"]
    people = [users["teilnahme@musterhausen.example"]]
    people += _people(musterhausen, password, ["Ginster", "Holunder", "Iris"])
    _workshop(
        musterhausen,
        users["moderation@musterhausen.example"],
        people,
        v2,
        Phase.PAIRS,
        "Musterhausen 2035",
    )
