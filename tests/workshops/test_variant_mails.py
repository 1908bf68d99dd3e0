"""The mails say how the steps run (issue 14): a group of four is told it works as a
group, step 2 is named by the group size, and after step 2 was left out nobody is asked
to mark the strengths of proposals that do not exist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker import notifications, outbox
from visionswerk.worker.models import OutgoingEmail
from visionswerk.workshops import services as ws


def _mails(settings: Settings, tenant_id: int) -> list[tuple[str, str, str]]:
    notifications.scan(settings, dt.datetime.now(dt.UTC))
    rows = db.scalars(
        select(OutgoingEmail).where(
            OutgoingEmail.tenant_id == tenant_id,
            OutgoingEmail.idempotency_key.startswith("notify:"),
        )
    )
    return [(m.to, m.subject, outbox.unseal(settings.secret_key, m.text)) for m in rows]


def test_a_group_of_four_is_told_it_works_as_a_group(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="pairs", participants=8, group_size=4)
    mails = _mails(settings, s.tenant.id)
    grouped = [(sub, text) for _to, sub, text in mails if not sub.startswith("Neuer Schritt")]
    assert len(grouped) == 8
    for subject, text in grouped:
        assert subject.startswith("Ihre Gruppe steht fest")
        assert "in einer Gruppe mit" in text and "zu zweit" not in text


def test_after_step_2_was_left_out_nobody_is_asked_to_mark_strengths(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=3)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, skip_pairs=True)
        for person in s.participants:
            ws.save_draft(person, s.workshop, keywords=["Dorfladen"], text="", submit=True)
        ws.skip_pairs(s.facilitator, s.workshop)
        db.commit()
    texts = [t for _to, sub, t in _mails(settings, s.tenant.id) if "Alle zusammen" in sub]
    assert texts
    for text in texts:
        assert "Stichpunkte aus der Einzelarbeit" in text and "Stärken" not in text
