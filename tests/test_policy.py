"""The permission policy as a role × action matrix.

The world: ILE region A with municipalities A1 and A2, ILE region B with municipality B1.
Actors are people with one role each; the targets are tenants and memberships. Every
cell of the table below is one test case with its expected answer, so a change in the
policy shows up as the exact cells that changed.

The policy is a pure function of the user's memberships and the target, so the world is
built from plain model objects (no database): the pages tests exercise the same rules
through real requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask_login import AnonymousUserMixin

from visionswerk.tenants import policy
from visionswerk.tenants.models import Membership, Role, Tenant, TenantKind, User
from visionswerk.tenants.policy import can, roles_in

ACTORS = ("admin", "coord_A", "coord_B", "fac_A1", "fac_A2", "part_A1", "nobody", "anon")
Y, N = True, False

# (action, target):                          admin coA  coB  facA1 facA2 partA1 nobody anon
MATRIX: dict[tuple[str, str], tuple[bool, ...]] = {
    ("region.create", "-"):                      (Y,   N,   N,   N,    N,    N,     N,     N),
    ("auth_events.read_all", "-"):               (Y,   N,   N,   N,    N,    N,     N,     N),
    ("tenant.view", "A1"):                       (Y,   Y,   N,   Y,    N,    Y,     N,     N),
    ("tenant.view", "region A"):                 (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("tenant.view", "region B"):                 (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("tenant.view", "B1"):                       (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("tenant.view_members", "A1"):               (Y,   Y,   N,   Y,    N,    N,     N,     N),
    ("tenant.view_members", "region A"):         (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("tenant.view_members", "region B"):         (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("tenant.view_members", "B1"):               (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("municipality.create", "A1"):               (N,   N,   N,   N,    N,    N,     N,     N),
    ("municipality.create", "region A"):         (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("municipality.create", "region B"):         (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("municipality.create", "B1"):               (N,   N,   N,   N,    N,    N,     N,     N),
    ("member.invite.participant", "A1"):         (Y,   Y,   N,   Y,    N,    N,     N,     N),
    ("member.invite.participant", "region A"):   (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("member.invite.participant", "region B"):   (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("member.invite.participant", "B1"):         (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("member.invite.facilitator", "A1"):         (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("member.invite.facilitator", "region A"):   (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("member.invite.facilitator", "region B"):   (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("member.invite.facilitator", "B1"):         (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("member.invite.coordinator", "A1"):         (N,   N,   N,   N,    N,    N,     N,     N),
    ("member.invite.coordinator", "region A"):   (Y,   Y,   N,   N,    N,    N,     N,     N),
    ("member.invite.coordinator", "region B"):   (Y,   N,   Y,   N,    N,    N,     N,     N),
    ("member.invite.coordinator", "B1"):         (N,   N,   N,   N,    N,    N,     N,     N),
    # member.remove on memberships; "own" = the actor's own membership
    ("member.remove", "participant in A1 (own of part_A1)"):   (Y, Y, N, Y, N, N, N, N),
    ("member.remove", "facilitator in A1 (own of fac_A1)"):    (Y, Y, N, N, N, N, N, N),
    ("member.remove", "other facilitator in A1"):              (Y, Y, N, N, N, N, N, N),
    ("member.remove", "facilitator in A2 (own of fac_A2)"):    (Y, Y, N, N, N, N, N, N),
    ("member.remove", "participant in region A"):              (Y, Y, N, N, N, N, N, N),
    ("member.remove", "facilitator in region A"):              (Y, Y, N, N, N, N, N, N),
    ("member.remove", "coordinator in region A (own of coord_A)"): (Y, N, N, N, N, N, N, N),
    ("member.remove", "participant in region B"):              (Y, N, Y, N, N, N, N, N),
    ("member.remove", "facilitator in region B"):              (Y, N, Y, N, N, N, N, N),
    ("member.remove", "participant in B1"):                    (Y, N, Y, N, N, N, N, N),
}  # fmt: skip


@dataclass
class World:
    actors: dict[str, Any]
    targets: dict[str, Any]


def _tenant(ident: int, name: str, kind: TenantKind, parent: Tenant | None = None) -> Tenant:
    tenant = Tenant(id=ident, slug=name.lower().replace(" ", "-"), name=name, kind=kind)
    if parent is not None:
        tenant.parent_id = parent.id
        tenant.parent = parent
    return tenant


def _user(ident: int, name: str, *, admin: bool = False) -> User:
    return User(
        id=ident,
        email=f"{name}@example.org",
        display_name=name,
        is_platform_admin=admin,
        active=True,
        locale="de",
    )


def _join(ident: int, user: User, tenant: Tenant, role: Role) -> Membership:
    return Membership(
        id=ident, user_id=user.id, user=user, tenant_id=tenant.id, tenant=tenant, role=role
    )


def build_world() -> World:
    region_a = _tenant(1, "Region A", TenantKind.REGION)
    a1 = _tenant(2, "A1", TenantKind.MUNICIPALITY, region_a)
    a2 = _tenant(3, "A2", TenantKind.MUNICIPALITY, region_a)
    region_b = _tenant(4, "Region B", TenantKind.REGION)
    b1 = _tenant(5, "B1", TenantKind.MUNICIPALITY, region_b)

    users = {
        name: _user(i, name, admin=name == "admin")
        for i, name in enumerate(
            ["admin", "coord_A", "coord_B", "fac_A1", "fac_A2", "part_A1", "nobody",
             "fac2_A1", "part_RA", "fac_RA", "part_RB", "fac_RB", "part_B1"],
            start=1,
        )
    }  # fmt: skip
    joined = iter(range(1, 100))
    m = {
        "coordinator in region A (own of coord_A)": _join(
            next(joined), users["coord_A"], region_a, Role.COORDINATOR
        ),
        "coord_B": _join(next(joined), users["coord_B"], region_b, Role.COORDINATOR),
        "facilitator in A1 (own of fac_A1)": _join(
            next(joined), users["fac_A1"], a1, Role.FACILITATOR
        ),
        "facilitator in A2 (own of fac_A2)": _join(
            next(joined), users["fac_A2"], a2, Role.FACILITATOR
        ),
        "participant in A1 (own of part_A1)": _join(
            next(joined), users["part_A1"], a1, Role.PARTICIPANT
        ),
        "other facilitator in A1": _join(next(joined), users["fac2_A1"], a1, Role.FACILITATOR),
        "participant in region A": _join(
            next(joined), users["part_RA"], region_a, Role.PARTICIPANT
        ),
        "facilitator in region A": _join(next(joined), users["fac_RA"], region_a, Role.FACILITATOR),
        "participant in region B": _join(
            next(joined), users["part_RB"], region_b, Role.PARTICIPANT
        ),
        "facilitator in region B": _join(next(joined), users["fac_RB"], region_b, Role.FACILITATOR),
        "participant in B1": _join(next(joined), users["part_B1"], b1, Role.PARTICIPANT),
    }
    actors: dict[str, Any] = {name: users[name] for name in ACTORS if name != "anon"}
    actors["anon"] = AnonymousUserMixin()
    targets: dict[str, Any] = {
        "-": None,
        "A1": a1,
        "A2": a2,
        "region A": region_a,
        "region B": region_b,
        "B1": b1,
        **m,
    }
    return World(actors, targets)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


CASES = [
    pytest.param(actor, action, target, expected, id=f"{actor}-{action}-{target}")
    for (action, target), row in MATRIX.items()
    for actor, expected in zip(ACTORS, row, strict=True)
]


@pytest.mark.parametrize(("actor", "action", "target", "expected"), CASES)
def test_matrix(world: World, actor: str, action: str, target: str, expected: bool) -> None:
    assert can(world.actors[actor], action, world.targets[target]) is expected


def test_matrix_covers_every_rule_of_the_tenants_package() -> None:
    registered = set(policy.actions("visionswerk.tenants"))
    in_table = {action for action, _target in MATRIX}
    assert registered == in_table, (
        f"rules without a row in the matrix: {sorted(registered - in_table)}; "
        f"rows without a rule: {sorted(in_table - registered)}"
    )


def test_coordinator_rights_are_derived_not_copied(world: World) -> None:
    coord_a = world.actors["coord_A"]
    # one membership only: in region A, none in its municipalities ...
    assert [m.tenant.name for m in coord_a.memberships] == ["Region A"]
    # ... yet coordinator rights in every municipality of region A, none in region B's
    assert roles_in(coord_a, world.targets["A1"]) == {Role.COORDINATOR}
    assert roles_in(coord_a, world.targets["A2"]) == {Role.COORDINATOR}
    assert roles_in(coord_a, world.targets["B1"]) == frozenset()


def test_unknown_action_is_an_error_not_a_no(world: World) -> None:
    with pytest.raises(LookupError):
        can(world.actors["admin"], "tenant.explode", world.targets["A1"])


def test_deactivated_account_may_do_nothing() -> None:
    w = build_world()
    admin = w.actors["admin"]
    admin.active = False
    assert not can(admin, "region.create")
    assert not can(admin, "tenant.view", w.targets["A1"])


def test_require_raises_not_allowed_with_german_message(world: World) -> None:
    from visionswerk.errors import NotAllowed

    with pytest.raises(NotAllowed) as err:
        policy.require(world.actors["part_A1"], "member.invite.participant", world.targets["A1"])
    assert err.value.status == 403
    assert "Berechtigung" in err.value.message
