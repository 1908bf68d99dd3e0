"""The whole journey with the API and the mailbox only: a coordinator creates a
municipality and invites its facilitator; the facilitator registers through the link in
the mail (the one page of the journey), takes an API token with that session, creates a
workshop and invites three people by e-mail; they register the same way and the
workshop runs through all steps with Bearer tokens to adoption; a participant requests
the vision's PDF, follows its status and downloads it. Every response is checked
against the OpenAPI description."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from tests.api.conftest import Api, token_for
from tests.conftest import Mailbox, csrf_token
from tests.factories import Factory
from tests.reports.test_report_pages import build
from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant

PASSWORD = "unser-dorf-2035"


def mail_links(outbox: Mailbox, to: str) -> set[str]:
    """The invitation links of the mails to ``to`` (as paths of this app)."""
    links = set()
    for mail in outbox.messages():
        if mail["To"] == to:
            body = mail.get_body(("plain",)).get_content()
            links |= set(re.findall(r"https?://\S+/einladung/\S+", body))
    return {link.removeprefix("http://localhost") for link in links}


def mail_link(outbox: Mailbox, to: str) -> str:
    [link] = mail_links(outbox, to)
    return link


def register(app: Flask, link: str, name: str) -> Api:
    """Register through the invitation page, then take an API token with the session."""
    browser = app.test_client()
    page = browser.get(link)
    assert page.status_code == 200
    response = browser.post(
        link,
        data={
            "csrf_token": csrf_token(browser, link),
            "display_name": name,
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    session = Api(app, client=browser)
    me = session.get("/me")
    assert me["authenticated_by"] == "session" and me["display_name"] == name
    session.csrf = me["csrf_token"]
    created = session.post("/me/tokens", {"name": "Journey"}, status=201)
    assert created["token"].startswith("vw_") and created["hint"] == created["token"][:9]
    api = Api(app, created["token"])
    listed = api.get("/me/tokens")["tokens"]
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]  # shown once
    api.post("/me/tokens", {"name": "Nachfolger"}, status=403)  # a token mints none
    return api


def test_municipality_to_downloaded_pdf_with_the_api_and_the_mailbox(
    app: Flask, make: Factory, outbox: Mailbox, settings: Any
) -> None:
    region = make.region("ILE Donautal")
    region_slug = region.slug
    coordinator_user = make.user(region, Role.COORDINATOR, display_name="Koordinatorin")
    make.commit()

    coordinator = Api(app, token_for(coordinator_user))

    # --- the coordinator: a municipality and its facilitator ----------------------------
    town = coordinator.post(
        f"/{region_slug}/municipalities", {"name": "Markt Mühlbach"}, status=201
    )
    assert town == {
        "slug": "markt-muehlbach",
        "name": "Markt Mühlbach",
        "kind": "municipality",
        "parent_slug": region_slug,
    }
    slug = town["slug"]
    invited = coordinator.post(
        f"/{slug}/invitations",
        {"email": "Moderation@Muehlbach.example", "role": "facilitator"},
        status=201,
    )
    assert invited["email"] == "moderation@muehlbach.example"
    assert [i["id"] for i in coordinator.get(f"/{slug}/invitations")["invitations"]] == [
        invited["id"]
    ]
    # a second invitation, re-sent and withdrawn: its link stops working
    spare = coordinator.post(
        f"/{slug}/invitations", {"email": "vertretung@muehlbach.example", "role": "participant"},
        status=201,
    )  # fmt: skip
    first_link = mail_link(outbox, "vertretung@muehlbach.example")
    coordinator.post(f"/{slug}/invitations/{spare['id']}/resend")
    [second_link] = mail_links(outbox, "vertretung@muehlbach.example") - {first_link}
    assert app.test_client().get(first_link).status_code == 404  # the old link is dead
    coordinator.delete(f"/{slug}/invitations/{spare['id']}", status=204)
    assert app.test_client().get(second_link).status_code == 404

    facilitator = register(app, mail_link(outbox, "moderation@muehlbach.example"), "Moderatorin")
    roles = {
        m["display_name"]: m["role"] for m in facilitator.get(f"/{slug}/memberships")["memberships"]
    }
    assert roles == {"Moderatorin": "facilitator"}
    assert coordinator.get(f"/{slug}/invitations")["invitations"] == []

    # --- the facilitator: a workshop, three people invited by e-mail --------------------
    w = facilitator.post(
        f"/{slug}/workshops",
        {"title": "Mühlbach 2035", "guiding_question": "Wie leben wir 2035 in Mühlbach?"},
        status=201,
    )
    W = f"/{slug}/workshops/{w['id']}"  # noqa: N806
    emails = [f"person{i}@muehlbach.example" for i in range(3)]
    sent = facilitator.post(f"{W}/invitations", {"emails": emails})
    assert sent["joined"] == [] and sorted(i["email"] for i in sent["invited"]) == emails
    people = [register(app, mail_link(outbox, e), f"Person {i}") for i, e in enumerate(emails)]
    assert {p["display_name"] for p in facilitator.get(W)["participants"]} == {
        "Person 0", "Person 1", "Person 2",
    }  # fmt: skip
    # a participant may neither invite a facilitator nor see the members
    people[0].post(
        f"/{slug}/invitations", {"email": "x@muehlbach.example", "role": "facilitator"}, status=403
    )
    people[0].get(f"/{slug}/memberships", status=403)

    # --- steps 1 to 3 -----------------------------------------------------------------
    facilitator.post(f"{W}/phase", {"to": "individual"})
    for i, p in enumerate(people):
        p.put(f"{W}/draft", {"keywords": [f"Idee {i}"], "text": f"Entwurf {i}", "base_version": 0})
        p.post(f"{W}/draft/submit")
    facilitator.post(f"{W}/phase", {"to": "pairs", "seed": 1})
    pairing = facilitator.post(f"{W}/pairing/confirm")
    by_id = {p.get("/me")["id"]: p for p in people}
    for pair in pairing["pairs"]:
        first = by_id[pair["members"][0]["user_id"]]
        url = f"/{slug}/pairs/{pair['id']}/proposal"
        first.put(
            url, {"text": f"Vorschlag {pair['number']}", "keywords": ["Nah"], "base_version": 0}
        )
        for m in pair["members"]:
            by_id[m["user_id"]].post(f"/{slug}/pairs/{pair['id']}/ready")
    facilitator.post(f"{W}/phase", {"to": "plenary"})
    aspects = facilitator.get(f"{W}/ledger")["aspects"]
    labels = sorted({a["label"] for a in aspects})
    text = "Mühlbach 2035 ist digital und nah.\n\n" + "\n".join(f"- {x}" for x in labels)
    facilitator.put(
        f"{W}/vision", {"title": "Vision Mühlbach 2035", "text": text, "base_version": 0}
    )
    for a in aspects:
        facilitator.put(
            f"/{slug}/aspects/{a['id']}/decision", {"status": "taken_up", "passage": a["label"]}
        )

    # --- signing and adoption ---------------------------------------------------------
    facilitator.post(f"{W}/phase", {"to": "signing"})
    version = facilitator.get(f"{W}/signing")["version"]
    assert version["sha256"] == hashlib.sha256(version["canonical"].encode()).hexdigest()
    signer_id = next(iter(by_id))
    facilitator.post(
        f"{W}/signatories", {"user_id": signer_id, "function": "Gemeinderat"}, status=201
    )
    by_id[signer_id].post(f"{W}/signatures", {"hash": version["sha256"]}, status=201)
    facilitator.post(f"{W}/phase", {"to": "adopted"})

    # --- the PDF ----------------------------------------------------------------------
    reader = people[2]
    offered = reader.get(f"{W}/reports")
    assert offered == {"requestable_kinds": ["vision", "process"], "reports": []}
    queued = reader.request("POST", f"{W}/reports", {"kind": "vision", "nonce": "n-1"}, status=202)
    report = queued.get_json()
    assert report["status"] == "queued" and report["download"] is None
    assert queued.headers["Location"].endswith(f"/api/v1/{slug}/reports/{report['id']}")
    again = reader.post(f"{W}/reports", {"kind": "vision", "nonce": "n-1"}, status=202)
    assert again["id"] == report["id"]  # the same nonce: the same report

    tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if reader.get(f"/{slug}/reports/{report['id']}")["status"] != "done":
        build(settings, tenant_id, report["id"])  # the worker's part (tests run it eagerly)
    done = reader.get(f"/{slug}/reports/{report['id']}")
    assert done["status"] == "done" and done["progress"] == 100
    assert re.fullmatch(r"Vision-M[\w-]+-2035-Fassung-1\.pdf", done["filename"]), done
    pdf = reader.request("GET", done["download"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    disposition = pdf.headers["Content-Disposition"]
    assert "attachment" in disposition and "Fassung-1.pdf" in disposition

    pages = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Mühlbach 2035 ist digital und nah." in pages
    assert [r["id"] for r in reader.get(f"{W}/reports")["reports"]] == [report["id"]]
    # the facilitator also sees it; the coordinator too (adopted); a stranger does not
    assert facilitator.get(f"/{slug}/reports/{report['id']}")["status"] == "done"
    coordinator.get(f"/{slug}/reports/{report['id']}/pdf")
