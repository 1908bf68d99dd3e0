"""Demo data for the local run: ILE region Musterland with three municipalities and
one account per role. Later features add their part of the story here."""

from __future__ import annotations

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.accounts import create_user
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind

DEMO_PASSWORD = "musterland-2035"

REGION = ("musterland", "ILE Musterland")
MUNICIPALITIES = (
    ("musterhausen", "Gemeinde Musterhausen"),
    ("beispielbach", "Markt Beispielbach"),
    ("auental", "Gemeinde Auental"),
)
# (label, email, display name, tenant slug or None for the platform admin, role)
ACCOUNTS: tuple[tuple[str, str, str, str | None, Role | None], ...] = (
    ("Plattform-Admin", "admin@musterland.example", "Plattform-Admin", None, None),
    ("Koordination ILE Musterland", "ile@musterland.example", "Ilse Koordinatorin",
     "musterland", Role.COORDINATOR),
    ("Moderation Musterhausen", "moderation@musterhausen.example", "Moritz Moderator",
     "musterhausen", Role.FACILITATOR),
    ("Teilnahme Musterhausen", "teilnahme@musterhausen.example", "Sonnenblume",
     "musterhausen", Role.PARTICIPANT),
    ("Moderation Beispielbach", "moderation@beispielbach.example", "Bea Moderatorin",
     "beispielbach", Role.FACILITATOR),
    ("Moderation Auental", "moderation@auental.example", "Anton Moderator",
     "auental", Role.FACILITATOR),
)  # fmt: skip


def demo_credentials() -> list[tuple[str, str, str]]:
    """(label, email, password) of every demo account."""
    return [(label, email, DEMO_PASSWORD) for label, email, *_ in ACCOUNTS]


def seed_demo() -> list[tuple[str, str, str]] | None:
    """Create the demo once (flush, no commit); returns the credentials, or None if the
    demo region exists already."""
    if db.scalar(select(Tenant.id).where(Tenant.slug == REGION[0])) is not None:
        return None
    region = Tenant(slug=REGION[0], name=REGION[1], kind=TenantKind.REGION)
    db.add(region)
    db.flush()
    tenants = {region.slug: region}
    for slug, name in MUNICIPALITIES:
        tenants[slug] = Tenant(
            slug=slug, name=name, kind=TenantKind.MUNICIPALITY, parent_id=region.id
        )
        db.add(tenants[slug])
    db.flush()

    users = {}
    for _label, email, display_name, slug, role in ACCOUNTS:
        user = create_user(email, DEMO_PASSWORD, display_name, is_platform_admin=slug is None)
        users[email] = user
        if slug is not None and role is not None:
            db.add(Membership(user=user, tenant_id=tenants[slug].id, role=role))
    db.flush()
    for user in users.values():
        db.refresh(user)  # memberships for the policy

    from visionswerk.platform.workshops.demo import seed_room_story, seed_workbench_story

    # a workshop in step 3, for the workbench, and one in preparation for the room; both
    # started before (so neither is the current workshop of) the vision story's
    # "Musterhausen 2035"
    facilitator = users["moderation@musterhausen.example"]
    people = seed_workbench_story(
        tenants["musterhausen"], facilitator, users["teilnahme@musterhausen.example"], DEMO_PASSWORD
    )
    seed_room_story(tenants["musterhausen"], facilitator, people[:4])

    from visionswerk.platform.visions.demo import seed_vision_story

    seed_vision_story(tenants, users, DEMO_PASSWORD)  # ILE vision v1/v2 and three towns

    from visionswerk.worker.demo import seed_worker_story

    seed_worker_story(tenants, users)  # due reminders, a vision PDF built by the worker
    return demo_credentials()
