"""Who is asking is looked up in one SQL statement per request: the login session (or
API token), its user and the user's memberships with their tenants."""

from __future__ import annotations

from tests.factories import Factory
from tests.workshops.test_query_counts import counting
from visionswerk.db import db, utcnow
from visionswerk.tenants import api_tokens, login_sessions
from visionswerk.tenants.models import LoginSession, Role
from visionswerk.tenants.tokens import new_token


def test_a_login_session_is_one_statement(app, make: Factory) -> None:  # type: ignore[no-untyped-def]
    town = make.municipality(make.region())
    user = make.user(town, Role.FACILITATOR)
    make.member(user, make.municipality(), Role.PARTICIPANT)
    token, digest = new_token()
    now = utcnow()
    db.add(LoginSession(token_hash=digest, user_id=user.id, created_at=now, last_seen_at=now,
                        device="Firefox"))  # fmt: skip
    db.commit()
    db.expunge_all()
    with counting() as statements:
        found = login_sessions.check_login_token(token)
        assert found.user is not None
        assert {m.tenant.kind for m in found.user.memberships} == {town.kind}
        assert len(found.user.memberships) == 2
    assert len(statements) == 1


def test_an_api_token_is_one_statement(app, make: Factory) -> None:  # type: ignore[no-untyped-def]
    user = make.user(make.municipality(), Role.PARTICIPANT)
    with app.test_request_context():
        _row, raw = api_tokens.create_token(user, "Auswertung")
        db.commit()
        db.expunge_all()
        with counting() as statements:
            found = api_tokens.user_for_token(raw)
            assert found is not None
            assert [m.role for m in found.memberships] == [Role.PARTICIPANT]
            assert found.memberships[0].tenant.slug
        assert len(statements) == 1


# --- pages: as many statements for 40 participants as for 6 ---------------------------------


def _page_counts(app, make: Factory, participants: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from tests.conftest import login
    from visionswerk.workshops import services as ws

    plenary = make.workshop(phase="plenary", participants=participants)
    person = plenary.participants[0]
    with plenary.scope():
        for row in ws.plenary_overview(plenary.facilitator, plenary.workshop).proposals:
            for p in plenary.participants[1:4]:
                ws.mark_strength(p, row.proposal, "gut")
            ws.add_comment(plenary.participants[1], row.proposal, "Kommentar")
        db.commit()
    step1 = make.workshop(plenary.tenant, phase="individual", participants=participants,
                          facilitator=plenary.facilitator)  # fmt: skip
    with step1.scope():
        ws.add_participants(plenary.facilitator, step1.workshop, [person.id])
        ws.save_draft(person, step1.workshop, keywords=["Glasfaser"], text="Mein **Entwurf**")
        db.commit()
    with app.test_request_context():
        _row, raw = api_tokens.create_token(person, "Zähler")
        db.commit()
    slug = plenary.tenant.slug
    pages = {
        "Meine Aufgaben": (person, "/aufgaben"),
        "draft": (person, f"/{slug}/workshops/{step1.id}/entwurf"),
        "plenary (participant)": (person, f"/{slug}/workshops/{plenary.id}/alle"),
        "plenary (facilitator)": (plenary.facilitator, f"/{slug}/workshops/{plenary.id}/alle"),
    }
    counts = {}
    for name, (user, path) in pages.items():
        client = app.test_client()
        login(client, user)
        assert client.get(path).status_code == 200
        with counting() as statements:
            assert client.get(path).status_code == 200
        counts[name] = len(statements) - 1  # the tests' ROLLBACK TO SAVEPOINT
    client = app.test_client()
    client.get("/api/v1/me/tasks", headers={"Authorization": f"Bearer {raw}"})
    with counting() as statements:
        response = client.get("/api/v1/me/tasks", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200
        assert len(response.get_json()["tasks"]) == 2  # write the draft, mark strengths
    counts["API /me/tasks"] = len(statements) - 1
    return counts


def test_pages_do_not_grow_with_the_number_of_participants(app, make: Factory) -> None:  # type: ignore[no-untyped-def]
    small = _page_counts(app, make, 6)
    large = _page_counts(app, make, 40)
    assert large == small, (small, large)
    # who is asking, with their memberships and tenants (1), and the tasks (1: the two
    # settings of db.generic_plans go to psycopg directly); a participant has no notices
    # to look up
    assert small == {
        "Meine Aufgaben": 2,
        "API /me/tasks": 2,
        # who is asking (their own tenant comes with them), the workshop (whether they
        # take part comes with it), the draft
        "draft": 3,
        "plenary (participant)": 7,
        "plenary (facilitator)": 7,
    }
