"""Signing: the hash is the SHA-256 of the documented canonical form; a stale hash is
refused; a link works once; the text cannot change during signing; reopening leads to
version n+1 and a new round."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from visionswerk.errors import Conflict, NotAllowed, NotFound
from visionswerk.tenants.models import Role
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase


def expected_hash(title: str, text: str) -> str:
    canonical = json.dumps(
        {
            "format": "visionswerk-vision/1",
            "title": unicodedata.normalize("NFC", title),
            "text": unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip(),
            "embedded_parent": None,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_the_hash_matches_the_canonical_text(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert version is not None
        assert version.sha256 == expected_hash(version.title, version.text)
        assert version.sha256 == hashlib.sha256(version.canonical.encode()).hexdigest()
        assert ws.verify(version)


def test_canonical_form_is_deterministic_and_normalised() -> None:
    decomposed = "Mu\u0308nchen\r\nStraße 🚀  "
    composed = "München\nStraße 🚀"
    assert ws.canonical_form("Titel", decomposed) == ws.canonical_form("Titel", composed)
    assert ws.canonical_form("Titel", composed) != ws.canonical_form("Titel", composed + "!")
    assert "🚀" in ws.canonical_form("Titel", composed)  # no ASCII escaping


def test_tampering_with_the_stored_text_is_detected(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert version is not None
        version.text += " (nachträglich geändert)"
        assert not ws.verify(version)


def test_signing_a_stale_hash_is_refused(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        assert s.signatory is not None
        stale = expected_hash("Vision Gemeinde 2035", "eine frühere Fassung")
        with pytest.raises(Conflict) as err:
            ws.sign(s.participants[0], s.signatory, stale)
        assert "nicht mehr die aktuelle Fassung" in err.value.message
        assert s.signatory.signature is None


def test_only_the_listed_person_signs_their_place(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert version is not None and s.signatory is not None
        with pytest.raises(NotAllowed):
            ws.sign(s.participants[1], s.signatory, version.sha256)
        ws.sign(s.participants[0], s.signatory, version.sha256)
        with pytest.raises(Conflict):
            ws.sign(s.participants[0], s.signatory, version.sha256)


def test_a_signing_link_works_once(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert version is not None
        person, token = ws.add_signatory(
            s.facilitator, s.workshop, name="Berta Bürgermeisterin", function="Bürgermeisterin"
        )
        assert token is not None and person.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert ws.signatory_by_token(token).id == person.id
        signature = ws.sign_with_token(token, version.sha256)
        assert (signature.name, signature.function, signature.sha256) == (
            "Berta Bürgermeisterin",
            "Bürgermeisterin",
            version.sha256,
        )
        assert signature.signed_at.tzinfo is not None
        with pytest.raises(Conflict):
            ws.sign_with_token(token, version.sha256)
        with pytest.raises(NotFound):
            ws.sign_with_token("erfundenes-token", version.sha256)


def test_the_text_cannot_change_once_signing_started(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert version is not None and s.signatory is not None
        ws.sign(s.participants[0], s.signatory, version.sha256)
        draft = ws.vision_draft(s.facilitator, s.workshop)
        with pytest.raises(Conflict) as err:
            ws.save_vision(s.facilitator, s.workshop, "Neu", "Geänderter Text", draft.version)
        assert "neue Fassung" in err.value.message
        aspect = ws.ledger(s.facilitator, s.workshop).aspects[0]
        with pytest.raises(Conflict):
            ws.reopen_aspect(s.facilitator, aspect)
        assert ws.verify(version)


def test_reopening_leads_to_version_n_plus_1_and_a_new_round(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        first = ws.current_version(s.workshop)
        assert first is not None and s.signatory is not None
        ws.sign(s.participants[0], s.signatory, first.sha256)
        ws.reopen_for_changes(s.facilitator, s.workshop)
        assert s.workshop.phase == Phase.PLENARY
        assert ws.current_version(s.workshop).id == first.id  # type: ignore[union-attr]
        assert first.adopted_at is None
        draft = ws.vision_draft(s.facilitator, s.workshop)
        ws.save_vision(s.facilitator, s.workshop, draft.title, draft.text + "\nNeu.", draft.version)
        ws.open_signing(s.facilitator, s.workshop)
        second = ws.current_version(s.workshop)
        assert second is not None
        assert second.number == first.number + 1
        assert second.sha256 != first.sha256
        # the old signature stays with the old version; the new round starts unsigned
        status = ws.signing_status(s.facilitator, s.workshop)
        assert status is not None and status.version.id == second.id
        assert (status.signed_count, status.total) == (0, 1)
        with pytest.raises(Conflict):  # the old hash no longer signs anything
            ws.sign(s.participants[0], status.signatories[0], first.sha256)
        ws.sign(s.participants[0], status.signatories[0], second.sha256)
        ws.close_signing(s.facilitator, s.workshop)
        assert second.adopted_at is not None and first.adopted_at is None
        assert [v.number for v in ws.adopted_versions(s.tenant)] == [second.number]


def test_closing_needs_a_signature(make) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        with pytest.raises(Conflict) as err:
            ws.close_signing(s.facilitator, s.workshop)
        assert "mindestens eine Unterschrift" in err.value.message
        assert s.workshop.phase == Phase.SIGNING


def test_version_numbers_count_per_tenant(make) -> None:
    town = make.municipality(make.region())
    a = make.workshop(town, phase="adopted", participants=2)
    b = make.workshop(town, phase="signing", participants=2, facilitator=a.facilitator)
    with a.scope():
        assert ws.current_version(a.workshop).number == 1  # type: ignore[union-attr]
        assert ws.current_version(b.workshop).number == 2  # type: ignore[union-attr]


def test_adopted_visions_are_read_only_and_public_only_when_the_tenant_says_so(make) -> None:
    s = make.workshop(phase="adopted", participants=2)
    outsider = make.user(make.municipality(), Role.PARTICIPANT)
    with s.scope():
        version = ws.current_version(s.workshop)
        assert version is not None
        assert ws.get_version(s.participants[1], version.id).id == version.id
        with pytest.raises(NotFound):
            ws.get_version(outsider, version.id)
        assert ws.public_version(s.tenant, version.number) is None
        s.tenant.visions_public = True
        assert ws.public_version(s.tenant, version.number).id == version.id  # type: ignore[union-attr]
        with pytest.raises(Conflict):
            ws.save_vision(s.facilitator, s.workshop, "x", "y", 99)
        with pytest.raises(Conflict):
            ws.move(s.facilitator, s.workshop, "plenary")
