"""What must happen once happens once, also when many requests arrive at the same moment:
real threads, each with its own client, session and database connection, committing,
released together by a barrier.

* 20 facilitators' requests move one workshop (10 through the page, 10 through the API):
  exactly one move wins, 19 answer 409; one audit entry, one frozen version, one mail
  per recipient.
* 10 uses of one signing link: exactly one signature, 9 × 409 with a plain page.
* 10 versions created at once in one tenant: ten consecutive numbers, no lost race.

Only meaningful on PostgreSQL, where the row locks are real: SQLite lets one writer in at
a time and answers a second concurrent writer "database is locked" before any of our
code decides anything. CI runs these on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.api.conftest import token_for
from tests.conftest import csrf_token
from tests.factories import PASSWORD, Factory
from visionswerk import db as dbmod
from visionswerk.db import db, utcnow
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import notifications
from visionswerk.worker.models import OutgoingEmail
from visionswerk.workshops import services as ws
from visionswerk.workshops import signing
from visionswerk.workshops.models import (
    Comment,
    Phase,
    Signatory,
    Signature,
    VisionSource,
    VisionVersion,
)

pytestmark = [
    pytest.mark.committing,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="row locks are real only on PostgreSQL (SQLite: one writer at a time, a "
        "second concurrent writer is refused with 'database is locked'); set DATABASE_URL",
    ),
]


def _all_at_once(n: int, request: Callable[[int], tuple[int, str]]) -> list[tuple[int, str]]:
    start = threading.Barrier(n)

    def run(i: int) -> tuple[int, str]:
        start.wait(timeout=30)
        try:
            return request(i)
        finally:
            dbmod.db.remove()  # this thread's session and connection

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _page_client(app: Flask, email: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    response = client.post(
        "/anmelden",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    return client, csrf_token(client, "/")


def _move_concurrently(app: Flask, make: Factory, setup: Any, to: Phase) -> list[int]:
    """20 facilitators of the tenant press "move to ``to``" at once: 10 pages, 10 API."""
    slug, wid = setup.tenant.slug, setup.workshop.id
    people = [make.user(setup.tenant, Role.FACILITATOR) for _ in range(20)]
    emails = [p.email for p in people]
    tokens = [token_for(p) for p in people[10:]]
    pages = [_page_client(app, email) for email in emails[:10]]
    dbmod.db.remove()

    def move(i: int) -> tuple[int, str]:
        if i < 10:
            client, csrf = pages[i]
            data = {"to": to.value, "confirm_adopt": "y", "csrf_token": csrf}
            response = client.post(f"/{slug}/workshops/{wid}/schritt", data=data)
        else:
            response = app.test_client().post(
                f"/api/v1/{slug}/workshops/{wid}/phase",
                json={"to": to.value},
                headers={"Authorization": f"Bearer {tokens[i - 10]}"},
            )
        return response.status_code, response.get_data(as_text=True)

    results = _all_at_once(20, move)
    statuses = Counter(status for status, _ in results)
    print(f"[concurrency] 20 moves to {to.value} (10 pages, 10 API): {dict(statuses)}")
    won = statuses[302] + statuses[200]
    assert won == 1 and statuses[409] == 19, (statuses, [b[:200] for s, b in results if s >= 500])
    for status, body in results:
        if status == 409:
            assert "schon in diesem Schritt" in body or "nicht möglich" in body, body[:300]
    return [status for status, _ in results]


def _moves_recorded(tenant_id: int, to: Phase) -> list[int]:
    """The ids of the audit entries of moves to ``to`` (each sends its own mails)."""
    with tenant_scope(tenant_id):
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "workshop.move"))
        return [e.id for e in entries if e.detail.get("to") == to.value]


def test_twenty_concurrent_moves_to_signing_freeze_one_version(app: Flask, make: Factory) -> None:
    """A second signing round (reopened for changes): of 20 moves one freezes version 2
    and lists the earlier round's signatory again — once."""
    setup = make.workshop(make.municipality(), phase="signing", participants=4)
    tenant_id, wid = setup.tenant.id, setup.workshop.id
    with setup.scope():
        ws.reopen_for_changes(setup.facilitator, setup.workshop)
    dbmod.commit()
    _move_concurrently(app, make, setup, Phase.SIGNING)
    assert len(_moves_recorded(tenant_id, Phase.SIGNING)) == 2  # the factory's and one
    with tenant_scope(tenant_id):
        versions = db.scalars(
            select(VisionVersion).where(VisionVersion.workshop_id == wid).order_by("number")
        ).all()
        assert [v.number for v in versions] == [1, 2]
        assert [s.user_id for s in versions[1].signatories] == [setup.participants[0].id]
        assert ws.get_workshop(setup.facilitator, wid).phase == Phase.SIGNING


def test_twenty_concurrent_adoptions_send_one_mail_per_participant(
    app: Flask, make: Factory, settings: Settings
) -> None:
    setup = make.workshop(make.municipality(), phase="signing", participants=4)
    tenant_id = setup.tenant.id
    with setup.scope():
        assert setup.signatory is not None
        version = setup.signatory.version
        ws.sign(setup.participants[0], setup.signatory, version.sha256)
    dbmod.commit()
    participants = {p.id: p.email for p in setup.participants}
    _move_concurrently(app, make, setup, Phase.ADOPTED)
    moves = _moves_recorded(tenant_id, Phase.ADOPTED)
    assert len(moves) == 1
    notifications.scan(settings, utcnow())
    dbmod.commit()
    notifications.scan(settings, utcnow())  # a second scan sends nothing twice
    dbmod.commit()
    mails = db.scalars(select(OutgoingEmail).where(OutgoingEmail.tenant_id == tenant_id)).all()
    adopted = Counter(
        m.to for m in mails if any(m.idempotency_key.startswith(f"notify:{e}:") for e in moves)
    )
    assert adopted == Counter(participants.values()), [m.idempotency_key for m in mails]
    with tenant_scope(tenant_id):
        version = db.get(VisionVersion, version.id)
        assert version is not None and version.adopted_at is not None


def test_ten_concurrent_uses_of_one_signing_link_sign_once(app: Flask, make: Factory) -> None:
    setup = make.workshop(make.municipality(), phase="signing", participants=2)
    slug, tenant_id = setup.tenant.slug, setup.tenant.id
    with setup.scope():
        person, token = ws.add_signatory(
            setup.facilitator, setup.workshop, name="Erika Muster", function="Bürgermeisterin"
        )
        person_id, sha = person.id, person.version.sha256
    dbmod.commit()
    assert token is not None
    link = f"/{slug}/unterschreiben/{token}"
    clients = [app.test_client() for _ in range(10)]
    csrfs = [csrf_token(c, link) for c in clients]
    dbmod.db.remove()

    def use(i: int) -> tuple[int, str]:
        response = clients[i].post(
            link, data={"sha256": sha, "confirm": "y", "csrf_token": csrfs[i]}
        )
        return response.status_code, response.get_data(as_text=True)

    results = _all_at_once(10, use)
    statuses = Counter(status for status, _ in results)
    print(f"[concurrency] 10 uses of one signing link: {dict(statuses)}")
    assert statuses == {200: 1, 409: 9}, statuses
    for status, body in results:
        if status == 409:
            assert "Dieser Link wurde schon benutzt" in body
    with tenant_scope(tenant_id):
        count = select(func.count()).select_from(Signature)
        assert db.scalar(count.where(Signature.signatory_id == person_id)) == 1


def test_ten_versions_created_at_once_get_consecutive_numbers(make: Factory) -> None:
    tenant = make.municipality()
    tenant_id = tenant.id
    dbmod.commit()

    def create(i: int) -> tuple[int, str]:
        with tenant_scope(tenant_id):
            version = signing.create_version(
                tenant_id=tenant_id,
                title=f"Vision {i}",
                text="Unsere Gemeinde 2035.",
                source=VisionSource.IMPORTED,
                created_by=None,
            )
            number = version.number
            dbmod.commit()
        return number, ""

    numbers = sorted(n for n, _ in _all_at_once(10, create))
    print(f"[concurrency] 10 versions created at once in one tenant: numbers {numbers}")
    assert numbers == list(range(1, 11))


def test_signing_and_removing_one_signatory_at_once_never_loses_a_signature(
    app: Flask, make: Factory
) -> None:
    """5 uses of a link and 5 facilitators taking the person off the list, all at once:
    whichever comes first decides; a signature never disappears with its signatory."""
    setup = make.workshop(make.municipality(), phase="signing", participants=2)
    slug, tenant_id = setup.tenant.slug, setup.tenant.id
    with setup.scope():
        person, token = ws.add_signatory(
            setup.facilitator, setup.workshop, name="Erika Muster", function="Bürgermeisterin"
        )
        person_id, sha = person.id, person.version.sha256
    dbmod.commit()
    emails = [make.user(setup.tenant, Role.FACILITATOR).email for _ in range(5)]
    link = f"/{slug}/unterschreiben/{token}"
    signers = [app.test_client() for _ in range(5)]
    signer_csrf = [csrf_token(c, link) for c in signers]
    removers = [_page_client(app, email) for email in emails]
    dbmod.db.remove()

    def act(i: int) -> tuple[int, str]:
        if i < 5:
            data = {"sha256": sha, "confirm": "y", "csrf_token": signer_csrf[i]}
            response = signers[i].post(link, data=data)
        else:
            client, csrf = removers[i - 5]
            response = client.post(
                f"/{slug}/unterzeichnende/{person_id}/entfernen", data={"csrf_token": csrf}
            )
        return response.status_code, ""

    statuses = Counter(status for status, _ in _all_at_once(10, act))
    print(f"[concurrency] 5 link uses + 5 removals of one signatory: {dict(statuses)}")
    assert set(statuses) <= {200, 302, 404, 409}, statuses
    with tenant_scope(tenant_id):
        listed = db.get(Signatory, person_id) is not None
        signed = db.scalar(
            select(func.count()).select_from(Signature).where(Signature.signatory_id == person_id)
        )
    if listed:  # a signature came first: it stays, every removal was refused
        assert signed == 1 and statuses[200] == 1 and statuses[302] == 0, statuses
    else:  # the removal came first: nobody signed for the removed person
        assert signed == 0 and statuses[200] == 0 and statuses[302] == 1, statuses


def test_one_comment_sent_six_times_at_once_is_kept_once(app: Flask, make: Factory) -> None:
    """A double (or sextuple) click: the proposal's row lock lets one request write it."""
    setup = make.workshop(make.municipality(), phase="plenary", participants=4)
    with setup.scope():
        proposal = ws.plenary_overview(setup.facilitator, setup.workshop).proposals[0].proposal
        pid, slug, tenant_id = proposal.id, setup.tenant.slug, setup.tenant.id
        email = setup.participants[0].email
    dbmod.commit()
    clients = [_page_client(app, email) for _ in range(6)]
    dbmod.db.remove()

    def send(i: int) -> tuple[int, str]:
        client, csrf = clients[i]
        data = {f"c{pid}-text": "Gleich zweimal geklickt", f"c{pid}-csrf_token": csrf}
        response = client.post(f"/{slug}/vorschlaege/{pid}/kommentar", data=data)
        return response.status_code, response.get_data(as_text=True)

    results = _all_at_once(6, send)
    assert [status for status, _ in results] == [302] * 6, [b[:300] for _, b in results]
    with tenant_scope(tenant_id):
        texts = db.scalars(select(Comment.text).where(Comment.proposal_id == pid)).all()
        assert texts == ["Gleich zweimal geklickt"]
