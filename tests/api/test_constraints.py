"""The database's constraints are the last word on what may exist once, and a request
they stop answers 409 with a plain message — on the API and on the pages, whether the
constraint trips while the view flushes or at the commit — never a 500, and nothing of
the request stays. (The concurrent races themselves: tests/test_concurrency_invariants.py,
on PostgreSQL.)"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.api.conftest import token_for
from tests.conftest import form_post
from tests.factories import PASSWORD, Factory
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.platform.errors import integrity_conflict
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops import signing
from visionswerk.workshops.models import Phase, Signatory, VisionVersion, Workshop


def _reopened(make: Factory):  # type: ignore[no-untyped-def]
    """A workshop back in step 3 after a first signing round (version 1 exists)."""
    setup = make.workshop(make.municipality(), phase="signing", participants=2)
    with setup.scope():
        ws.reopen_for_changes(setup.facilitator, setup.workshop)
    db.commit()
    return setup


def test_a_lost_version_number_race_answers_409_and_changes_nothing(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = _reopened(make)
    slug, wid, tenant_id = setup.tenant.slug, setup.workshop.id, setup.tenant.id
    token = token_for(setup.facilitator)
    # as if another request had taken number 1 between our max() and our insert
    monkeypatch.setattr(signing, "next_version_number", lambda tenant_id: 1)
    response = app.test_client().post(
        f"/api/v1/{slug}/workshops/{wid}/phase",
        json={"to": "signing"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409, response.text[:500]
    assert response.mimetype == "application/problem+json"
    assert "gleichzeitig eine andere Fassung" in response.get_json()["detail"]
    with tenant_scope(tenant_id):
        assert db.get(Workshop, wid).phase == Phase.PLENARY  # type: ignore[union-attr]
        numbers = db.scalars(select(VisionVersion.number).where(VisionVersion.workshop_id == wid))
        assert list(numbers) == [1]


def test_the_page_shows_the_same_409(
    client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = _reopened(make)
    slug, wid, email = setup.tenant.slug, setup.workshop.id, setup.facilitator.email
    form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    monkeypatch.setattr(signing, "next_version_number", lambda tenant_id: 1)
    response = form_post(client, f"/{slug}/workshops/{wid}/schritt", {"to": "signing"})
    assert response.status_code == 409
    assert "gleichzeitig eine andere Fassung" in response.text
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_constraint_tripped_at_the_commit_answers_409(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = make.workshop(make.municipality(), phase="preparation", participants=2)
    slug, wid, tenant_id = setup.tenant.slug, setup.workshop.id, setup.tenant.id
    token = token_for(setup.facilitator)
    real_commit = dbmod.commit

    def commit_loses() -> None:
        dbmod.db.flush()
        orig = Exception("UNIQUE constraint failed: signatures.signatory_id")
        raise IntegrityError("INSERT …", {}, orig)

    monkeypatch.setattr(dbmod, "commit", commit_loses)
    response = app.test_client().post(
        f"/api/v1/{slug}/workshops/{wid}/phase",
        json={"to": "individual"},
        headers={"Authorization": f"Bearer {token}"},
    )
    monkeypatch.setattr(dbmod, "commit", real_commit)
    assert response.status_code == 409, response.text[:500]
    assert response.get_json()["detail"] == "Hier wurde schon unterschrieben."
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with tenant_scope(tenant_id):
        assert db.get(Workshop, wid).phase == Phase.PREPARATION  # type: ignore[union-attr]


def test_one_place_per_person_on_a_versions_list(make: Factory) -> None:
    setup = make.workshop(make.municipality(), phase="signing", participants=2)
    with setup.scope():
        assert setup.signatory is not None
        twice = Signatory(
            tenant_id=setup.tenant.id,
            version_id=setup.signatory.version_id,
            user_id=setup.signatory.user_id,
            name="Noch einmal",
        )
        with pytest.raises(IntegrityError) as caught, db.begin_nested():
            db.add(twice)
            db.flush()
        conflict = integrity_conflict(caught.value)
        assert conflict is not None and conflict.status == 409
        assert conflict.message == "Diese Person steht schon auf der Liste."
        # named persons (no account) are not limited by it
        for name in ("Erika Muster", "Max Muster"):
            ws.add_signatory(setup.facilitator, setup.workshop, name=name, function="Rat")


def test_unknown_integrity_errors_are_not_passed_off_as_conflicts() -> None:
    not_null = IntegrityError("INSERT …", {}, Exception("NOT NULL constraint failed: x.y"))
    assert integrity_conflict(not_null) is None
