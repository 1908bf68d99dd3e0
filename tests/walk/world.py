"""The world the link walk walks: the demo (ILE Musterland, its municipalities, one account
per role, the ILE vision in two versions, two adopted visions, Musterhausen in step 2) plus
one Musterhausen workshop in every other phase, each built on the ILE vision with chosen
statements embedded, with the demo's facilitator and participant in it. The signing and the
adopted workshop list a named person who signs by link (no account); the walk gets the link
from the service, as the facilitator's page shows it once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pyotp
from sqlalchemy import select, update

from visionswerk.db import db, utcnow
from visionswerk.platform.demo import DEMO_PASSWORD, seed_demo
from visionswerk.settings import Settings
from visionswerk.tenants import mfa
from visionswerk.tenants.accounts import user_by_email
from visionswerk.tenants.models import Membership, Role, Tenant, User, UserMfa
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.visions.documents import statements
from visionswerk.worker import reports
from visionswerk.worker.models import ReportKind
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import (
    Aspect,
    Pair,
    PairProposal,
    Phase,
    VisionVersion,
    Workshop,
)
from visionswerk.workshops.policy import pair_of_user

TOWN = "musterhausen"
FACILITATOR = "moderation@musterhausen.example"
PARTICIPANT = "teilnahme@musterhausen.example"
ACCOUNTS = {
    "admin": "admin@musterland.example",
    "coordinator": "ile@musterland.example",
    "facilitator": FACILITATOR,
    "participant": PARTICIPANT,
}
ROLES = [*ACCOUNTS, "signatory"]
# The facilitator uses two-factor login (offered to the role, not required): the walk logs
# in through the code step and meets the page to manage it; the others meet the setup.
TOTP_SECRETS = {"facilitator": pyotp.random_base32()}
PHASES = [p.value for p in Phase]
BERLIN = ZoneInfo("Europe/Berlin")
TITLES = {
    Phase.PREPARATION: "in Vorbereitung",
    Phase.INDIVIDUAL: "Einzelarbeit",
    Phase.FOURS: "Runde zu viert",
    Phase.PLENARY: "alle zusammen",
    Phase.SIGNING: "zum Unterschreiben",
    Phase.ADOPTED: "beschlossen",
}


@dataclasses.dataclass
class World:
    password: str
    region: str  # slug
    town: str  # slug
    workshops: dict[str, int]  # phase → workshop id (Musterhausen)
    sign_links: dict[str, str]  # phase → path of the signing link of a person without account
    pair_phases: dict[int, str]  # pair id → phase of its workshop
    phases: dict[int, str]  # workshop id → phase, of every workshop of the demo
    version_phases: dict[int, str]  # vision version id → phase of its workshop

    def phase_of(self, workshop_id: int) -> str | None:
        return self.phases.get(workshop_id)

    def totp_code(self, role: str, *, next_step: bool = False) -> str | None:
        """The code ``role``'s app shows now (or the next one: a second login within the
        same 30 seconds needs it, a code works once). None: no two-factor login."""
        secret = TOTP_SECRETS.get(role)
        if secret is None:
            return None
        return pyotp.TOTP(secret).at(time.time() + (30 if next_step else 0))


def _switch_on_mfa(settings: Settings) -> None:
    """As if the facilitator had set it up long ago (no time step used yet)."""
    for role, secret in TOTP_SECRETS.items():
        user = user_by_email(ACCOUNTS[role])
        assert user is not None
        mfa.enable(user, secret, pyotp.TOTP(secret).now(), DEMO_PASSWORD, settings.secret_key)
        db.execute(update(UserMfa).where(UserMfa.user_id == user.id).values(last_step=0))


def _local(days: int, hour: int) -> dt.datetime:
    """A deadline at a sensible local time (``hour`` o'clock in Berlin), stored as UTC."""
    day = dt.date.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), BERLIN).astimezone(dt.UTC)


def _drive(facilitator: User, w: Workshop, people: list[User], target: Phase) -> None:
    """Move ``w`` through the method up to ``target`` with real content at each step."""
    order = list(Phase)
    if order.index(target) >= order.index(Phase.INDIVIDUAL):
        ws.open_individual(facilitator, w)
    if order.index(target) < order.index(Phase.PAIRS):
        if target == Phase.INDIVIDUAL:  # one draft saved, one submitted, the rest open
            ws.save_draft(people[0], w, keywords=["Glasfaser"], text="Noch unfertig.")
            ws.save_draft(people[1], w, keywords=["Rufbus"], text="Fertig.", submit=True)
        return
    for i, person in enumerate(people):
        ws.save_draft(
            person,
            w,
            keywords=[["Glasfaser", "Dorfladen"], ["Rufbus", "Ehrenamt"], ["Bürgerbüro"]][i % 3],
            text=f"Im Jahr 2036 sind wir digital verbunden (Entwurf {i + 1}).",
            submit=True,
        )
    ws.open_pairs(facilitator, w, seed=2036)
    ws.confirm_pairs(facilitator, w)
    for pair in db.scalars(select(Pair).where(Pair.workshop_id == w.id)):
        member = db.get(User, pair.members[0].user_id)
        assert member is not None
        ws.save_proposal(member, pair, "Wir verbinden Dorf und Netz.", ["Glasfaser", "Rufbus"], 0)
        for m in pair.members:
            ws.mark_ready(db.get(User, m.user_id), pair)
    if w.with_fours:
        ws.open_fours(facilitator, w)
        if target == Phase.FOURS:  # the participant has given feedback; none is ready
            _four_feedback(people[0], w)
            return
    ws.open_plenary(facilitator, w)
    for proposal in db.scalars(select(PairProposal).join(Pair).where(Pair.workshop_id == w.id)):
        ws.mark_strength(people[0], proposal, "Das trägt.")
        ws.add_comment(facilitator, proposal, "Bitte den Rufbus genauer fassen.")
    if target == Phase.PLENARY:
        return
    aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
    text = "Musterhausen im Jahr 2036: digital verbunden, im Dorf zuhause.\n\n" + "\n".join(
        f"- {label}" for label in sorted({a.label for a in aspects})
    )
    ws.save_vision(facilitator, w, "Vision Musterhausen 2036", text, 0)
    for a in aspects:
        ws.take_up(facilitator, a, a.label)
    ws.open_signing(facilitator, w)


def _four_feedback(person: User, w: Workshop) -> None:
    """``person`` writes "besonders gut" on the other pair's proposal in their four."""
    four = next(f for f in ws.fours(person, w) if person.id in {m.user_id for m in f.members})
    own = pair_of_user(person.id, w.id)
    other = next(p for pair, p in ws.source_proposals(person, four) if pair.id != own)
    ws.save_proposal_feedback(
        person, four, other, especially_good="Der Rufbus für alle Ortsteile.", to_sharpen=None
    )


def _expired_sign_link(facilitator: User, w: Workshop) -> str:
    """A named person whose link expired (SIGNING_LINK_DAYS): the walk opens its 410 page,
    and the facilitator's signing page shows "Link abgelaufen am …"."""
    person, token = ws.add_signatory(
        facilitator, w, name="Erwin Ehemals", function="Altbürgermeister"
    )
    person.link_expires_at = utcnow() - dt.timedelta(days=1)
    return f"/{w.tenant.slug}/unterschreiben/{token}"


def _sign_link(facilitator: User, w: Workshop, people: list[User], target: Phase) -> str:
    """List the participant and a named person by link; adopted: both sign, signing closes."""
    account, _ = ws.add_signatory(facilitator, w, user_id=people[0].id, function="Gemeinderat")
    _person, token = ws.add_signatory(
        facilitator, w, name="Berta Beispiel", function="Erste Bürgermeisterin"
    )
    assert token is not None
    if target == Phase.ADOPTED:
        version = ws.current_version(w)
        assert version is not None
        ws.sign(people[0], account, version.sha256)
        ws.sign_with_token(token, version.sha256)
        ws.close_signing(facilitator, w)
    return f"/{w.tenant.slug}/unterschreiben/{token}"


def _paper_signature(facilitator: User, w: Workshop) -> None:
    """A signature given on the printed sheet, with a scan: the walk meets its link."""
    import io

    from PIL import Image

    from visionswerk.workshops import paper

    scan = io.BytesIO()
    Image.new("RGB", (60, 30), (250, 250, 240)).save(scan, format="PNG")
    paper.record_paper_signature(
        facilitator, w, name="Paula Papier", function="Gemeinderätin",
        signed_on=paper.local_today(w), scan=scan.getvalue(),
    )  # fmt: skip


def _build_reports(settings: Settings, town: Tenant, region: Tenant, adopted_id: int) -> None:
    """A vision PDF of the adopted workshop and the region's status report, built as the
    worker builds them, so the walk meets their download links."""
    facilitator, coordinator = user_by_email(FACILITATOR), user_by_email(ACCOUNTS["coordinator"])
    assert facilitator is not None and coordinator is not None
    for tenant, actor, kind, w in (
        (town, facilitator, ReportKind.VISION, db.get(Workshop, adopted_id)),
        (region, coordinator, ReportKind.REGION, None),
    ):
        with tenant_scope(tenant.id):
            report_id = reports.request(actor, kind, tenant, w, f"walk-{kind.value}").id
            db.commit()
        assert reports.generate(settings, tenant.id, report_id) == "done"
        db.commit()


def build_world(settings: Settings) -> World:
    """Seed the demo and add a workshop per missing phase; commits."""
    assert seed_demo() is not None, "the demo exists already"
    _switch_on_mfa(settings)
    town = db.scalar(select(Tenant).where(Tenant.slug == TOWN))
    assert town is not None
    facilitator = user_by_email(FACILITATOR)
    people = list(
        db.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == town.id, Membership.role == Role.PARTICIPANT)
            .order_by(User.email.desc())  # teilnahme@… first, then teilnahme1…3
        )
    )
    assert facilitator is not None and people[0].email == PARTICIPANT
    workshops: dict[str, int] = {}
    links: dict[str, str] = {}
    with tenant_scope(town.id):
        demo = db.scalars(select(Workshop).where(Workshop.tenant_id == town.id)).all()
        workshops.update({w.phase.value: w.id for w in demo})
        for phase in Phase:
            if phase.value in workshops:
                continue
            w = ws.create_workshop(
                facilitator,
                town,
                f"Musterhausen 2036 – {TITLES[phase]}",
                "Wie sieht Musterhausen im Jahr 2036 aus?",
                deadlines={"individual": _local(5, 17), "pairs": _local(12, 18),
                           "fours": _local(15, 18), "plenary": _local(20, 20),
                           "signing": _local(30, 12)},
                participant_ids=[p.id for p in people],
                with_fours=phase == Phase.FOURS,
            )  # fmt: skip
            candidates = vs.parent_candidates(facilitator, w)
            assert candidates, "the ILE vision is no candidate"
            chosen = statements(candidates[0].text)[1:3]
            vs.set_parent(facilitator, w, candidates[0].id, chosen)
            _drive(facilitator, w, people, phase)
            if phase in (Phase.SIGNING, Phase.ADOPTED):
                links[phase.value] = _sign_link(facilitator, w, people, phase)
            if phase == Phase.SIGNING:
                links["signing-expired"] = _expired_sign_link(facilitator, w)
                _paper_signature(facilitator, w)
            workshops[phase.value] = w.id
    db.commit()
    assert set(workshops) == set(PHASES), workshops
    region = db.get(Tenant, town.parent_id)
    assert region is not None
    _build_reports(settings, town, region, workshops[Phase.ADOPTED.value])
    pairs: dict[int, str] = {}
    phases: dict[int, str] = {}
    versions: dict[int, str] = {}
    for tenant_id in db.scalars(select(Tenant.id)):
        with tenant_scope(tenant_id):
            for w in db.scalars(select(Workshop)):
                phases[w.id] = w.phase.value
                pair_ids = db.scalars(select(Pair.id).where(Pair.workshop_id == w.id))
                pairs.update((pair_id, w.phase.value) for pair_id in pair_ids)
            for v in db.scalars(
                select(VisionVersion).where(VisionVersion.workshop_id.is_not(None))
            ):
                versions[v.id] = phases[v.workshop_id]
    return World(DEMO_PASSWORD, region.slug, TOWN, workshops, links, pairs, phases, versions)
