"""Factory helpers that read like the product's story: make.region(), make.user(...).

Each helper commits (inside a test that is a savepoint of the test's outer transaction),
so what it made is there for the requests the test then sends."""

from __future__ import annotations

import itertools

from visionswerk.db import db
from visionswerk.tenants.accounts import hash_password
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind, User

PASSWORD = "richtig-gutes-passwort"
_counter = itertools.count(1)
_password_hash: str | None = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


class Factory:
    def region(self, name: str | None = None) -> Tenant:
        n = next(_counter)
        region = Tenant(slug=f"ile-{n}", name=name or f"ILE Region {n}", kind=TenantKind.REGION)
        db.add(region)
        db.commit()
        return region

    def municipality(self, region: Tenant | None = None, name: str | None = None) -> Tenant:
        n = next(_counter)
        town = Tenant(
            slug=f"kommune-{n}",
            name=name or f"Gemeinde {n}",
            kind=TenantKind.MUNICIPALITY,
            parent_id=region.id if region else None,
        )
        db.add(town)
        db.commit()
        return town

    def user(
        self,
        tenant: Tenant | None = None,
        role: Role | str | None = None,
        *,
        display_name: str | None = None,
        admin: bool = False,
        email: str | None = None,
    ) -> User:
        n = next(_counter)
        user = User(
            email=email or f"person{n}@example.org",
            password_hash=_hash(),
            display_name=display_name or f"Person {n}",
            is_platform_admin=admin,
        )
        db.add(user)
        db.flush()
        if tenant is not None and role is not None:
            db.add(Membership(user_id=user.id, tenant_id=tenant.id, role=Role(role)))
        db.commit()
        db.refresh(user)
        return user

    def member(self, user: User, tenant: Tenant, role: Role | str) -> Membership:
        membership = Membership(user_id=user.id, tenant_id=tenant.id, role=Role(role))
        db.add(membership)
        db.commit()
        db.refresh(user)
        return membership

    def workshop(self, tenant: Tenant | None = None, **kwargs):  # type: ignore[no-untyped-def]
        """A workshop driven to ``phase`` (see tests/workshops/factories.py)."""
        from tests.workshops.factories import make_workshop

        return make_workshop(self, tenant, **kwargs)

    def commit(self) -> None:
        db.commit()
