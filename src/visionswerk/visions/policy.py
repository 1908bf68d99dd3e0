"""Permission rules of the visions package (registered with the one policy)."""

from __future__ import annotations

from visionswerk.tenants.models import Role, Tenant, TenantKind, User
from visionswerk.tenants.policy import roles_in, rule
from visionswerk.workshops.models import Phase, Workshop
from visionswerk.workshops.policy import manages


def coordinates(user: User, region: Tenant) -> bool:
    """A coordinator's own membership in the region (not derived)."""
    return region.kind == TenantKind.REGION and any(
        m.tenant_id == region.id and m.role == Role.COORDINATOR for m in user.memberships
    )


@rule("vision.import")
def _import(user: User, tenant: Tenant) -> bool:
    """Facilitators of the tenant and coordinators (of the region, or derived)."""
    roles = roles_in(user, tenant)
    return user.is_platform_admin or bool({Role.FACILITATOR, Role.COORDINATOR} & roles)


@rule("vision.list")
def _list(user: User, tenant: Tenant) -> bool:
    return user.is_platform_admin or bool(roles_in(user, tenant))


@rule("vision.rebase")
def _rebase(user: User, tenant: Tenant) -> bool:
    """Facilitators of the tenant (and its region's coordinators)."""
    roles = roles_in(user, tenant)
    return bool({Role.FACILITATOR, Role.COORDINATOR} & roles)


@rule("workshop.set_parent")
def _set_parent(user: User, workshop: Workshop) -> bool:
    return workshop.phase not in (Phase.SIGNING, Phase.ADOPTED) and manages(user, workshop)


@rule("region.overview")
def _overview(user: User, region: Tenant) -> bool:
    return region.kind == TenantKind.REGION and (
        user.is_platform_admin or coordinates(user, region)
    )
