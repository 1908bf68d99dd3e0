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
