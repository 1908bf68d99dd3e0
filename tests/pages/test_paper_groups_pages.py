"""In the room, step 2 and the round of four (issue 14): the facilitator records a group's
proposal written on paper (all members are then ready, the proposal says "von der
Moderation erfasst") and "fertig" for a member without a device, on the group's page —
which never shows the facilitator the group's own text. What the group saved itself is
never overwritten; a participant cannot record for others; another tenant gets 404."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, PairMember, PairProposal


def _pair(s, round: int = 1) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    with s.scope():
        pair = db.scalar(
            select(Pair).where(Pair.workshop_id == s.id, Pair.round == round).order_by(Pair.number)
        )
        assert pair is not None
        return pair.id, list(pair.member_ids)


def _ready(pair_id: int) -> dict[int, bool]:
    rows = db.execute(
        select(PairMember.user_id, PairMember.ready_at).where(PairMember.pair_id == pair_id)
    )
    return {uid: at is not None for uid, at in rows}


def test_a_proposal_from_paper_makes_the_group_ready(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="pairs", participants=4)
    tid = s.tenant.id
    pair_id, members = _pair(s)
    url = f"/{s.tenant.slug}/paare/{pair_id}"
    boss = Visitor(app, s.facilitator.email)
    page = text_of(boss.html(url))
    assert "Im Raum: ohne Gerät" in page and "Vorschlag vom Blatt erfassen" in page
    empty = boss.post(f"{url}/papier-vorschlag", {"papier-text": " "}, 422)
    assert "vom Blatt ein" in text_of(empty.get_data(as_text=True))
    done = boss.post(
        f"{url}/papier-vorschlag",
        {"papier-text": "Wir wollen einen Dorfladen.", "papier-keywords": "Dorfladen"},
        302,
    )
    after = text_of(boss.follow(done))
    assert "Der Vorschlag vom Blatt ist erfasst" in after
    assert "Im Raum: ohne Gerät" not in after  # nothing left to record for this group
    with tenant_scope(tid):
        proposal = db.scalar(select(PairProposal).where(PairProposal.pair_id == pair_id))
        assert proposal is not None
        assert (proposal.text, proposal.keywords, proposal.version) == (
            "Wir wollen einen Dorfladen.", ["Dorfladen"], 1
        )  # fmt: skip
        assert _ready(pair_id) == dict.fromkeys(members, True)
        member = db.get(User, members[0])
        assert member is not None
        email = member.email
    seen = text_of(Visitor(app, email).html(url))
    assert "von der Moderation erfasst" in seen and "Wir wollen einen Dorfladen." in seen
    # a second sheet does not replace what is recorded (the group has a saved proposal now)
    again = boss.post(f"{url}/papier-vorschlag", {"papier-text": "Anders."}, 409)
    assert "schon selbst gespeichert" in text_of(again.get_data(as_text=True))


def test_the_facilitator_never_overwrites_nor_sees_what_a_group_saved(
    app: Flask, make: Factory
) -> None:
    s = make.workshop(phase="pairs", participants=4)
    tid = s.tenant.id
    pair_id, members = _pair(s)
    with s.scope():
        member = db.get(User, members[0])
        pair = db.get(Pair, pair_id)
        assert member is not None and pair is not None
        ws.save_proposal(member, pair, "Unser geheimer Entwurf.", ["Geheim"], 0)
        db.commit()
    url = f"/{s.tenant.slug}/paare/{pair_id}"
    boss = Visitor(app, s.facilitator.email)
    page = text_of(boss.html(url))
    assert "Unser geheimer Entwurf." not in page and "Vorschlag vom Blatt erfassen" not in page
    refused = boss.post(
        f"{url}/papier-vorschlag", {"papier-text": "Vom Blatt.", "papier-keywords": "Bank"}, 409
    )
    answer = text_of(refused.get_data(as_text=True))
    assert "Unser geheimer Entwurf." not in answer
    # what the facilitator typed comes back, marked as not saved
    assert "Ihre Eingabe vom Blatt ist nicht gespeichert." in answer
    assert "Ihr Text: Vom Blatt. Bank" in answer
    with tenant_scope(tid):
        proposal = db.scalar(select(PairProposal).where(PairProposal.pair_id == pair_id))
        assert proposal is not None and proposal.text == "Unser geheimer Entwurf."


def test_fertig_for_a_member_without_a_device(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="fours", participants=4, with_fours=True)
    tid = s.tenant.id
    four_id, members = _pair(s, round=2)
    url = f"/{s.tenant.slug}/paare/{four_id}"
    boss = Visitor(app, s.facilitator.email)
    with tenant_scope(tid):
        name = db.get(User, members[1]).display_name  # type: ignore[union-attr]
        email = db.get(User, members[0]).email  # type: ignore[union-attr]
    assert f"„Fertig“ für {name} erfassen" in text_of(boss.html(url))
    done = boss.post(f"{url}/fertig-fuer", {"user_id": str(members[1])}, 302)
    assert f"„Fertig“ für {name} ist erfasst." in text_of(boss.follow(done))
    with tenant_scope(tid):
        assert _ready(four_id) == {m: m == members[1] for m in members}
    boss.post(f"{url}/fertig-fuer", {"user_id": "999999"}, 422)
    # a member records only their own "fertig"; another tenant's facilitator sees nothing
    Visitor(app, email).post(f"{url}/fertig-fuer", {"user_id": str(members[2])}, 403)
    other = make.workshop(phase="fours", participants=4, with_fours=True)
    Visitor(app, other.facilitator.email).post(
        f"/{other.tenant.slug}/paare/{four_id}/fertig-fuer", {"user_id": str(members[2])}, 404
    )
    with tenant_scope(tid):
        assert _ready(four_id)[members[2]] is False
