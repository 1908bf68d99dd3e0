"""The demo tells the story of issue 4 at a glance."""

from __future__ import annotations

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.platform.demo import seed_demo
from visionswerk.tenants.accounts import user_by_email
from visionswerk.tenants.models import Tenant
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs


def test_demo_region_overview_story(app) -> None:  # type: ignore[no-untyped-def]
    assert seed_demo() is not None
    region = db.scalar(select(Tenant).where(Tenant.slug == "musterland"))
    coordinator = user_by_email("ile@musterland.example")
    with tenant_scope(region.id):
        rows = {r.slug: r for r in vs.region_overview(coordinator, [region])}
        assert vs.newest_adopted(region.id).number == 2
    assert rows["auental"].parent_number == 1 and rows["auental"].parent_outdated
    assert rows["auental"].adopted_number == 1
    assert rows["beispielbach"].parent_number == 2 and not rows["beispielbach"].parent_outdated
    assert rows["beispielbach"].stage == "adopted"
    assert rows["musterhausen"].stage == "pairs" and rows["musterhausen"].parent_number == 2
    assert not rows["musterhausen"].parent_outdated
    notices = vs.notices_for(user_by_email("moderation@auental.example"))
    assert [n.tenant.slug for n in notices] == ["auental"]


def test_demo_data_is_what_a_real_run_leaves_behind(app, client) -> None:  # type: ignore[no-untyped-def]
    """Issue 9, defect 3: adopted visions verify everywhere (no false tampering alarm),
    adopted workshops had ready pairs, deadlines are 18:00 German time, Beispielbach
    embeds its two chosen ILE statements."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tests.conftest import login
    from visionswerk.platform.demo import DEMO_PASSWORD
    from visionswerk.workshops import signing
    from visionswerk.workshops.models import PairMember, Phase, VisionVersion, Workshop

    assert seed_demo() is not None
    db.commit()
    db.remove()
    berlin = ZoneInfo("Europe/Berlin")
    towns = db.scalars(
        select(Tenant).where(Tenant.slug.in_(["auental", "beispielbach", "musterhausen"]))
    ).all()
    adopted: list[tuple[str, int, int]] = []
    for town in towns:
        with tenant_scope(town.id):
            for w in db.scalars(select(Workshop)):
                for phase in ("individual", "pairs", "plenary", "signing"):
                    due = w.deadline(phase)
                    assert due is not None, (town.slug, phase)
                    local = due.astimezone(berlin)
                    assert (local.hour, local.minute) == (18, 0), (town.slug, phase, local)
                if w.phase != Phase.ADOPTED:
                    continue
                members = db.scalars(select(PairMember).where(PairMember.workshop_id == w.id))
                assert all(m.ready for m in members)
                version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == w.id))
                assert version.embedded_parent_version_id is not None
                adopted.append((town.slug, w.id, version.id))
        db.remove()  # each check in a fresh session, like a request
        with tenant_scope(town.id):
            for _slug, _wid, vid in [a for a in adopted if a[0] == town.slug]:
                assert signing.verify(db.get(VisionVersion, vid)), town.slug
        db.remove()
    assert {a[0] for a in adopted} == {"auental", "beispielbach"}

    login(client, type("U", (), {"email": "moderation@beispielbach.example"}), DEMO_PASSWORD)
    slug, wid, vid = next(a for a in adopted if a[0] == "beispielbach")
    html = client.get(f"/{slug}/workshops/{wid}/beschlossen").get_data(as_text=True)
    assert "Die Prüfsumme passt nicht" not in html
    assert "Schnelles Internet in jedem Ortsteil" in html and "Barbara Beispiel" in html
    data = client.get(f"/api/v1/{slug}/visions/{vid}").get_json()
    assert data["verified"] is True
    assert data["embedded_parent"]["statements"] == [
        "Schnelles Internet in jedem Ortsteil",
        "Dorfläden mit Paketstation und Bürgerterminal",
    ]
    assert dt.datetime.fromisoformat(data["adopted_at"]).tzinfo is not None
