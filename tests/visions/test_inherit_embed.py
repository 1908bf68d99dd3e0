"""Imported visions, inheriting and embedding a parent version, the signed hash."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.visions.helpers import ILE_TEXT_1, based_workshop, finish, make_region
from visionswerk.db import db
from visionswerk.errors import Conflict, NotAllowed, NotFound
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.workshops import services as ws
from visionswerk.workshops import signing
from visionswerk.workshops.models import VisionSource, VisionVersion, Workshop


def test_statements_are_paragraphs_and_list_items() -> None:
    assert vs.statements(ILE_TEXT_1) == [
        "Wir stärken die Dörfer gemeinsam.",
        "Glasfaser in jedes Haus",
        "Bus im Stundentakt",
    ]


def test_imported_version_is_immutable_adopted_and_marked(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    v = db.get(VisionVersion, r.v1.id)
    assert v.source == VisionSource.IMPORTED
    assert v.source_note == "Leitbild 2021"
    assert v.adopted_at.date() == dt.date(2021, 5, 4)
    assert signing.verify(v)
    assert json.loads(v.canonical)["embedded_parent"] is None


def test_import_needs_rights_and_valid_input(make) -> None:  # type: ignore[no-untyped-def]
    region = make.region()
    participant = make.user(region, Role.PARTICIPANT)
    coordinator = make.user(region, Role.COORDINATOR)
    with tenant_scope(region.id):
        with pytest.raises(NotAllowed):
            vs.import_vision(
                participant, region, title="T", text="x", adopted_on=dt.date(2020, 1, 1)
            )
        with pytest.raises(InvalidField) as err:
            vs.import_vision(
                coordinator, region, title="T", text=" ", adopted_on=dt.date(2020, 1, 1)
            )
        assert err.value.field == "text"
        with pytest.raises(InvalidField) as err:
            vs.import_vision(
                coordinator,
                region,
                title="T",
                text="x",
                adopted_on=dt.date.today() + dt.timedelta(days=2),
            )
        assert err.value.field == "adopted_on"
    other = make.region()
    with tenant_scope(other.id), pytest.raises(NotFound):
        vs.import_vision(coordinator, region, title="T", text="x", adopted_on=dt.date(2020, 1, 1))


def test_inherit_and_embed_through_a_full_workshop(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region, "Gemeinde Auental")
    setup = based_workshop(make, town, r.v1, phase="plenary")
    with setup.scope():
        w = db.get(Workshop, setup.id)
        candidates = vs.parent_candidates(setup.facilitator, w)
        assert [c.id for c in candidates] == [r.v1.id]
        view = vs.parent_of(setup.participants[1], w)
        assert view is not None and view.tenant.name == "ILE Musterland"
        assert "Bus im Stundentakt" in view.statements
    version = finish(setup)
    with setup.scope():
        version = db.get(VisionVersion, version.id)
        assert version.adopted_at is not None
        assert version.embedded_parent_version_id == r.v1.id
        parent = json.loads(version.canonical)["embedded_parent"]
        assert parent == {"id": r.v1.id, "sha256": r.v1.sha256}
        assert signing.verify(version)
        embedded = vs.embedded_view(version)
        assert embedded is not None and embedded.version.number == 1


def test_chosen_statements_are_embedded_and_signed(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, statements=["Bus im Stundentakt"])
    version = finish(setup)
    with setup.scope():
        version = db.get(VisionVersion, version.id)
        assert version.embedded_statements == ["Bus im Stundentakt"]
        data = json.loads(version.canonical)["embedded_parent"]
        assert data["statements"] == ["Bus im Stundentakt"]
        assert signing.verify(version)
        # tampering with the chosen statements invalidates the hash
        version.embedded_statements = ["Glasfaser in jedes Haus"]
        assert not signing.verify(version)


def test_tampering_with_the_embedded_reference_invalidates_signatures(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    v2 = r.import_version()
    setup = based_workshop(make, town, r.v1, phase="plenary")
    with setup.scope():
        w = db.get(Workshop, setup.id)
        aspects_done = finish_until_signing(setup, w)
        version = ws.current_version(w)
        assert version is not None and signing.verify(version)
        sha = version.sha256
        # someone swaps the embedded parent in the database
        version.embedded_parent_version_id = v2.id
        db.flush()
        assert not signing.verify(version)
        signatory, _ = ws.add_signatory(setup.facilitator, w, user_id=setup.participants[0].id)
        with pytest.raises(Exception) as err:
            ws.sign(setup.participants[0], signatory, sha)
        assert "current_sha256" in getattr(err.value, "payload", {})
    assert aspects_done


def finish_until_signing(setup, w) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from visionswerk.workshops.models import Aspect

    aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
    text = "Vision\n\n" + "\n".join(f"- {a.label}" for a in aspects)
    ws.save_vision(setup.facilitator, w, "Vision 2035", text, 0)
    for a in aspects:
        ws.take_up(setup.facilitator, a, a.label)
    ws.open_signing(setup.facilitator, w)
    return True


def test_set_parent_refuses_foreign_or_unrelated_versions(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    other = make_region(make, "ILE Anderswo")
    town = make.municipality(r.region)
    setup = make.workshop(town, phase="individual")
    with setup.scope():
        w = db.get(Workshop, setup.id)
        with pytest.raises(InvalidField):
            vs.set_parent(setup.facilitator, w, other.v1.id)
        with pytest.raises(NotAllowed):
            vs.set_parent(setup.participants[0], w, r.v1.id)
        with pytest.raises(InvalidField):
            vs.set_parent(setup.facilitator, w, r.v1.id, ["Das steht da nicht"])


def test_taking_a_statement_into_my_draft_keeps_its_provenance(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual")
    person = setup.participants[0]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        # own thoughts first: without a saved draft there is nothing to take into
        with pytest.raises(Conflict):
            vs.take_statement(person, w, "Bus im Stundentakt")
        assert not vs.may_take(person, w)
        ws.save_draft(person, w, keywords=["Mein Gedanke"], text="Meine Zeilen.")
        assert vs.may_take(person, w)
        vs.take_statement(person, w, "Bus im Stundentakt")
        vs.take_statement(person, w, "Bus im Stundentakt")  # twice: once in the draft
        draft = ws.draft_for(person, w)
        assert draft.keywords == ["Mein Gedanke", "Bus im Stundentakt"]
        assert draft.text == "Meine Zeilen.\n\n> Bus im Stundentakt"
        provenance = vs.parent_keywords(w)
        assert provenance[(person.id, "bus im stundentakt")].id == r.v1.id
        with pytest.raises(InvalidField):
            vs.take_statement(person, w, "Erfunden")


def test_personal_data_export_holds_statements_taken(make) -> None:  # type: ignore[no-untyped-def]
    from visionswerk.tenants import personal_data

    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual")
    person = setup.participants[0]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.save_draft(person, w, keywords=["Mein Gedanke"], text="")
        vs.take_statement(person, w, "Bus im Stundentakt")
    data = personal_data.export(person)
    taken = data["visions"]["parent_statements_taken"]
    assert taken == [
        {
            "workshop_id": setup.id,
            "statement": "Bus im Stundentakt",
            "keyword": "Bus im Stundentakt",
        }
    ]


def test_the_region_parent_is_embedded_and_verifies_across_requests(make) -> None:  # type: ignore[no-untyped-def]
    """Each request has a fresh session scoped to the municipality: the region's parent
    version is not in it. Freezing must still embed it (it once came out as null), and
    verifying must still find it (it once raised a false tampering alarm)."""
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, statements=["Bus im Stundentakt"])
    db.remove()  # a new request
    with setup.scope():
        setup.workshop = db.get(Workshop, setup.id)
    version_id = finish(setup).id
    db.remove()
    with setup.scope():
        version = db.get(VisionVersion, version_id)
        assert version.embedded_parent_version_id == r.v1.id
        assert version.embedded_statements == ["Bus im Stundentakt"]
        assert json.loads(version.canonical)["embedded_parent"] == {
            "id": r.v1.id,
            "sha256": r.v1.sha256,
            "statements": ["Bus im Stundentakt"],
        }
        assert signing.verify(version)


def test_verify_notices_a_changed_parent_text(make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1)
    version_id = finish(setup).id
    db.remove()
    with tenant_scope(r.region.id):
        parent = db.get(VisionVersion, r.v1.id)
        parent.text = parent.text.replace("Stundentakt", "Halbstundentakt")
        db.commit()
    with setup.scope():
        assert not signing.verify(db.get(VisionVersion, version_id))


def test_taking_a_statement_keeps_what_the_form_holds(make) -> None:  # type: ignore[no-untyped-def]
    """Defect 6: the draft form's unsaved keywords and text are saved with the statement,
    on the version the form was based on; a stale base is the usual draft conflict
    with both texts (nothing lost)."""
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual")
    person = setup.participants[0]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        saved = ws.save_draft(person, w, keywords=["Gespeichert"], text="Alt.")
        base = saved.version
        vs.take_statement(
            person,
            w,
            "Bus im Stundentakt",
            keywords="Gespeichert\nNeu getippt",
            text="Neu getippter Text.",
            base_version=base,
        )
        draft = ws.draft_for(person, w)
        assert draft.keywords == ["Gespeichert", "Neu getippt", "Bus im Stundentakt"]
        assert draft.text == "Neu getippter Text.\n\n> Bus im Stundentakt"
        assert draft.version == base + 1
        with pytest.raises(Conflict) as err:
            vs.take_statement(
                person, w, "Glasfaser in jedes Haus", text="Veraltet", base_version=base
            )
        assert err.value.payload["submitted"]["text"] == "Veraltet\n\n> Glasfaser in jedes Haus"
        assert ws.draft_for(person, w).version == base + 1
