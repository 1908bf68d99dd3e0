"""Paper signatures: the facilitator records a signature given with a pen on the printed
sheet; it is an ordinary signature of the version being signed (counted everywhere), marked
as paper with the date on the sheet, who recorded it and an optional, checked scan."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.workshops import paper_files
from visionswerk.db import db
from visionswerk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from visionswerk.tenants.models import AuditEntry
from visionswerk.workshops import paper
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase, SignatureKind


def today(setup) -> dt.date:  # type: ignore[no-untyped-def]
    return paper.local_today(setup.workshop)


def test_a_paper_signature_of_a_new_person_lists_and_counts_them(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        signature = paper.record_paper_signature(
            s.facilitator, s.workshop, name="Erika Muster", function="Bürgermeisterin",
            signed_on=today(s), scan=paper_files.png(),
        )  # fmt: skip
        make.commit()
        state = ws.signing_status(s.facilitator, s.workshop)
        assert state is not None
        assert state.signed_count == 1 and state.total == 2
        assert signature.kind == SignatureKind.PAPER and signature.on_paper
        assert signature.sha256 == state.version.sha256
        assert signature.recorded_by_id == s.facilitator.id
        assert signature.recorded_by_name == s.facilitator.display_name
        assert signature.signed_on == today(s)
        assert signature.scan_type == "image/png"
        assert ws.signatures_of(state.version) == [signature]
        # it counts for the move to adoption like any other signature
        ws.move(s.facilitator, s.workshop, Phase.ADOPTED)
        assert s.workshop.phase == Phase.ADOPTED


def test_a_listed_person_who_signed_on_paper_cannot_sign_again_by_link(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        person, token = ws.add_signatory(
            s.facilitator, s.workshop, name="Max Rat", function="Gemeinderat"
        )
        assert token is not None
        make.commit()
        signature = paper.record_paper_signature(
            s.facilitator, s.workshop, signatory_id=person.id, signed_on=today(s)
        )
        make.commit()
        assert (signature.name, signature.function) == ("Max Rat", "Gemeinderat")
        assert signature.scan_type is None
        with pytest.raises(NotFound):  # the link is spent
            ws.sign_with_token(token, signature.sha256)
        with pytest.raises(Conflict):  # and the paper signature is recorded once
            paper.record_paper_signature(
                s.facilitator, s.workshop, signatory_id=person.id, signed_on=today(s)
            )


def test_an_account_signatory_who_signed_on_paper_is_signed(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        assert s.signatory is not None
        paper.record_paper_signature(
            s.facilitator, s.workshop, signatory_id=s.signatory.id, signed_on=today(s)
        )
        make.commit()
        with pytest.raises(Conflict):
            ws.sign(s.participants[0], s.signatory, ws.current_version(s.workshop).sha256)


def test_the_recording_is_in_the_audit_log(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        signature = paper.record_paper_signature(
            s.facilitator, s.workshop, name="Erika Muster", signed_on=today(s),
            scan=paper_files.PDF,
        )  # fmt: skip
        make.commit()
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == paper.RECORD_PAPER))
        assert entry is not None
        assert entry.actor_id == s.facilitator.id
        assert entry.object_id == signature.id
        assert entry.detail["signed_on"] == today(s).isoformat()
        assert entry.detail["scan"] == "application/pdf"


@pytest.mark.parametrize("who", ["participant", "coordinator", "admin", "other_facilitator"])
def test_only_the_workshops_facilitator_records(make, who: str) -> None:
    s = make.workshop(phase="signing", participants=2)
    actor = {
        "participant": lambda: s.participants[1],
        "coordinator": lambda: make.user(s.tenant.parent, "coordinator"),
        "admin": lambda: make.user(admin=True),
        "other_facilitator": lambda: make.user(make.municipality(s.tenant.parent), "facilitator"),
    }[who]()
    with s.scope():
        with pytest.raises((NotAllowed, NotFound)):
            paper.record_paper_signature(actor, s.workshop, name="X", signed_on=today(s))
        assert ws.signing_status(s.facilitator, s.workshop).signed_count == 0  # type: ignore[union-attr]


def test_another_tenants_workshop_or_signatory_is_not_found(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    other = make.workshop(phase="signing", participants=2)
    with s.scope():
        with pytest.raises(NotFound):
            paper.record_paper_signature(
                s.facilitator, other.workshop, name="X", signed_on=today(s)
            )
        assert other.signatory is not None
        with pytest.raises(NotFound):
            paper.record_paper_signature(
                s.facilitator, s.workshop, signatory_id=other.signatory.id, signed_on=today(s)
            )


@pytest.mark.parametrize("phase", ["plenary", "adopted"])
def test_outside_signing_nothing_is_recorded(make, phase: str) -> None:
    s = make.workshop(phase=phase, participants=2)
    with s.scope(), pytest.raises(Conflict):
        paper.record_paper_signature(s.facilitator, s.workshop, name="X", signed_on=today(s))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"function": "y" * 121}, "function"),
        ({"signed_on": None}, "signed_on"),
        ({"signed_on": "tomorrow"}, "signed_on"),
        ({"signed_on": "before"}, "signed_on"),
        ({"scan": "too_big"}, "scan"),
        ({"scan": "text"}, "scan"),
        ({"scan": "gif"}, "scan"),
        ({"scan": "broken_png"}, "scan"),
        ({"scan": "html"}, "scan"),
    ],
)
def test_bad_input_names_its_field_and_records_nothing(make, change: dict, field: str) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        values = {"name": "Erika Muster", "function": "", "signed_on": today(s), "scan": None}
        values.update(change)
        if values["signed_on"] == "tomorrow":
            values["signed_on"] = today(s) + dt.timedelta(days=1)
        elif values["signed_on"] == "before":
            values["signed_on"] = today(s) - dt.timedelta(days=3)  # the version is from today
        if values["scan"] == "too_big":
            values["scan"] = paper_files.too_big()
        elif isinstance(values["scan"], str):
            values["scan"] = paper_files.NOT_A_SCAN[values["scan"]]
        with pytest.raises(InvalidInput) as caught:
            paper.record_paper_signature(s.facilitator, s.workshop, **values)
        assert caught.value.field == field  # type: ignore[attr-defined]
        assert ws.signing_status(s.facilitator, s.workshop).signed_count == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["pdf", "png", "jpeg"])
def test_scans_are_stored_by_their_content(make, kind: str) -> None:
    data = {"pdf": paper_files.PDF, "png": paper_files.png(), "jpeg": paper_files.jpeg()}[kind]
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        signature = paper.record_paper_signature(
            s.facilitator, s.workshop, name="E", signed_on=today(s), scan=data
        )
        make.commit()
        scan = paper.paper_scan(s.facilitator, signature.id)
        assert scan.data == data
        assert scan.extension == {"pdf": "pdf", "png": "png", "jpeg": "jpg"}[kind]


def test_the_scan_is_for_the_facilitators_only(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        signature = paper.record_paper_signature(
            s.facilitator, s.workshop, name="E", signed_on=today(s), scan=paper_files.png()
        )
        make.commit()
        for reader in (s.participants[0], make.user(s.tenant.parent, "coordinator")):
            with pytest.raises(NotAllowed):
                paper.paper_scan(reader, signature.id)


def test_the_verification_finds_the_version_by_its_hash_in_its_tenant_only(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    other = make.workshop(phase="signing", participants=2)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert paper.version_by_hash(version.sha256) == version
        assert paper.being_signed(version)
        assert paper.version_by_hash("0" * 64) is None
    with other.scope():
        assert paper.version_by_hash(version.sha256) in (None, ws.current_version(other.workshop))


# --- paper contributions: a step-1 draft written on paper ----------------------------------


def test_a_paper_draft_is_the_participants_submitted_draft_and_is_paired(make) -> None:
    s = make.workshop(phase="individual", participants=4, submitted=0)
    paper_person = s.participants[3]
    with s.scope():
        for person in s.participants[:2]:
            ws.save_draft(person, s.workshop, keywords=["Online"], text="", submit=True)
        assert paper_person in paper.paper_draft_candidates(s.facilitator, s.workshop)
        draft = paper.record_paper_draft(
            s.facilitator, s.workshop, participant_id=paper_person.id,
            keywords="Dorfladen mit Lieferdienst\nBank am Weiher", text="Auf Papier geschrieben.",
        )  # fmt: skip
        make.commit()
        assert draft.author_id == paper_person.id and draft.submitted
        assert draft.recorded_by_id == s.facilitator.id
        assert draft.keywords == ["Dorfladen mit Lieferdienst", "Bank am Weiher"]
        assert paper_person not in paper.paper_draft_candidates(s.facilitator, s.workshop)
        # the author reads it as their own; the facilitator still sees only the status
        assert ws.draft_for(paper_person, s.workshop).text == "Auf Papier geschrieben."  # type: ignore[union-attr]
        assert ws.visible_drafts(s.facilitator, s.workshop) == []
        status = {x.user_id: x.submitted for x in ws.submission_status(s.facilitator, s.workshop)}
        assert status[paper_person.id]
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == paper.RECORD_DRAFT))
        assert entry is not None and entry.detail["author_id"] == paper_person.id
        assert "Dorfladen" not in str(entry.detail)  # the log keeps who, never what
        # it takes part in pairing
        ws.open_pairs(s.facilitator, s.workshop)
        pairs = ws.pairs(s.facilitator, s.workshop)
        assert paper_person.id in {m for p in pairs for m in p.member_ids}


def test_a_paper_draft_reaches_the_ledger_with_its_author(make) -> None:
    s = make.workshop(phase="individual", participants=3, submitted=0)
    paper_person = s.participants[2]
    with s.scope():
        for person in s.participants[:2]:
            ws.save_draft(person, s.workshop, keywords=["Online"], text="", submit=True)
        paper.record_paper_draft(
            s.facilitator, s.workshop, participant_id=paper_person.id,
            keywords=["Bank am Weiher"], text="",
        )  # fmt: skip
        make.commit()
        ws.open_pairs(s.facilitator, s.workshop)
        ws.confirm_pairs(s.facilitator, s.workshop)
        for pair in ws.pairs(s.facilitator, s.workshop):
            member = pair.members[0].user
            ws.save_proposal(member, pair, "Vorschlag", ["Gemeinsam"], 0)
        ws.open_plenary(s.facilitator, s.workshop)
        ledger = ws.ledger(s.facilitator, s.workshop)
        mine = [a for a in ledger.aspects if a.label == "Bank am Weiher"]
        assert mine and mine[0].participant_id == paper_person.id
        shares = {p.user_id for p in ws.coverage(s.facilitator, s.workshop).per_participant}
        assert paper_person.id in shares


def test_a_draft_begun_online_is_never_overwritten(make) -> None:
    s = make.workshop(phase="individual", participants=3, submitted=0)
    person = s.participants[0]
    with s.scope():
        ws.save_draft(person, s.workshop, keywords=["Meins"], text="Mein Text")
        make.commit()
        with pytest.raises(Conflict):
            paper.record_paper_draft(
                s.facilitator, s.workshop, participant_id=person.id, keywords=["Fremd"], text=""
            )
        assert ws.draft_for(person, s.workshop).keywords == ["Meins"]  # type: ignore[union-attr]


@pytest.mark.parametrize("who", ["participant", "coordinator"])
def test_only_the_facilitator_records_a_paper_draft(make, who: str) -> None:
    s = make.workshop(phase="individual", participants=3, submitted=0)
    actor = s.participants[1] if who == "participant" else make.user(s.tenant.parent, "coordinator")
    with s.scope(), pytest.raises(NotAllowed):
        paper.record_paper_draft(
            actor, s.workshop, participant_id=s.participants[0].id, keywords=["X"], text=""
        )


def test_paper_draft_bad_input_and_state(make) -> None:
    s = make.workshop(phase="individual", participants=3, submitted=0)
    other = make.workshop(phase="individual", participants=2, submitted=0)
    with s.scope():
        with pytest.raises(InvalidInput) as empty:
            paper.record_paper_draft(
                s.facilitator,
                s.workshop,
                participant_id=s.participants[0].id,
                keywords="  ",
                text="",
            )
        assert empty.value.field == "keywords"  # type: ignore[attr-defined]
        with pytest.raises(InvalidInput) as stranger:  # not a participant of this workshop
            paper.record_paper_draft(
                s.facilitator,
                s.workshop,
                participant_id=other.participants[0].id,
                keywords="X",
                text="",
            )
        assert stranger.value.field == "participant_id"  # type: ignore[attr-defined]
        with pytest.raises(NotFound):
            paper.record_paper_draft(
                s.facilitator, other.workshop, participant_id=other.participants[0].id,
                keywords="X", text="",
            )  # fmt: skip
    closed = make.workshop(phase="pairs", participants=3, submitted=2)
    with closed.scope(), pytest.raises(Conflict):
        paper.record_paper_draft(
            closed.facilitator, closed.workshop, participant_id=closed.participants[2].id,
            keywords="X", text="",
        )  # fmt: skip
