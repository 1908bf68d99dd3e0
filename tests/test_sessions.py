"""Issue 13, findings 3, 4, 9 and the authentication log: login sessions expire (idle and
absolute, stricter for people who run workshops), the signed-in devices page, a password
reset or change ends the other sessions and revokes API tokens, the reset request does
the same work for unknown addresses, and authentication events are logged and shown to
the account holder and the platform admin only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, update

from tests.conftest import Mailbox, form_post, login
from tests.factories import PASSWORD, Factory
from visionswerk.db import db, utcnow
from visionswerk.settings import ConfigurationError, Settings
from visionswerk.tenants import api_tokens, auth_events, login_sessions
from visionswerk.tenants.models import ApiToken, AuthEvent, LoginSession, Role, Tenant, User

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
EXPIRED = "Zu Ihrer Sicherheit sind Sie abgemeldet"


@dataclasses.dataclass(frozen=True)
class Person:
    """What a test keeps of a user: requests detach the ORM object from the session."""

    id: int
    email: str


def person(user: User) -> Person:
    return Person(user.id, user.email)


def orm(who: Person) -> User:
    found = db.get(User, who.id)
    assert found is not None
    return found


def device_client(app: Flask, user_agent: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def sessions_of(user_id: int) -> list[LoginSession]:
    db.expire_all()
    return list(db.scalars(select(LoginSession).where(LoginSession.user_id == user_id)))


def kinds_of(user_id: int) -> list[str]:
    db.expire_all()
    rows = db.scalars(
        select(AuthEvent.kind).where(AuthEvent.user_id == user_id).order_by(AuthEvent.id)
    )
    return list(rows)


def age_sessions(user_id: int, *, started: dt.timedelta, seen: dt.timedelta) -> None:
    """Move the stored timestamps back (no sleeping)."""
    now = utcnow()
    db.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id)
        .values(created_at=now - started, last_seen_at=now - seen)
    )
    db.commit()


# --- timeouts ------------------------------------------------------------------------------


def test_session_idle_longer_than_the_limit_is_refused(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    assert client.get("/konto").status_code == 200
    age_sessions(user.id, started=dt.timedelta(hours=9), seen=dt.timedelta(hours=8, minutes=1))
    response = client.get("/konto")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert EXPIRED in page
    assert sessions_of(user.id) == []  # deleted, although the request was a GET
    assert kinds_of(user.id)[-1] == "session_expired"
    assert client.get("/konto").status_code == 302  # and stays refused


def test_session_older_than_the_absolute_limit_is_refused(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    # active a minute ago, but started 400 days ago (the finding)
    age_sessions(user.id, started=dt.timedelta(days=400), seen=dt.timedelta(minutes=1))
    assert client.get("/konto").status_code == 302
    assert sessions_of(user.id) == []
    # an API request with the old cookie answers 401, not the page
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_within_both_limits_is_kept(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    age_sessions(user.id, started=dt.timedelta(days=29), seen=dt.timedelta(hours=7))
    assert client.get("/konto").status_code == 200


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COORDINATOR, "admin"])
def test_people_who_run_workshops_have_the_shorter_limits(
    app: Flask, make: Factory, role: Role | str
) -> None:
    if role == "admin":
        user = person(make.user(admin=True))
    else:
        town = make.municipality(make.region())
        user = person(make.user(town, role))
    client = app.test_client()
    login(client, user)
    age_sessions(user.id, started=dt.timedelta(hours=3), seen=dt.timedelta(hours=1))
    assert client.get("/konto").status_code == 200  # within 2 h idle / 12 h
    age_sessions(user.id, started=dt.timedelta(hours=3), seen=dt.timedelta(hours=2, minutes=1))
    assert client.get("/konto").status_code == 302
    login(client, user)
    age_sessions(user.id, started=dt.timedelta(hours=12, minutes=1), seen=dt.timedelta(0))
    assert client.get("/konto").status_code == 302


def test_the_highest_role_decides(app: Flask, make: Factory) -> None:
    region = make.region()
    town = make.municipality(region)
    second_id = make.municipality(region).id
    user = person(make.user(town, Role.PARTICIPANT))
    client = app.test_client()
    login(client, user)
    age_sessions(user.id, started=dt.timedelta(hours=3), seen=dt.timedelta(hours=3))
    assert client.get("/konto").status_code == 200  # a participant: 8 h idle
    second = db.get(Tenant, second_id)
    assert second is not None
    make.member(orm(user), second, Role.FACILITATOR)  # now also a facilitator
    age_sessions(user.id, started=dt.timedelta(hours=3), seen=dt.timedelta(hours=3))
    assert client.get("/konto").status_code == 302


def test_timeouts_come_from_the_settings(
    app: Flask, make: Factory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = dataclasses.replace(settings, session_idle_minutes=30)
    monkeypatch.setitem(app.config, "VISIONSWERK", short)
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    age_sessions(user.id, started=dt.timedelta(hours=1), seen=dt.timedelta(minutes=31))
    assert client.get("/konto").status_code == 302


def test_session_settings_have_defaults_and_refuse_zero() -> None:
    s = Settings.from_env({"SECRET_KEY": "x"})
    assert (s.session_idle_minutes, s.session_absolute_hours) == (480, 720)
    assert (s.staff_session_idle_minutes, s.staff_session_absolute_hours) == (120, 12)
    s = Settings.from_env({"SECRET_KEY": "x", "STAFF_SESSION_IDLE_MINUTES": "45"})
    assert s.staff_session_idle_minutes == 45
    with pytest.raises(ConfigurationError):
        Settings.from_env({"SECRET_KEY": "x", "SESSION_ABSOLUTE_HOURS": "0"})


def test_last_seen_is_written_at_most_once_a_minute(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    age_sessions(user.id, started=dt.timedelta(hours=1), seen=dt.timedelta(seconds=30))
    before = sessions_of(user.id)[0].last_seen_at
    assert client.get("/konto").status_code == 200
    assert sessions_of(user.id)[0].last_seen_at == before  # seen 30 s ago: no write
    age_sessions(user.id, started=dt.timedelta(hours=1), seen=dt.timedelta(minutes=5))
    assert client.get("/konto").status_code == 200  # a GET, yet it is recorded
    seen = sessions_of(user.id)[0].last_seen_at
    assert utcnow() - seen < dt.timedelta(seconds=30)


# --- the devices page ------------------------------------------------------------------


def test_devices_page_lists_sessions_and_ends_one_and_all_others(app: Flask, make: Factory) -> None:
    user = person(make.user())
    laptop = device_client(app, FIREFOX)
    phone = device_client(app, IPHONE)
    tablet = device_client(app, IPHONE)
    for c in (laptop, phone, tablet):
        login(c, user)
    page = laptop.get("/konto/geraete").get_data(as_text=True)
    assert "Firefox, Windows" in page and "Mobile Safari, iOS (iPhone)" in page
    assert page.count("(dieses Gerät)") == 1
    assert page.count("Diese Sitzung beenden") == 3
    assert "Alle anderen beenden" in page
    assert " Uhr" in page and "UTC" not in page  # local times
    first = page.index("Firefox, Windows")
    assert first < page.index("Mobile Safari")  # this device first

    phone_id = next(s.id for s in sessions_of(user.id) if s.device.startswith("Mobile"))
    response = form_post(laptop, f"/konto/geraete/{phone_id}/beenden")
    assert response.status_code == 302
    assert len(sessions_of(user.id)) == 2
    assert phone.get("/konto").status_code == 302 or tablet.get("/konto").status_code == 302
    assert kinds_of(user.id)[-1] == "session_ended"

    response = form_post(laptop, "/konto/geraete/andere-beenden")
    assert response.status_code == 302
    page = laptop.get(response.headers["Location"]).get_data(as_text=True)
    assert "auf allen anderen Geräten abgemeldet" in page
    assert len(sessions_of(user.id)) == 1
    assert laptop.get("/konto").status_code == 200
    assert phone.get("/konto").status_code == 302 and tablet.get("/konto").status_code == 302


def test_ending_this_session_logs_out_here(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    mine = sessions_of(user.id)[0].id
    form_post(client, f"/konto/geraete/{mine}/beenden")
    assert client.get("/konto").status_code == 302


def test_another_users_session_cannot_be_ended(app: Flask, make: Factory) -> None:
    victim = person(make.user())
    login(app.test_client(), victim)
    theirs = sessions_of(victim.id)[0].id
    intruder = app.test_client()
    login(intruder, person(make.user()))
    assert form_post(intruder, f"/konto/geraete/{theirs}/beenden").status_code == 404
    assert form_post(intruder, "/konto/geraete/999999/beenden").status_code == 404
    assert len(sessions_of(victim.id)) == 1
    page = intruder.get("/konto/geraete").get_data(as_text=True)
    assert page.count("Diese Sitzung beenden") == 1  # only the intruder's own


# --- password reset and change end other access (finding 3) ---------------------------


def _reset_link(client: FlaskClient, email: str, outbox: Mailbox) -> str:
    form_post(client, "/passwort/vergessen", {"email": email})
    (link,) = [x for x in outbox.links() if "/passwort/neu/" in x]
    return link.removeprefix("http://localhost")


def test_reset_ends_every_session_and_revokes_api_tokens(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    user = person(make.user())
    other_device = app.test_client()
    login(other_device, user)
    _token, raw = api_tokens.create_token(orm(user), "Auswertung")
    db.commit()
    auth = {"Authorization": f"Bearer {raw}"}
    assert app.test_client().get("/api/v1/me", headers=auth).status_code == 200

    client = app.test_client()
    path = _reset_link(client, user.email, outbox)
    new = "ein-ganz-neues-passwort"
    response = form_post(client, path, {"password": new, "password_repeat": new})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "auf allen Geräten abgemeldet" in page and "API-Schlüssel" in page
    assert "widerrufen" in page

    assert other_device.get("/konto").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=auth).status_code == 401
    db.expire_all()
    assert db.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))
    assert sessions_of(user.id) == []
    assert "password_reset" in kinds_of(user.id) and "token_revoked" in kinds_of(user.id)


def test_password_change_keeps_this_session_and_revokes_tokens(app: Flask, make: Factory) -> None:
    user = person(make.user())
    here, there = app.test_client(), app.test_client()
    login(here, user)
    login(there, user)
    _token, raw = api_tokens.create_token(orm(user), "Skript")
    db.commit()
    new = "ein-ganz-neues-passwort"
    response = form_post(
        here,
        "/konto/passwort",
        {"current_password": PASSWORD, "password": new, "password_repeat": new},
    )
    assert response.status_code == 302
    page = here.get(response.headers["Location"]).get_data(as_text=True)
    assert "API-Schlüssel des Kontos sind widerrufen" in page
    assert here.get("/konto").status_code == 200
    assert there.get("/konto").status_code == 302
    auth = {"Authorization": f"Bearer {raw}"}
    assert app.test_client().get("/api/v1/me", headers=auth).status_code == 401
    assert "password_changed" in kinds_of(user.id)


# --- reset request: the same work for unknown addresses (finding 9) ---------------------


@pytest.fixture()
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app sends (parameters left out), in order."""
    seen: list[str] = []
    engine = app.extensions["visionswerk.engine"]

    def before(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


def test_reset_request_does_the_same_work_with_and_without_an_account(
    app: Flask, make: Factory, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request path is the same either way: the same SQL, one task with the address;
    the account is looked up in the worker (whose work the requester does not wait for)."""
    from visionswerk.worker import tasks

    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        tasks.send_password_reset, "apply_async", lambda args, **_kw: queued.append(args)
    )
    user = person(make.user())
    runs = {}
    for email in (user.email, "niemand-hier@example.org"):
        client = app.test_client()
        form_post(client, "/anmelden", {})  # session and CSRF token first
        statements.clear()
        response = form_post(client, "/passwort/vergessen", {"email": email})
        runs[email] = (response.status_code, response.headers["Location"], list(statements))
    known, unknown = runs.values()
    assert known == unknown
    assert [q[0] for q in queued] == [user.email, "niemand-hier@example.org"]


def test_reset_mail_is_built_by_the_worker_and_logged(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    user = person(make.user())
    client = device_client(app, FIREFOX)
    form_post(client, "/passwort/vergessen", {"email": user.email.upper()})
    (msg,) = outbox.messages()
    assert msg["To"] == user.email
    db.expire_all()
    event_row = db.scalar(
        select(AuthEvent).where(
            AuthEvent.user_id == user.id, AuthEvent.kind == "password_reset_requested"
        )
    )
    assert event_row is not None and event_row.device == "Firefox, Windows"
    outbox.clear()
    form_post(app.test_client(), "/passwort/vergessen", {"email": "niemand@example.org"})
    assert outbox.messages() == []


def test_reset_still_works_when_the_broker_cannot_take_it(
    app: Flask, make: Factory, outbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis down (finding 6): the request does the worker's part itself; the mail waits
    in the outbox table and goes out as usual."""
    from kombu.exceptions import OperationalError

    from visionswerk.worker import tasks

    def down(*_a: Any, **_kw: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_password_reset, "apply_async", down)
    user = person(make.user())
    response = form_post(app.test_client(), "/passwort/vergessen", {"email": user.email})
    assert response.status_code == 302
    (msg,) = outbox.messages()
    assert msg["To"] == user.email
    response = form_post(app.test_client(), "/passwort/vergessen", {"email": "x@example.org"})
    assert response.status_code == 302  # the same answer without an account
    assert len(outbox.messages()) == 1


# --- the authentication log -------------------------------------------------------------


def test_failed_logins_are_logged_despite_the_refusal(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = device_client(app, FIREFOX)
    assert (
        form_post(client, "/anmelden", {"email": user.email, "password": "falsch"}).status_code
        == 422
    )
    assert kinds_of(user.id) == ["login_failed"]
    response = form_post(
        client, "/anmelden", {"email": "Geheim.Person@musterhausen.example", "password": "x"}
    )
    assert response.status_code == 422
    row = db.scalar(
        select(AuthEvent).where(AuthEvent.user_id.is_(None)).order_by(AuthEvent.id.desc())
    )
    assert row is not None and row.kind == "login_failed"
    assert row.email_hint == "g…@musterhausen.example"  # masked, not in clear
    assert "geheim" not in str(row.detail).lower()
    assert row.device == "Firefox, Windows" and row.client_address


def test_account_holder_sees_their_own_events_newest_first(app: Flask, make: Factory) -> None:
    user = person(make.user())
    other = person(make.user())
    client = device_client(app, FIREFOX)
    form_post(client, "/anmelden", {"email": user.email, "password": "falsch"})
    login(client, user)
    token, _raw = api_tokens.create_token(orm(user), "Mein Skript")
    token_id = token.id
    db.commit()
    api_tokens.revoke_token(orm(user), token_id)
    db.commit()
    form_post(app.test_client(), "/anmelden", {"email": other.email, "password": "falsch"})
    page = client.get("/konto/anmeldeprotokoll").get_data(as_text=True)
    shown = [e.strip() for e in re.findall(r'data-label="Ereignis">([^<(]+)', page)]
    assert shown == [  # newest first, only this account's
        "API-Schlüssel widerrufen",
        "API-Schlüssel erstellt",
        "Angemeldet",
        "Anmeldung fehlgeschlagen",
    ]
    assert "Mein Skript" in page and "Firefox, Windows" in page and " Uhr" in page
    form_post(client, "/abmelden")
    assert kinds_of(user.id)[-1] == "logout"


def test_the_log_is_paged(app: Flask, make: Factory) -> None:
    user = person(make.user())
    for _ in range(auth_events.PAGE_SIZE + 5):
        auth_events.record(orm(user), "login_failed")
    db.commit()
    client = app.test_client()
    login(client, user)
    first = client.get("/konto/anmeldeprotokoll").get_data(as_text=True)
    assert "Seite 1 von 2" in first and "Ältere Einträge" in first
    second = client.get("/konto/anmeldeprotokoll?seite=2").get_data(as_text=True)
    assert "Seite 2 von 2" in second and "Neuere Einträge" in second
    assert client.get("/konto/anmeldeprotokoll?seite=abc").status_code == 200


def test_platform_admin_sees_everyones_events_and_filters_by_account(
    app: Flask, make: Factory
) -> None:
    anna = person(make.user(email="anna.log@example.org"))
    bert = person(make.user(email="bert.log@example.org"))
    for who in (anna, bert):
        form_post(app.test_client(), "/anmelden", {"email": who.email, "password": "falsch"})
    form_post(app.test_client(), "/anmelden", {"email": "zora@nirgends.example", "password": "x"})
    admin = app.test_client()
    login(admin, person(make.user(admin=True)))
    page = admin.get("/admin/anmeldeprotokoll").get_data(as_text=True)
    assert "anna.log@example.org" in page and "bert.log@example.org" in page
    assert "z…@nirgends.example" in page and "zora@" not in page
    filtered = admin.get("/admin/anmeldeprotokoll?konto=anna.log").get_data(as_text=True)
    assert "anna.log@example.org" in filtered and "bert.log@example.org" not in filtered
    assert "Anmeldeprotokoll aller Konten" in admin.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.FACILITATOR, Role.COORDINATOR])
def test_nobody_but_the_platform_admin_sees_everyones_events(
    app: Flask, make: Factory, role: Role
) -> None:
    town = make.municipality(make.region())
    user = person(make.user(town, role))
    client = app.test_client()
    login(client, user)
    assert client.get("/admin/anmeldeprotokoll").status_code == 404


def test_every_kind_has_a_german_label_and_unknown_kinds_are_refused(make: Factory) -> None:
    assert {
        "login", "login_failed", "logout", "session_expired", "session_ended",
        "password_reset_requested", "password_reset", "password_changed", "token_created",
        "token_revoked", "mfa_enabled", "mfa_disabled", "mfa_failed", "mfa_recovery_used",
        "recovery_codes_renewed",
    } <= auth_events.KINDS  # fmt: skip
    assert all(auth_events.label(k) and auth_events.label(k) != k for k in auth_events.KINDS)
    with pytest.raises(ValueError):
        auth_events.record(make.user(), "gibt_es_nicht")


def test_deleting_the_account_deletes_its_events(app: Flask, make: Factory) -> None:
    user = person(make.user())
    user_id = user.id
    client = app.test_client()
    login(client, user)
    assert kinds_of(user_id) == ["login"]
    form_post(client, "/konto/loeschen", {"password": PASSWORD})
    assert db.scalar(select(func.count()).where(AuthEvent.user_id == user_id)) == 0
    assert db.get(User, user_id) is None


def test_device_descriptions_are_coarse() -> None:
    from visionswerk.tenants.devices import describe

    assert describe(FIREFOX) == "Firefox, Windows"
    assert describe(IPHONE) == "Mobile Safari, iOS (iPhone)"
    assert describe("") == "" and describe(None) == ""
    assert re.fullmatch(r"[\w ,().-]*", describe("x" * 10_000))


def test_limits_by_role_in_the_service(make: Factory) -> None:
    town = make.municipality(make.region())
    limits = login_sessions.Limits()
    assert limits.for_user(make.user(town, Role.PARTICIPANT)) == (
        dt.timedelta(hours=8),
        dt.timedelta(days=30),
    )
    assert limits.for_user(make.user(town, Role.FACILITATOR)) == (
        dt.timedelta(hours=2),
        dt.timedelta(hours=12),
    )


def test_the_data_export_holds_the_login_history(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    response = form_post(client, "/konto/daten")
    assert response.status_code == 200
    history = response.get_json()["login_history"]
    assert [e["kind"] for e in history] == ["login"]


def test_the_worker_sweeps_sessions_expired_for_every_role(make: Factory) -> None:
    from visionswerk.worker.tasks import sweep_login_sessions

    user = person(make.user())
    now = utcnow()
    for started, seen in ((1, 0), (1, 9), (31 * 24, 0)):  # hours ago: live, idle, too old
        db.add(
            LoginSession(
                token_hash=f"{started}-{seen}".ljust(64, "0"),
                user_id=user.id,
                created_at=now - dt.timedelta(hours=started),
                last_seen_at=now - dt.timedelta(hours=seen),
            )
        )
    db.commit()
    assert sweep_login_sessions.apply(kwargs={"now_iso": now.isoformat()}).get() == 2
    assert [s.token_hash[:3] for s in sessions_of(user.id)] == ["1-0"]


def test_an_expiry_is_logged_with_the_client_that_came_back(app: Flask, make: Factory) -> None:
    user = person(make.user())
    client = app.test_client()
    login(client, user)
    app.test_client().get("/anmelden", environ_base={"REMOTE_ADDR": "203.0.113.1"})
    age_sessions(user.id, started=dt.timedelta(days=31), seen=dt.timedelta(0))
    client.get("/konto", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    db.expire_all()
    row = db.scalar(select(AuthEvent).where(AuthEvent.kind == "session_expired"))
    assert row is not None and row.client_address == "198.51.100.9"
