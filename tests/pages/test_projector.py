"""The projector view ("Beamer-Ansicht") and joining from a phone, through the pages.

The projector is for those who run the workshop; the room reads it, so it shows nothing a
participant could not see at that moment: counts instead of names before step 3, the
pairs' proposals with strengths and comments only in step 3. The join code leads an
invited participant to the current step; everybody else reads why not (404, the same for
an unknown code and another tenant's workshop)."""

from __future__ import annotations

import datetime as dt
import os
import re
import time

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from visionswerk import db as dbmod
from visionswerk.db import db, utcnow
from visionswerk.platform.workshops import live_stream
from visionswerk.platform.workshops.projector_views import time_left
from visionswerk.tenants.models import Role
from visionswerk.workshops import join_codes, live
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Workshop

SECRET = "GEHEIMTEXT-Schloßallee"


def beamer(setup) -> str:  # type: ignore[no-untyped-def]
    return f"/{setup.tenant.slug}/workshops/{setup.id}/beamer"


def code_of(setup) -> str:  # type: ignore[no-untyped-def]
    with setup.scope():
        return str(db.get(Workshop, setup.id).join_code)


# --- the projector page -----------------------------------------------------------------


def test_step_1_shows_step_question_deadline_and_how_many_submitted_never_who(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="individual", participants=4)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.save_draft(setup.participants[0], w, keywords=[SECRET], text=SECRET, submit=True)
        ws.save_draft(setup.participants[1], w, keywords=["nicht eingereicht"], text="x")
        # two days and an hour from now
        w.deadline_individual = utcnow().replace(microsecond=0) + dt.timedelta(days=2, hours=1)
        db.commit()
        deadline = w.deadline_individual
    facilitator = Visitor(app, setup.facilitator.email)
    html = facilitator.html(beamer(setup))
    text = text_of(html)
    assert "<h1>Schritt 1: Einzelarbeit</h1>" in html
    assert "Wie sieht unsere Kommune im Jahr 2035 aus?" in text
    assert "1 von 4 Entwürfen eingereicht" in text
    assert re.search(r"noch 2 Tage und (0|1) Std\.", text), text
    local = deadline.astimezone(dt.timezone(dt.timedelta(hours=1)))  # Berlin in winter
    assert f"{local:%H:%M} Uhr" in text and "UTC" not in text
    # never who: no participant's name is on the page
    for person in setup.participants:
        assert person.display_name not in text
    assert SECRET not in html
    # the join box: QR code drawn on the server, the code in two groups, the address
    code = code_of(setup)
    assert "<svg" in html and 'aria-label="QR-Code zum Mitmachen"' in html
    assert f"{code[:3]} {code[3:]}" in text
    assert f"http://localhost/mitmachen/{code}" in html
    assert 'href="/mitmachen"' in html
    # the fragment the page reloads says the same, and is never cached
    state = facilitator.get(beamer(setup) + "/stand")
    assert state.headers["Cache-Control"] == "no-store"
    assert "1 von 4 Entwürfen eingereicht" in text_of(state.get_data(as_text=True))
    assert "<html" not in state.get_data(as_text=True)


def test_step_2_shows_groups_ready_and_no_proposal_text(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="pairs", participants=4)
    with setup.scope():
        pair = db.scalars(select(Pair).where(Pair.workshop_id == setup.id)).first()
        member = next(p for p in setup.participants if p.id in pair.member_ids)
        ws.save_proposal(member, pair, SECRET, ["GEHEIMWORT"], 0)
        for uid in pair.member_ids:
            ws.mark_ready(next(p for p in setup.participants if p.id == uid), pair)
        db.commit()
    html = Visitor(app, setup.facilitator.email).html(beamer(setup))
    assert "1 von 2 Gruppen fertig" in text_of(html)
    assert SECRET not in html and "GEHEIMWORT" not in html


def test_step_3_shows_proposals_with_strengths_and_comments(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=4)
    with setup.scope():
        proposals = ws.plenary_overview(setup.facilitator, setup.workshop).proposals
        first = proposals[0].proposal
        a, b = setup.participants[:2]
        ws.mark_strength(a, first, "Mutig und konkret")
        ws.mark_strength(b, first)
        ws.add_comment(b, first, "Was heißt das für die Feuerwehr?")
        draft_text = ws.draft_for(a, setup.workshop).text
        db.commit()
    html = Visitor(app, setup.facilitator.email).html(beamer(setup))
    text = text_of(html)
    assert "Schritt 3: Alle zusammen" in text
    assert "Die Vorschläge der Paare" in text
    assert "2 Stärken markiert · 1 Kommentar" in text
    card = html.split(f'id="beamer-vorschlag-{first.id}"', 1)[1].split("</li>\n", 1)[0]
    assert "2 Stärken" in text_of(card)
    assert "Mutig und konkret" in card
    assert "Was heißt das für die Feuerwehr?" in card
    assert first.text.split(":")[0] in card  # the proposal's text
    # what no participant sees on the plenary page is not on the projector either
    assert draft_text not in html


def test_in_signing_the_projector_counts_signatures(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="signing", participants=2)
    html = Visitor(app, setup.facilitator.email).html(beamer(setup))
    assert "0 von 1 Unterschrift" in text_of(html)
    assert "Die Vorschläge der Paare" not in html


@pytest.mark.parametrize("who", ["participant", "coordinator", "platform admin", "member"])
def test_only_those_who_run_the_workshop_open_the_projector(
    app: Flask, make: Factory, who: str
) -> None:
    region = make.region()
    town = make.municipality(region)
    setup = make.workshop(town, phase="plenary", participants=2)
    page, overview_url = beamer(setup), f"/{town.slug}/workshops/{setup.id}/"
    email = {
        "participant": lambda: setup.participants[0].email,
        "coordinator": lambda: make.user(region, Role.COORDINATOR).email,
        "platform admin": lambda: make.user(admin=True).email,
        "member": lambda: make.user(town, Role.PARTICIPANT).email,
    }[who]()
    visitor = Visitor(app, email, who)
    for url in (page, page + "/stand"):
        response = visitor.get(url, status=None)
        assert response.status_code in (403, 404), (who, url, response.status_code)
        assert "Vorschlag 1" not in response.get_data(as_text=True)
    overview = visitor.get(overview_url, status=None)
    assert "Beamer-Ansicht" not in overview.get_data(as_text=True)


def test_another_tenants_projector_is_404(app: Flask, make: Factory) -> None:
    mine = make.workshop(phase="individual", participants=2)
    theirs = make.workshop(phase="individual", participants=2)
    facilitator = Visitor(app, mine.facilitator.email)
    facilitator.get(f"/{mine.tenant.slug}/workshops/{theirs.id}/beamer", status=404)
    facilitator.get(f"/{theirs.tenant.slug}/workshops/{theirs.id}/beamer", status=404)
    facilitator.get(f"/{mine.tenant.slug}/workshops/{theirs.id}/beamer/stand", status=404)


def test_the_overview_links_the_projector_with_help_for_the_room(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    html = Visitor(app, setup.facilitator.email).html(f"/{setup.tenant.slug}/workshops/{setup.id}/")
    assert "Im Raum: Beamer und Smartphones" in html
    assert f'href="{beamer(setup)}"' in html
    code = code_of(setup)
    assert f"Code: {code[:3]} {code[3:]}" in text_of(html)


def test_time_left_reads_like_a_timer() -> None:
    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    assert time_left(None, now) == ""
    assert time_left(now + dt.timedelta(days=1, hours=3, minutes=5), now) == (
        "noch 1 Tag und 3 Std."
    )
    assert time_left(now + dt.timedelta(days=3), now) == "noch 3 Tage und 0 Std."
    assert time_left(now + dt.timedelta(hours=2, minutes=7), now) == "noch 2 Std. und 7 Min."
    assert time_left(now + dt.timedelta(minutes=4, seconds=5), now) == "noch 4:05 Min."
    assert time_left(now - dt.timedelta(seconds=1), now) == "Die Frist ist abgelaufen."


# --- join codes ---------------------------------------------------------------------------


def test_codes_avoid_characters_people_mix_up() -> None:
    codes = {join_codes.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 6 and not set(code) & set("0O1IL2Z5S8BDQUVJ")
    assert join_codes.normalise(" k7m-4rx ") == "K7M4RX"
    assert join_codes.normalise("K7M 4RX") == "K7M4RX"
    for bad in ("", "K7M4R", "K7M4RXX", "K7M40X", "K7M4RÖ", None):
        assert join_codes.normalise(bad) is None
    assert join_codes.display("K7M4RX") == "K7M 4RX"


def test_a_code_is_unique_within_the_tenant(make: Factory) -> None:
    setup = make.workshop(phase="preparation", participants=0)
    code = code_of(setup)
    other = make.workshop(phase="preparation", participants=0)  # another tenant: may repeat
    with other.scope():
        db.get(Workshop, other.id).join_code = code
        db.flush()
    with setup.scope():
        twin = ws.create_workshop(setup.facilitator, setup.tenant, "Zwilling")
        twin.join_code = code
        with pytest.raises(IntegrityError, match=r"uq_workshops_tenant_id_join_code|UNIQUE"):
            db.flush()
        db.rollback()


@pytest.mark.parametrize(
    ("phase", "confirmed", "lands_on"),
    [
        ("preparation", True, r"/workshops/\d+/$"),
        ("individual", True, r"/workshops/\d+/entwurf$"),
        ("pairs", False, r"/workshops/\d+/entwurf$"),
        ("pairs", True, r"/paare/\d+$"),
        ("plenary", True, r"/workshops/\d+/alle$"),
        ("signing", True, r"/workshops/\d+/bestaetigung$"),
    ],
)
def test_the_code_leads_a_participant_to_the_current_step(
    app: Flask, make: Factory, phase: str, confirmed: bool, lands_on: str
) -> None:
    setup = make.workshop(phase=phase, participants=2, confirmed=confirmed)
    code = code_of(setup)
    participant = Visitor(app, setup.participants[0].email)
    # tap 1: the form on /mitmachen (as typed from the projector); tap 2: the step
    typed = participant.get(f"/mitmachen?code={code[:3].lower()}+{code[3:]}", status=302)
    assert typed.headers["Location"] == f"/mitmachen/{code}"
    response = participant.get(f"/mitmachen/{code}", status=302)
    assert re.search(lands_on, response.headers["Location"]), response.headers["Location"]
    assert response.headers["Location"].startswith(f"/{setup.tenant.slug}/")
    participant.follow(response)  # and the page opens


def test_the_facilitator_lands_on_the_overview(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    response = Visitor(app, setup.facilitator.email).get(f"/mitmachen/{code_of(setup)}", status=302)
    assert response.headers["Location"] == f"/{setup.tenant.slug}/workshops/{setup.id}/"


def test_somebody_not_logged_in_logs_in_and_comes_back(app: Flask, make: Factory) -> None:
    from tests.factories import PASSWORD

    setup = make.workshop(phase="individual", participants=2)
    code = code_of(setup)
    anonymous = Visitor(app)
    response = anonymous.get(f"/mitmachen/{code}", status=302)
    login_url = response.headers["Location"]
    assert login_url.startswith("/anmelden") and "mitmachen" in login_url
    page = anonymous.client.get(login_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = anonymous.client.post(
        login_url,
        data={"email": setup.participants[0].email, "password": PASSWORD,
              "csrf_token": token.group(1)},
    )  # fmt: skip
    assert response.headers["Location"] == f"/mitmachen/{code}"
    response = anonymous.get(f"/mitmachen/{code}", status=302)
    assert response.headers["Location"].endswith(f"/workshops/{setup.id}/entwurf")


def test_somebody_not_invited_reads_why_and_another_tenants_workshop_stays_hidden(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="individual", participants=2, title="Geheimer Workshop B")
    code = code_of(setup)
    name, slug = setup.tenant.name, setup.tenant.slug
    elsewhere = make.workshop(phase="individual", participants=2)
    for who, email in (
        ("member of the tenant, not invited", make.user(setup.tenant, Role.PARTICIPANT).email),
        ("participant of another tenant", elsewhere.participants[0].email),
        ("facilitator of another tenant", elsewhere.facilitator.email),
    ):
        visitor = Visitor(app, email, who)
        known = visitor.get(f"/mitmachen/{code}", status=404).get_data(as_text=True)
        assert "Zu diesem Code finden wir keinen Workshop für Sie" in known, who
        assert "Mitmachen kann nur, wen die Moderation eingeladen hat." in known
        assert "Geheimer Workshop B" not in known and name not in known
        assert slug not in known
        # the same answer as for a code that exists nowhere: no oracle
        unknown = visitor.get("/mitmachen/AAAAAA", status=404).get_data(as_text=True)
        assert text_of(unknown).replace("AAAAAA", code) == text_of(known), who


def test_a_mistyped_code_is_a_clear_4xx(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    participant = Visitor(app, setup.participants[0].email)
    html = participant.get("/mitmachen", status=200).get_data(as_text=True)
    assert 'name="code"' in html and "Code vom Beamer" in html
    page = participant.get("/mitmachen?code=K7M-40", status=422).get_data(as_text=True)
    assert "Ein Code hat sechs Zeichen" in page and 'aria-invalid="true"' in page
    assert 'value="K7M-40"' in page  # what was typed stays
    participant.get("/mitmachen/" + "X" * 300, status=404)


# --- live updates (server-sent events through Redis pub/sub) -----------------------------

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
STREAM = {"Accept": "text/event-stream"}


def _proposal_url(setup) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    with setup.scope():
        proposal = ws.plenary_overview(setup.facilitator, setup.workshop).proposals[0].proposal
        return f"/{setup.tenant.slug}/vorschlaege/{proposal.id}/staerke", proposal.id


def _next_event(chunks, seconds: float = 5) -> str:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        chunk = next(chunks).decode()
        if not chunk.startswith(":"):
            return str(chunk)
    raise AssertionError("no event")


@needs_redis
def test_the_stream_says_change_after_a_strength_is_marked_and_committed(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_stream, "STREAM_SECONDS", 6.0)
    setup = make.workshop(phase="plenary", participants=2)
    url, pid = _proposal_url(setup)
    page, slug = beamer(setup), setup.tenant.slug
    emails = setup.facilitator.email, setup.participants[0].email
    facilitator, participant = Visitor(app, emails[0]), Visitor(app, emails[1])
    stream = facilitator.client.get(page + "/live", headers=STREAM, buffered=False)
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    assert stream.headers["Cache-Control"] == "no-store"
    chunks = stream.iter_encoded()
    assert _next_event(chunks) == "retry: 1000\n\n"
    participant.post(
        f"/{slug}/vorschlaege/{pid}/kommentar", {f"c{pid}-text": ""}, status=422
    )  # fmt: skip  (refused: nothing sent)
    participant.post(url, {f"s{pid}-note": "Stark"}, status=302)
    started = time.monotonic()
    event = _next_event(chunks)
    assert event == "event: change\ndata: {}\n\n"  # no content travels through Redis
    assert time.monotonic() - started < 2
    stream.close()


@needs_redis
def test_a_change_is_published_only_after_the_commit(app: Flask, make: Factory) -> None:
    import redis

    setup = make.workshop(phase="plenary", participants=2)
    settings = app.config["VISIONSWERK"]
    pubsub = redis.Redis.from_url(settings.redis_url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"{settings.ratelimit_key_prefix}:{live.channel(setup.id)}")
    with app.app_context(), setup.scope():
        proposal = ws.plenary_overview(setup.facilitator, setup.workshop).proposals[0].proposal
        ws.add_comment(setup.participants[0], proposal, "Verworfen")
        dbmod.rollback()
        assert pubsub.get_message(timeout=0.5) is None
        proposal = ws.plenary_overview(setup.facilitator, setup.workshop).proposals[0].proposal
        ws.add_comment(setup.participants[0], proposal, "Gespeichert")
        assert pubsub.get_message(timeout=0.3) is None  # not before the commit
        dbmod.commit()
        message = pubsub.get_message(timeout=2)
    pubsub.close()
    assert message is not None and message["data"] == b"change"


@pytest.mark.parametrize("redis_url", [None, "redis://127.0.0.1:1/0"], ids=["none", "down"])
def test_without_a_reachable_redis_the_stream_answers_204_and_marking_still_works(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch, redis_url: str | None
) -> None:
    import dataclasses

    monkeypatch.setitem(
        app.config, "VISIONSWERK", dataclasses.replace(app.config["VISIONSWERK"],
                                                       redis_url=redis_url)
    )  # fmt: skip
    setup = make.workshop(phase="plenary", participants=2)
    url, pid = _proposal_url(setup)
    page, email = beamer(setup), setup.participants[0].email
    facilitator = Visitor(app, setup.facilitator.email)
    response = facilitator.client.get(page + "/live", headers=STREAM)
    assert response.status_code == 204 and response.get_data() == b""
    participant = Visitor(app, email)
    participant.post(url, {f"s{pid}-note": "Trotzdem"}, status=302)
    assert "Trotzdem" in facilitator.html(page + "/stand")  # what polling reads


def test_the_stream_is_for_event_sources_and_the_facilitator_only(
    app: Flask, make: Factory
) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    url = beamer(setup) + "/live"
    facilitator = Visitor(app, setup.facilitator.email)
    assert facilitator.client.get(url).status_code == 406  # a browser tab, not an EventSource
    participant = Visitor(app, setup.participants[0].email)
    assert participant.client.get(url, headers=STREAM).status_code == 403


@needs_redis
def test_every_count_the_projector_shows_is_published_when_it_changes(
    app: Flask, make: Factory
) -> None:
    """Not only step 3: a submitted draft, the move to step 2, confirmed pairs, a saved
    proposal and a proposal marked ready each tell the projector (after the commit), so
    the room sees its counts move at once, not at the next reconnect."""
    import redis

    from visionswerk.tenants.models import User

    setup = make.workshop(phase="individual", participants=4)
    settings = app.config["VISIONSWERK"]
    pubsub = redis.Redis.from_url(settings.redis_url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"{settings.ratelimit_key_prefix}:{live.channel(setup.id)}")

    def said(action) -> bool:  # type: ignore[no-untyped-def]
        while pubsub.get_message(timeout=0.05) is not None:
            pass  # what earlier commits said
        action()
        dbmod.commit()
        return pubsub.get_message(timeout=2) is not None

    with app.app_context(), setup.scope():
        w, boss = setup.workshop, setup.facilitator
        people = [db.get(User, p.id) for p in setup.participants]
        for i, person in enumerate(people[:-1]):
            ws.save_draft(person, w, keywords=["Rufbus"], text=f"Entwurf {i}")
            assert said(lambda p=person: ws.submit_draft(p, w)), "submitted draft"
        last = people[-1]  # "Speichern und einreichen": saved and submitted in one go
        assert said(lambda: ws.save_draft(last, w, keywords=["Rufbus"], text="x", submit=True))
        assert said(lambda: ws.open_pairs(boss, w, seed=1)), "pairs proposed"
        assert said(lambda: ws.confirm_pairs(boss, w)), "pairs confirmed"
        pair = db.scalars(select(Pair).where(Pair.workshop_id == w.id)).first()
        member = db.get(User, pair.member_ids[0])
        assert said(lambda: ws.save_proposal(member, pair, "Rufbus für alle.", [], 0))
        assert said(lambda: ws.mark_ready(member, pair)), "marked ready"
    pubsub.close()
