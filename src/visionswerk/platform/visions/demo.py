"""Demo story of issue 4 (called by platform.demo.seed_demo): ILE Musterland has an
imported vision in versions 1 and 2; Gemeinde Auental adopted its vision on version 1
(whole text embedded; flagged: outdated), Markt Beispielbach on version 2 (two chosen
statements embedded; signed by a council member with an account and the mayor by
link), Gemeinde Musterhausen is mid-way (step 2) in a workshop based on version 2.

The story is what a real run leaves behind: every pair marked its proposal ready,
proposals got strengths and comments, every deadline is 18:00 German time, and every
signature was given through the services on the frozen hash (so it verifies)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from visionswerk.db import db, utcnow
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

LOCAL = ZoneInfo("Europe/Berlin")  # the demo's municipalities are in Bavaria
DEADLINE_HOUR = 18
BEISPIELBACH_EMBEDS = [
    "Schnelles Internet in jedem Ortsteil",
    "Dorfläden mit Paketstation und Bürgerterminal",
]

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


def evening(day: dt.date) -> dt.datetime:
    """18:00 German time on ``day`` (DST-correct), as UTC for storing."""
    return dt.datetime.combine(day, dt.time(DEADLINE_HOUR), tzinfo=LOCAL).astimezone(dt.UTC)


def next_evening_after(hours: int) -> dt.datetime:
    """The first 18:00 German time at least ``hours`` from now."""
    now = utcnow()
    day = now.astimezone(LOCAL).date()
    while evening(day) < now + dt.timedelta(hours=hours):
        day += dt.timedelta(days=1)
    return evening(day)


def _deadlines(w: Workshop, days_ago: int) -> None:
    """Deadlines a week apart at 18:00 German time, the first ``days_ago`` days back."""
    first = utcnow().astimezone(LOCAL).date() - dt.timedelta(days=days_ago)
    for i, phase in enumerate(("individual", "pairs", "plenary", "signing")):
        setattr(w, f"deadline_{phase}", evening(first + dt.timedelta(days=7 * i)))


def _pair_work(w: Workshop) -> None:
    """Every pair saves a proposal, gives feedback on the partners' drafts and marks the
    proposal ready (member by member, as in the browser)."""
    for pair in db.scalars(select(Pair).where(Pair.workshop_id == w.id)):
        members = [db.get(User, m.user_id) for m in pair.members]
        first = members[0]
        assert first is not None
        ws.save_proposal(first, pair, "Wir verbinden Dorf und Netz.", ["Glasfaser", "Rufbus"], 0)
        for member in members:
            assert member is not None
            for draft in ws.partner_drafts(member, pair):
                ws.save_feedback(
                    member,
                    pair,
                    draft,
                    especially_good="Sehr anschaulich.",
                    to_sharpen="Was heißt das für Ältere?",
                )
            ws.mark_ready(member, pair)


def _plenary(w: Workshop, facilitator: User, people: list[User]) -> None:
    for view in ws.plenary_overview(facilitator, w).proposals:
        ws.mark_strength(people[-1], view.proposal, "Klar und machbar")
        ws.add_comment(facilitator, view.proposal, "Das nehmen wir mit.")


def _workshop(
    tenant: Tenant,
    facilitator: User,
    people: list[User],
    parent: VisionVersion,
    until: Phase,
    title: str,
    embeds: list[str] | None = None,
    mayor: str | None = None,
) -> Workshop:
    with tenant_scope(tenant.id):
        w = ws.create_workshop(
            facilitator, tenant, title, GUIDING_QUESTION, participant_ids=[p.id for p in people]
        )
        vs.set_parent(facilitator, w, parent.id, embeds)
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
            _deadlines(w, days_ago=9)
            w.deadline_pairs = next_evening_after(hours=24)  # its 48-hour reminders are due
            db.flush()
            return w
        _pair_work(w)
        ws.open_plenary(facilitator, w)
        _plenary(w, facilitator, people)
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
        labels = sorted({a.label for a in aspects})
        text = f"{tenant.name} im Jahr 2035: digital verbunden, im Dorf zuhause.\n\n" + "\n".join(
            f"- {label}" for label in labels
        )
        ws.save_vision(facilitator, w, f"Vision {tenant.name} 2035", text, 0)
        for a in aspects:
            ws.take_up(facilitator, a, a.label)
        ws.open_signing(facilitator, w)
        _sign(w, facilitator, people[0], mayor)
        ws.close_signing(facilitator, w)
        _deadlines(w, days_ago=20)  # signed before the signing deadline (tomorrow)
        db.flush()
        return w


def _sign(w: Workshop, facilitator: User, member: User, mayor: str | None) -> None:
    """A participant with an account signs; the mayor (if any) signs by her link."""
    version = ws.current_version(w)
    assert version is not None
    signatory, _ = ws.add_signatory(facilitator, w, user_id=member.id, function="Gemeinderat")
    ws.sign(member, signatory, version.sha256)
    if mayor:
        _named, token = ws.add_signatory(facilitator, w, name=mayor, function="Bürgermeisterin")
        assert token is not None
        ws.sign_with_token(token, version.sha256)


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
        embeds=BEISPIELBACH_EMBEDS,
        mayor="Barbara Beispiel",
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
