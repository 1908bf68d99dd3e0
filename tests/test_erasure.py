"""Finding 12: deleting an account also erases the person's address and mail subjects
in the outbox (rows and .eml files), their name in audit details (a pseudonym instead)
and the stored reports that name them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import Mailbox
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants import accounts, audit
from visionswerk.tenants.models import AuditEntry, Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import erasure, mail, outbox
from visionswerk.worker.models import OutgoingEmail, Report, ReportKind, ReportStatus


@pytest.fixture()
def mailbox(outbox: Mailbox) -> Mailbox:
    return outbox  # the fixture's name, while the module name ``outbox`` is the code


def _eml(settings: Settings, to: str, subject: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.mail_sender, to, subject
    msg["Date"], msg["Message-ID"] = formatdate(), make_msgid(domain="example.org")
    msg.set_content("Hallo")
    mail.write_to_outbox(settings.mail_outbox, msg)


def _report(tenant_id: int, key: str, html: str) -> None:
    db.add(Report(tenant_id=tenant_id, kind=ReportKind.REGION, status=ReportStatus.DONE,
                  request_key=key, html=html, pdf=b"%PDF"))  # fmt: skip


def test_deleting_an_account_erases_it_from_outbox_audit_and_reports(
    make, settings: Settings, mailbox: Mailbox, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)
    town = make.municipality()
    anna = make.user(town, Role.PARTICIPANT, display_name="Anna Müller", email="anna@example.org")
    bert = make.user(town, Role.PARTICIPANT, display_name="Bert", email="bert@example.org")
    outbox.queue_email("k-anna", "Anna@example.org", "Erinnerung für Anna Müller", "x")
    outbox.queue_email("k-bert", bert.email, "Erinnerung", "x")
    _eml(settings, "Anna Müller <anna@example.org>", "Ihre Einladung")
    _eml(settings, bert.email, "Ihre Einladung")
    audit.record(bert, town.id, "test.named", None, name="Anna Müller", to="anna@example.org",
                 nested={"people": ["Anna Müller", "Bert"]}, note="kept")  # fmt: skip
    _report(town.id, "r-anna", "<p>Stärke von Anna Müller</p>")
    _report(town.id, "r-other", "<p>Nur Bert</p>")
    dbmod.commit()
    anna_id, town_id = anna.id, town.id

    accounts.delete_account(anna, factories.PASSWORD)
    dbmod.commit()

    rows = db.scalars(select(OutgoingEmail.to).execution_options(all_tenants=True)).all()
    assert rows == [bert.email]
    assert [m["To"] for m in mailbox.messages()] == [bert.email]
    alias = erasure.pseudonym(settings.secret_key, anna_id)
    with tenant_scope(town_id):
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "test.named")).one()
        assert entry.detail == {"name": alias, "to": alias, "nested": {"people": [alias, "Bert"]},
                                "note": "kept"}  # fmt: skip
        keys = db.scalars(select(Report.request_key)).all()
    assert keys == ["r-other"]


def test_finished_outbox_rows_are_deleted_after_their_retention(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from visionswerk.worker.models import EmailStatus

    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)
    start = outbox.now()
    sent = outbox.queue_email("k-old", "old@example.org", "Alt", "x", at=start)
    waiting = outbox.queue_email("k-wait", "wait@example.org", "Wartet", "x", at=start)
    sent.status = EmailStatus.SENT
    db.flush()
    assert outbox.purge_finished(at=start + outbox.KEEP_FINISHED - dt.timedelta(days=1)) == 0
    assert outbox.purge_finished(at=start + outbox.KEEP_FINISHED) == 1
    assert db.scalars(select(OutgoingEmail.id)).all() == [waiting.id]  # pending stays
