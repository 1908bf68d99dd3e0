"""Signing by link, as a person without an account (a mayor, a council member): the page
says where, who asks and what signing means; it shows a short fingerprint (the full hash
under "details"); and it lets the person decline, which the facilitator then sees."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.conftest import Mailbox
from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from visionswerk.db import db
from visionswerk.tenants.models import AuditEntry
from visionswerk.workshops import services as ws


def named_signatory(app: Flask, make: Factory):  # type: ignore[no-untyped-def]
    """A workshop in signing; the facilitator lists Gerda Gemeinderätin and mails her link."""
    setup = make.workshop(phase="signing", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    moderator = Visitor(app, setup.facilitator.email)
    added = moderator.post(
        f"/{slug}/workshops/{wid}/unterzeichnende",
        {
            "kind": "person",
            "name": "Gerda Gemeinderätin",
            "function": "Gemeinderätin",
            "email": "gerda@example.org",
        },
        status=302,
    )
    assert "Link zum Unterschreiben für Gerda Gemeinderätin" in moderator.follow(added)
    with setup.scope():
        version = ws.current_version(setup.workshop)
        assert version is not None
        sha = version.sha256
    return setup, moderator, sha


def link_of(outbox: Mailbox) -> str:
    [link] = outbox.links()
    return link.removeprefix("http://localhost")


def test_the_link_page_says_where_who_asks_and_what_signing_means(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    setup, _moderator, sha = named_signatory(app, make)
    [mail] = outbox.messages()
    text = mail.get_body(("plain",)).get_content()
    assert setup.tenant.name in mail["Subject"]
    assert "über denselben Link" in text  # how to decline, before opening the link
    page = Visitor(app).html(link_of(outbox))
    words = text_of(page)
    assert setup.tenant.name in words
    assert setup.workshop.title in words
    facilitator = setup.facilitator.display_name
    asks = f"{facilitator} bittet Sie, als Gerda Gemeinderätin, Gemeinderätin, diese Vision"
    assert asks in words
    assert "Was bedeutet Ihre Unterschrift?" in words
    fingerprint = f"{sha[0:4]} {sha[4:8]} {sha[8:12]}"
    assert f'<code class="fingerprint">{fingerprint}</code>' in page
    details = page[page.index("<details") : page.index("</details>")]
    assert sha in details and page.count(sha) == 2  # once to check, once in the form
    assert "Ich möchte nicht unterschreiben" in words


def test_declining_is_recorded_ends_the_link_and_the_facilitator_sees_it(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    setup, moderator, _sha = named_signatory(app, make)
    slug, wid = setup.tenant.slug, setup.id
    link = link_of(outbox)
    guest = Visitor(app)
    too_long = guest.post(f"{link}/ablehnen", {"reason": "x" * 501}, status=422)
    assert "höchstens 500 Zeichen" in too_long.get_data(as_text=True)
    done = guest.post(f"{link}/ablehnen", {"reason": "Ich bin nicht mehr im Amt."}, status=200)
    assert "Ihre Antwort ist angekommen" in done.get_data(as_text=True)
    guest.get(link, status=404)  # the link is gone
    entry = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "signatory.decline")
        .execution_options(all_tenants=True)
    ).one()
    assert entry.actor_id is None and entry.detail == {"reason": "Ich bin nicht mehr im Amt."}
    listing = moderator.html(f"/{slug}/workshops/{wid}/bestaetigung")
    row = listing[listing.index("Gerda Gemeinderätin") :]
    row = row[: row.index("</tr>")]
    assert "möchte nicht unterschreiben" in row and "Ich bin nicht mehr im Amt." in row
    assert "Neuen Link erzeugen" in row  # she may change her mind


def test_a_missing_confirmation_reads_as_one_sentence(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    _setup, _moderator, sha = named_signatory(app, make)
    page = Visitor(app).post(link_of(outbox), {"sha256": sha}, status=422).get_data(as_text=True)
    assert "Bitte bestätigen Sie, dass Sie unterschreiben." in page
    assert "Unterschrift.:" not in page
