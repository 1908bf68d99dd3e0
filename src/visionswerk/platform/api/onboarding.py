"""Onboarding in ``/api/v1``: regions (platform admins), municipalities (a region's
coordinators and platform admins), invitations to a tenant or a workshop, memberships.

The same services as the pages (``tenants.services``, ``platform.tenancy.invitations``),
so the same policy decides: a facilitator invites participants, a coordinator also
facilitators (and coordinators to the region); members are listed to facilitators,
coordinators and admins. The invitation's acceptance stays a page: the mail's link
registers the invitee (``/<tenant>/einladung/<token>``).
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import Response, url_for
from pydantic import Field

from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.fields import ID, DateTime
from visionswerk.platform.api.patterns import Email, Label, Request
from visionswerk.platform.api.spec import api, created
from visionswerk.platform.api.views import LOADERS, TENANT, WORKSHOP, me, url_object, workshop
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.tenancy import invitations
from visionswerk.tenants import services
from visionswerk.tenants.models import Invitation, Membership, Role, Tenant
from visionswerk.tenants.policy import require

TAG = "Onboarding"
INVITATION = TENANT + f"/invitations/<{ID}:invitation_id>"
MEMBERSHIP = TENANT + f"/memberships/<{ID}:membership_id>"

# the ids of this module's URLs, loaded (and 404'd) before the body is read
LOADERS["invitation_id"] = lambda _user, ident: services.invitation_in(current_tenant(), ident)
LOADERS["membership_id"] = lambda _user, ident: services.membership_in(current_tenant(), ident)

Name = Label(200, "Spaces are collapsed.")
Slug = Annotated[
    str,
    Field(
        pattern=services.SLUG_RE.pattern,
        description="The short name in addresses (lower-case letters, digits, hyphens); "
        "made from the name when left out.",
    ),
]


class TenantCreated(m.Tenant):
    parent_slug: str | None = Field(description="The region of a municipality.")

    @classmethod
    def of(cls, t: Any) -> TenantCreated:
        parent = t.parent.slug if t.parent is not None else None
        return cls(slug=t.slug, name=t.name, kind=t.kind.value, parent_slug=parent)


class MunicipalityCreate(Request):
    """A new municipality in this region."""

    name: Name
    slug: Slug | None = None


class RegionCreate(MunicipalityCreate):
    """A new ILE region and the invitation of its first coordinator."""

    coordinator_email: Email


class InvitationCreate(Request):
    email: Email
    role: m.Role = Field(
        description="participant (facilitators may), facilitator (coordinators), "
        "coordinator (a region's coordinators)."
    )


class InvitationOut(m.Answer):
    id: int
    email: str
    role: m.Role
    created_at: DateTime
    expires_at: DateTime

    @classmethod
    def of(cls, i: Invitation) -> InvitationOut:
        return cls(
            id=i.id,
            email=i.email,
            role=i.role.value,
            created_at=i.created_at,
            expires_at=i.expires_at,
        )


class Invitations(m.Answer):
    invitations: list[InvitationOut] = Field(description="Not accepted yet and not expired.")


class WorkshopInvite(Request):
    emails: list[Email] = Field(min_length=1, max_length=100)


class WorkshopInvited(m.Answer):
    joined: list[int] = Field(description="Members of the tenant who take part now (user ids).")
    invited: list[InvitationOut] = Field(description="Invited by mail; they join on accepting.")


class Member(m.Answer):
    id: int
    user_id: int
    display_name: str
    email: str
    role: m.Role
    created_at: DateTime

    @classmethod
    def of(cls, ms: Membership) -> Member:
        return cls(
            id=ms.id,
            user_id=ms.user_id,
            display_name=ms.user.display_name,
            email=ms.user.email,
            role=ms.role.value,
            created_at=ms.created_at,
        )


class Members(m.Answer):
    memberships: list[Member]


def _created(t: Tenant):  # type: ignore[no-untyped-def]
    return created(TenantCreated.of(t), url_for("api.list_memberships", tenant_slug=t.slug))


# --- regions and municipalities ------------------------------------------------------


@bp.post("/regions")
@api(ok=TenantCreated, status=201, tag=TAG)
def create_region(json: RegionCreate):  # type: ignore[no-untyped-def]
    """Create an ILE region and invite its first coordinator (platform admins)"""
    require(me(), "region.create")
    return _created(invitations.create_region(me(), json.name, json.slug, json.coordinator_email))


@bp.post(TENANT + "/municipalities")
@api(ok=TenantCreated, status=201, tag=TAG, errors=(409,))
def create_municipality(json: MunicipalityCreate):  # type: ignore[no-untyped-def]
    """Create a municipality in this region (its coordinators, platform admins)"""
    town = services.create_municipality(me(), current_tenant(), json.name, json.slug)
    return _created(town)


# --- invitations ----------------------------------------------------------------------


@bp.get(TENANT + "/invitations")
@api(ok=Invitations, tag=TAG)
def list_invitations():  # type: ignore[no-untyped-def]
    """The tenant's open invitations (facilitators, coordinators, admins)"""
    pending = services.pending_invitations(me(), current_tenant())
    return Invitations(invitations=[InvitationOut.of(i) for i in pending])


@bp.post(TENANT + "/invitations")
@api(ok=InvitationOut, status=201, tag=TAG)
def create_invitation(json: InvitationCreate):  # type: ignore[no-untyped-def]
    """Invite an address to the tenant with a role; the mail carries the link"""
    invitation = invitations.invite_to_tenant(me(), current_tenant(), json.email, Role(json.role))
    return created(InvitationOut.of(invitation))


@bp.post(INVITATION + "/resend")
@api(ok=InvitationOut, tag=TAG, errors=(409,))
def resend_invitation(invitation_id: int):  # type: ignore[no-untyped-def]
    """Send the invitation again with a new link (the old one stops working)"""
    invitation = url_object("invitation_id", invitation_id)
    return InvitationOut.of(invitations.resend(me(), invitation))


@bp.delete(INVITATION)
@api(ok=None, status=204, tag=TAG, errors=(409,))
def withdraw_invitation(invitation_id: int):  # type: ignore[no-untyped-def]
    """Withdraw an invitation nobody has accepted: its link stops working"""
    invitations.withdraw(me(), url_object("invitation_id", invitation_id))
    return Response(status=204)


@bp.post(WORKSHOP + "/invitations")
@api(ok=WorkshopInvited, tag=TAG, errors=(409,))
def invite_to_workshop(workshop_id: int, json: WorkshopInvite):  # type: ignore[no-untyped-def]
    """Invite people to the workshop by e-mail (members of the tenant join at once)"""
    results = invitations.invite_to_workshop(me(), workshop(workshop_id), json.emails)
    return WorkshopInvited(
        joined=[r.participation.user_id for r in results if r.participation is not None],
        invited=[InvitationOut.of(r.invitation) for r in results if r.invitation is not None],
    )


# --- memberships ----------------------------------------------------------------------


@bp.get(TENANT + "/memberships")
@api(ok=Members, tag=TAG)
def list_memberships():  # type: ignore[no-untyped-def]
    """The tenant's members with their roles (facilitators, coordinators, admins)"""
    return Members(memberships=[Member.of(ms) for ms in services.members(me(), current_tenant())])


@bp.delete(MEMBERSHIP)
@api(ok=None, status=204, tag=TAG)
def remove_membership(membership_id: int):  # type: ignore[no-untyped-def]
    """Remove a member (facilitators: participants; coordinators, admins: anyone else)"""
    services.remove_member(me(), url_object("membership_id", membership_id))
    return Response(status=204)
