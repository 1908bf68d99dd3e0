"""Demo data for the local run: ILE region Musterland with three municipalities and
one account per role. Later features add their part of the story here."""

from __future__ import annotations

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.accounts import create_user
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind

DEMO_PASSWORD = "musterland-2035"


def seed_demo() -> list[tuple[str, str, str]] | None:
    """Create the demo once; returns (role, email, password) rows, or None if present."""
    if db.scalar(select(Tenant.id).where(Tenant.slug == "musterland")) is not None:
        return None
    region = Tenant(slug="musterland", name="ILE Musterland", kind=TenantKind.REGION)
    db.add(region)
    db.flush()
    towns = [
        Tenant(slug=slug, name=name, kind=TenantKind.MUNICIPALITY, parent_id=region.id)
        for slug, name in (
            ("musterhausen", "Gemeinde Musterhausen"),
            ("beispielbach", "Markt Beispielbach"),
            ("auental", "Gemeinde Auental"),
        )
    ]
    db.add_all(towns)
    db.flush()

    admin = create_user("admin@musterland.example", DEMO_PASSWORD, "Plattform-Admin",
                        is_platform_admin=True)  # fmt: skip
    coordinator = create_user("ile@musterland.example", DEMO_PASSWORD, "Ilse Koordinatorin")
    facilitator = create_user("moderation@musterhausen.example", DEMO_PASSWORD, "Moritz Moderator")
    participant = create_user("teilnahme@musterhausen.example", DEMO_PASSWORD, "Sonnenblume")
    db.add_all(
        [
            Membership(user=coordinator, tenant_id=region.id, role=Role.COORDINATOR),
            Membership(user=facilitator, tenant_id=towns[0].id, role=Role.FACILITATOR),
            Membership(user=participant, tenant_id=towns[0].id, role=Role.PARTICIPANT),
        ]
    )
    db.flush()
    return [
        ("Plattform-Admin", admin.email, DEMO_PASSWORD),
        ("Koordination ILE Musterland", coordinator.email, DEMO_PASSWORD),
        ("Moderation Musterhausen", facilitator.email, DEMO_PASSWORD),
        ("Teilnahme Musterhausen", participant.email, DEMO_PASSWORD),
    ]
