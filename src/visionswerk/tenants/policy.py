"""The one permission policy: ``can(user, action, target)``.

Views, the API and tasks all ask it. Rules are registered per action with ``@rule``;
the tenants package registers the rules for tenants and members, the workshops package
those for workshops, so every rule sits beside the domain it protects yet all are
answered here. Rights follow the tree region → municipality → workshop: a coordinator
of a region holds coordinator rights in the region's municipalities by derivation,
never by a copied membership.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from visionswerk.errors import NotAllowed
from visionswerk.i18n import N_
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind, User


class Actor(Protocol):
    is_authenticated: bool


Rule = Callable[[User, Any], bool]
_rules: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in _rules:
                raise RuntimeError(f"a rule for {action!r} exists already")
            _rules[action] = fn
        return fn

    return register


def actions(package: str | None = None) -> list[str]:
    """Every registered action, or only those whose rule is defined in ``package``
    (e.g. ``"visionswerk.tenants"``)."""
    return sorted(
        action
        for action, fn in _rules.items()
        if package is None or fn.__module__ == package or fn.__module__.startswith(package + ".")
    )


def can(user: Actor | None, action: str, target: Any = None) -> bool:
    """May ``user`` do ``action`` on ``target``? Anonymous users may do nothing here."""
    try:
        check = _rules[action]
    except KeyError:
        raise LookupError(f"no rule for action {action!r}") from None
    if user is None or not user.is_authenticated or not isinstance(user, User):
        return False
    if not user.active:
        return False
    return bool(check(user, target))


def require(user: Actor | None, action: str, target: Any = None) -> None:
    if not can(user, action, target):
        raise NotAllowed(N_("Dafür fehlt Ihnen die Berechtigung."))


def roles_in(user: User, tenant: Tenant) -> frozenset[Role]:
    """The user's roles in ``tenant``: their own membership plus coordinator rights
    derived from coordinating the tenant's parent region."""
    roles: set[Role] = set()
    for m in user.memberships:
        if m.tenant_id == tenant.id:
            roles.add(m.role)
        elif (
            tenant.parent_id is not None
            and m.tenant_id == tenant.parent_id
            and m.role == Role.COORDINATOR
        ):
            roles.add(Role.COORDINATOR)
    return frozenset(roles)


def _is_coordinator(user: User, tenant: Tenant) -> bool:
    return Role.COORDINATOR in roles_in(user, tenant)


def _is_facilitator(user: User, tenant: Tenant) -> bool:
    return Role.FACILITATOR in roles_in(user, tenant)


# --- tenants and members -----------------------------------------------------------


@rule("region.create")
def _create_region(user: User, _target: None) -> bool:
    return user.is_platform_admin


@rule("auth_events.read_all")
def _read_all_auth_events(user: User, _target: None) -> bool:
    """Everyone's authentication log (each account holder reads their own anyway)."""
    return user.is_platform_admin


@rule("tenant.view")
def _view_tenant(user: User, tenant: Tenant) -> bool:
    return user.is_platform_admin or bool(roles_in(user, tenant))


@rule("tenant.view_members")
def _view_members(user: User, tenant: Tenant) -> bool:
    return user.is_platform_admin or _is_coordinator(user, tenant) or _is_facilitator(user, tenant)


@rule("municipality.create")
def _create_municipality(user: User, region: Tenant) -> bool:
    if region.kind != TenantKind.REGION:
        return False
    return user.is_platform_admin or _is_coordinator(user, region)


@rule("member.invite.participant")
def _invite_participant(user: User, tenant: Tenant) -> bool:
    return user.is_platform_admin or _is_coordinator(user, tenant) or _is_facilitator(user, tenant)


@rule("member.invite.facilitator")
def _invite_facilitator(user: User, tenant: Tenant) -> bool:
    return user.is_platform_admin or _is_coordinator(user, tenant)


@rule("member.invite.coordinator")
def _invite_coordinator(user: User, tenant: Tenant) -> bool:
    if tenant.kind != TenantKind.REGION:
        return False
    return user.is_platform_admin or _is_coordinator(user, tenant)


@rule("member.remove")
def _remove_member(user: User, membership: Membership) -> bool:
    if membership.user_id == user.id:
        return False  # nobody locks themselves out by accident
    tenant = membership.tenant
    if user.is_platform_admin or _is_coordinator(user, tenant):
        return True
    return _is_facilitator(user, tenant) and membership.role == Role.PARTICIPANT
