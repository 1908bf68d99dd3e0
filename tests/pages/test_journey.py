"""The whole method through the pages, as a facilitator and five participants would do it
in their browsers: create the workshop, write and submit drafts, pair (one trio), give
feedback, co-write proposals (with a conflict), mark strengths, compose the vision and
decide every aspect, sign (with an account and through a single-use link), adopt."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from tests.conftest import Mailbox
from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of, url_of
from visionswerk.db import db
from visionswerk.platform.workshops.helpers import fingerprint
from visionswerk.tenants.models import Tenant
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import (
    Aspect,
    AspectStatus,
    Pair,
    PairProposal,
    Phase,
    Signature,
    VisionVersion,
    Workshop,
)

NAMES = ["Anna", "Ben", "Cem", "Dora", "Emil"]


def workshop_row(tenant_id: int, workshop_id: int) -> Workshop:
    db.expire_all()
    with tenant_scope(tenant_id):
        w = db.get(Workshop, workshop_id)
        assert w is not None
        return w


def test_the_whole_method_runs_through_the_pages(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    region = make.region("ILE Musterland")
    town = make.municipality(region, "Gemeinde Musterhausen")
    slug, town_id = town.slug, town.id
    make.user(town, "facilitator", display_name="Moritz", email="moritz@example.org")
    ids = {}
    for name in NAMES:
        ids[name] = make.user(
            town, "participant", display_name=name, email=f"{name.lower()}@example.org"
        ).id
    councillor_id = make.user(
        town, "participant", display_name="Rätin Klee", email="klee@example.org"
    ).id
    moderator = Visitor(app, "moritz@example.org", "Moritz")
    people = {n: Visitor(app, f"{n.lower()}@example.org", n) for n in NAMES}

    # --- create -------------------------------------------------------------------------
    form = moderator.html(f"/{slug}/workshops/neu")
    assert "Wie sieht unsere Kommune im Jahr 2035 aus – und was hat die Digitalisierung" in form
    response = moderator.post(
        f"/{slug}/workshops/neu",
        {
            "title": "Musterhausen 2035",
            "guiding_question": "Wie sieht Musterhausen 2035 aus?",
            "deadline_individual": "2030-06-12T18:00",
            "deadline_pairs": "2030-06-19T18:00",
            "participant_ids": [str(ids[n]) for n in NAMES],
            "invite_emails": "neu@example.org",
        },
        status=302,
    )
    match = re.search(r"/workshops/(\d+)/$", url_of(response))
    assert match, url_of(response)
    wid = int(match.group(1))
    base = f"/{slug}/workshops/{wid}"
    overview = moderator.follow(response)
    assert "Musterhausen 2035" in overview
    assert "12. Juni 2030, 18:00" in overview  # German time, as typed
    w = workshop_row(town_id, wid)
    assert w.deadline_individual is not None and w.deadline_individual.hour == 16  # UTC
    assert w.invited_emails == ["neu@example.org"]
    assert [m["To"] for m in outbox.messages()] == ["neu@example.org"]
    assert 'aria-current="step"' in overview

    # --- step 1 ---------------------------------------------------------------------------
    moderator.post(f"{base}/schritt", {"to": "individual"}, status=302)
    assert "Ihren Entwurf schreiben und einreichen" in people["Anna"].html("/aufgaben")
    for name, visitor in people.items():
        page = visitor.html(f"{base}/entwurf")
        assert "Nur Sie sehen diesen Entwurf." in page
        visitor.post(
            f"{base}/entwurf",
            {
                "keywords": f"Idee von {name}\n- Glasfaser für alle",
                "text": f"Entwurf von {name}: Wir sind **digital** und nah.",
                "base_version": "0",
                "action": "save",
            },
            status=302,
        )
        saved = visitor.html(f"{base}/entwurf")
        assert "Gespeichert, aber noch nicht eingereicht." in saved
        assert "<strong>digital</strong>" in saved  # the preview renders Markdown
        visitor.post(
            f"{base}/entwurf",
            {
                "keywords": f"Idee von {name}\nGlasfaser für alle",
                "text": f"Entwurf von {name}: Wir sind **digital** und nah.",
                "base_version": "1",
                "action": "submit",
            },
            status=302,
        )
        assert "Eingereicht am" in visitor.html(f"{base}/entwurf")
    assert "Ihren Entwurf schreiben" not in people["Anna"].html("/aufgaben")
    # only Emil agrees to be named beside his keywords; the others stay "Beitrag …"
    people["Emil"].post(f"{base}/entwurf/namensnennung", {"agreed": "y"}, status=302)
    status_page = moderator.html(f"{base}/")
    assert status_page.count("eingereicht am") == len(NAMES)
    assert "Entwurf von Anna" not in status_page

    # --- pairing ----------------------------------------------------------------------------
    response = moderator.post(f"{base}/schritt", {"to": "pairs", "seed": "42"}, status=302)
    assert url_of(response).endswith("/paare")
    pairing = moderator.follow(response)
    assert "Nummer dieser Einteilung: 42" in pairing
    assert "Startwert" not in pairing  # no jargon
    assert "Dreiergruppe" in pairing
    with tenant_scope(town_id):
        pairs = db.scalars(select(Pair).where(Pair.workshop_id == wid).order_by(Pair.number)).all()
        groups = [[m.user_id for m in p.members] for p in pairs]
    assert sorted(len(g) for g in groups) == [2, 3]
    a, b = groups[0][0], groups[1][0]
    moderator.post(f"{base}/paare/tauschen", {"user_a": str(a), "user_b": str(b)}, status=302)
    groups[0][0], groups[1][0] = b, a
    moderator.post(f"{base}/paare/bestaetigen", status=302)
    assert workshop_row(town_id, wid).step1_closed
    with tenant_scope(town_id):
        pair_ids = {
            p.number: p.id for p in db.scalars(select(Pair).where(Pair.workshop_id == wid)).all()
        }
        members = {
            p.id: [m.user_id for m in p.members]
            for p in db.scalars(select(Pair).where(Pair.workshop_id == wid)).all()
        }
    by_id = {v: k for k, v in ids.items()}
    assert sorted(sorted(m) for m in members.values()) == sorted(sorted(g) for g in groups)

    # --- step 2 -----------------------------------------------------------------------------
    for pair_id, member_ids in members.items():
        names = [by_id[i] for i in member_ids]
        first, second = people[names[0]], people[names[1]]
        page = first.html(f"/{slug}/paare/{pair_id}")
        for partner in names[1:]:
            assert f"Entwurf von {partner}: Wir sind" in page
        assert f"Entwurf von {names[0]}: Wir sind" in page  # own draft, folded away
        # feedback on each partner's draft
        with tenant_scope(town_id):
            from visionswerk.workshops.models import Draft

            drafts = {
                d.author_id: d.id
                for d in db.scalars(select(Draft).where(Draft.workshop_id == wid)).all()
            }
        for partner in names[1:]:
            draft_id = drafts[ids[partner]]
            first.post(
                f"/{slug}/paare/{pair_id}/rueckmeldung",
                {
                    "draft_id": str(draft_id),
                    f"d{draft_id}-especially_good": "Die Nähe zu den Menschen.",
                    f"d{draft_id}-to_sharpen": "Was heißt digital konkret?",
                },
                status=302,
            )
        assert "Die Nähe zu den Menschen." in second.html(f"/{slug}/paare/{pair_id}")
        # two members save from the same version: one wins, the other sees both texts
        first.post(
            f"/{slug}/paare/{pair_id}/vorschlag",
            {"text": f"Vorschlag von {names[0]}", "keywords": "Bürgerportal", "base_version": "0"},
            status=302,
        )
        conflict = second.post(
            f"/{slug}/paare/{pair_id}/vorschlag",
            {"text": f"Vorschlag von {names[1]}", "keywords": "Dorfladen", "base_version": "0"},
            status=409,
        ).get_data(as_text=True)
        assert f"Vorschlag von {names[0]}" in conflict and f"Vorschlag von {names[1]}" in conflict
        second.post(
            f"/{slug}/paare/{pair_id}/vorschlag",
            {
                "text": f"Vorschlag von {names[0]} und {names[1]}",
                "keywords": "Bürgerportal\nDorfladen",
                "base_version": "1",
            },
            status=302,
        )
        for name in names:
            people[name].post(f"/{slug}/paare/{pair_id}/fertig", {"ready": "1"}, status=302)
    progress = moderator.html(f"{base}/paare")
    assert progress.count("ja, alle") == len(members)
    assert "Vorschlag von" not in progress  # progress, never content

    # --- step 3 -----------------------------------------------------------------------------
    moderator.post(f"{base}/schritt", {"to": "plenary"}, status=302)
    with tenant_scope(town_id):
        proposals = {
            p.pair_id: p.id
            for p in db.scalars(select(PairProposal).where(PairProposal.workshop_id == wid))
        }
    plenary = people["Anna"].html(f"{base}/alle")
    for name in NAMES:
        assert f"Idee von {name}" in plenary  # everyone's step-1 keywords
    assert "<dt>Emil</dt>" in plenary and "<dt>Anna</dt>" in plenary  # consented; herself
    assert "<dt>Ben</dt>" not in plenary and "<dt>Beitrag B</dt>" in plenary
    assert "<dt>Ben</dt>" not in moderator.html(f"{base}/alle")  # the same for the facilitator
    assert "Vorschlag von" in plenary
    first_proposal = proposals[pair_ids[1]]
    people["Anna"].post(
        f"/{slug}/vorschlaege/{first_proposal}/staerke",
        {f"s{first_proposal}-note": "Konkret und nah", "action": "mark"},
        status=302,
    )
    people["Ben"].post(
        f"/{slug}/vorschlaege/{first_proposal}/kommentar",
        {f"c{first_proposal}-text": "Schön – gefällt mir 👍"},
        status=302,
    )
    plenary = people["Cem"].html(f"{base}/alle")
    assert "Anna: Konkret und nah" in plenary and "Schön – gefällt mir 👍" in plenary

    with tenant_scope(town_id):
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == wid)).all()
        labels = {a.id: a.label for a in aspects}
    lines = sorted(set(labels.values()) - {"Idee von Emil"})
    vision_text = "Musterhausen ist 2035 digital und nah.\n\n" + "\n".join(f"- {x}" for x in lines)
    moderator.post(
        f"{base}/vision",
        {"title": "Vision Musterhausen 2035", "text": vision_text, "base_version": "0"},
        status=302,
    )
    glasfaser = [i for i, label in labels.items() if label == "Glasfaser für alle"]
    assert len(glasfaser) == len(NAMES)
    moderator.post(
        f"{base}/aspektgruppen",
        {"aspect_ids": [str(i) for i in glasfaser], "label": "Glasfaser"},
        status=302,
    )
    with tenant_scope(town_id):
        group_id = db.scalar(select(Aspect.group_id).where(Aspect.id == glasfaser[0]))
    moderator.post(
        f"/{slug}/aspektgruppen/{group_id}",
        {"action": "take_up", "passage": "glasfaser FÜR alle"},
        status=302,
    )
    # a passage that is not in the text is refused beside the aspect, the typed text kept
    some = next(i for i, label in labels.items() if label == "Idee von Anna")
    refused = moderator.post(
        f"/{slug}/aspekte/{some}", {"action": "take_up", "passage": "Steht nicht drin"}, status=422
    ).get_data(as_text=True)
    assert "Diese Stelle steht (noch) nicht im Visionstext." in refused
    assert ">Steht nicht drin</textarea>" in refused  # kept in the ledger's passage field
    assert f'value="{some}" id="c{some}" checked' in refused
    for aspect_id, label in labels.items():
        if aspect_id in glasfaser:
            continue
        if label == "Idee von Emil":
            data = {"action": "set_aside", "reason": "Schon im Regionalplan."}
        else:
            data = {"action": "take_up", "passage": label}
        moderator.post(f"/{slug}/aspekte/{aspect_id}", data, status=302)
    ledger = moderator.html(f"{base}/vision")
    assert "Alle Aspekte sind entschieden." in ledger
    assert "Zurückgestellt" in ledger and "Schon im Regionalplan." in ledger
    assert 'class="fill w-' in ledger  # the coverage bars
    total = len(labels)
    assert f"{total - 1} von {total} aufgenommen" in text_of(ledger)
    # Emil's own idea is set aside: his row says so in numbers (taken up, set aside, open)
    assert "Emil 1 von 2 (50 %) 1 0" in text_of(ledger)

    # --- signing ------------------------------------------------------------------------------
    response = moderator.post(f"{base}/schritt", {"to": "signing"}, status=302)
    signing = moderator.follow(response)
    with tenant_scope(town_id):
        version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == wid))
        assert version is not None
        sha, version_id = version.sha256, version.id
    # people read a short fingerprint; the full hash is where it is verified
    assert fingerprint(sha) in signing and sha not in text_of(signing)
    moderator.post(
        f"{base}/unterzeichnende",
        {"kind": "account", "user_id": str(ids["Anna"]), "function": "Teilnehmerin"},
        status=302,
    )
    moderator.post(
        f"{base}/unterzeichnende",
        {"kind": "account", "user_id": str(councillor_id), "function": "Gemeinderat"},
        status=302,
    )
    added = moderator.post(
        f"{base}/unterzeichnende",
        {
            "kind": "person",
            "name": "Erika Muster",
            "function": "Bürgermeisterin",
            "email": "erika@example.org",
        },
        status=302,  # to the signing page, which shows the link once (a reload adds nobody)
    )
    shown = moderator.follow(added)
    link = re.search(r'value="(http://localhost/[^"]+/unterschreiben/[^"]+)"', shown)
    assert link, "the link is shown once"
    assert link.group(1) in outbox.links()
    assert link.group(1) in outbox.html_links()
    assert link.group(1) not in moderator.html(f"{base}/bestaetigung")  # only once

    anna = people["Anna"]
    sign_page = anna.html(f"{base}/bestaetigung")
    assert f'value="{sha}"' in sign_page
    assert "Die Vision lesen und unterschreiben" in anna.html("/aufgaben")
    anna.post(f"{base}/unterschreiben", {"sha256": sha, "confirm": "y"}, status=302)
    assert "Sie haben am" in anna.html(f"{base}/bestaetigung")

    guest = Visitor(app)
    path = link.group(1).removeprefix("http://localhost")
    guest_page = guest.html(path)
    assert "Erika Muster, Bürgermeisterin" in guest_page and sha in guest_page
    done = guest.post(path, {"sha256": sha, "confirm": "y"}, status=200).get_data(as_text=True)
    assert "Danke für Ihre Unterschrift!" in done
    assert "Link schon benutzt" in guest.html(path, status=410)

    # adopting is final: without the tick the page asks for it and nothing changes
    refused = moderator.post(f"{base}/schritt", {"to": "adopted"}, status=422)
    assert "Bitte bestätigen Sie mit dem Häkchen" in refused.get_data(as_text=True)
    moderator.post(f"{base}/schritt", {"to": "adopted", "confirm_adopt": "y"}, status=302)
    assert workshop_row(town_id, wid).phase == Phase.ADOPTED
    with tenant_scope(town_id):
        signatures = db.scalars(select(Signature).where(Signature.version_id == version_id)).all()
        assert {s.name for s in signatures} == {"Anna", "Erika Muster"}
        assert {s.sha256 for s in signatures} == {sha}
        statuses = db.scalars(select(Aspect.status).where(Aspect.workshop_id == wid)).all()
        assert len(statuses) == len(labels) and AspectStatus.OPEN not in statuses

    adopted = people["Dora"].html(f"{base}/beschlossen")
    assert "Vision Musterhausen 2035" in adopted and sha in adopted
    assert "Erika Muster" in adopted and "Bürgermeisterin" in adopted and " Uhr" in adopted
    assert "UTC" not in adopted  # signature times are local
    assert "Die Prüfsumme passt zum Text" in adopted
    assert "Rätin Klee" not in adopted  # listed, but did not sign

    # the adopted vision is public only when the municipality says so
    guest.get(f"{base}/beschlossen", status=404)
    tenant = db.get(Tenant, town_id)
    assert tenant is not None
    tenant.visions_public = True
    make.commit()
    assert "Vision Musterhausen 2035" in guest.html(f"{base}/beschlossen")
