"""Onboarding in ``/api/v1``: regions (platform admins), municipalities (a region's
coordinators), invitations to a tenant or a workshop, and memberships.

The same services as the pages (``tenants.services``, ``platform.tenancy.invitations``),
so the same policy decides: a facilitator invites participants, a coordinator also
facilitators (and coordinators to the region). The invitation's acceptance stays a page:
the mail's link registers the invitee (``/<tenant>/einladung/<token>``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from visionswerk.i18n import N_
from visionswerk.platform.api import body as b
from visionswerk.platform.api import bp
from visionswerk.platform.api.views import TENANT, WORKSHOP, me, ok, workshop
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.tenancy import invitations
from visionswerk.tenants import services
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import Invitation, Membership, Role, Tenant
from visionswerk.tenants.policy import require


def tenant_of(t: Tenant) -> dict[str, Any]:
    return {
        "slug": t.slug,
        "name": t.name,
        "kind": t.kind.value,
        "parent_slug": t.parent.slug if t.parent is not None else None,
    }


def invitation_of(i: Invitation) -> dict[str, Any]:
    return {
        "id": i.id,
        "email": i.email,
        "role": i.role.value,
        "created_at": i.created_at.isoformat(),
        "expires_at": i.expires_at.isoformat(),
    }


def membership_of(m: Membership) -> dict[str, Any]:
    return {
        "id": m.id,
        "user_id": m.user_id,
        "display_name": m.user.display_name,
        "email": m.user.email,
        "role": m.role.value,
        "created_at": m.created_at.isoformat(),
    }


def _role(data: dict[str, Any]) -> Role:
    value = b.text(data, "role", required=True)
    try:
        return Role(value)
    except ValueError:
        raise InvalidField("role", N_("Bitte wählen Sie eine Rolle aus.")) from None


# --- regions and municipalities ------------------------------------------------------


@bp.post("/regions")
def create_region():  # type: ignore[no-untyped-def]
    require(me(), "region.create")
    data = b.json_body()
    region = invitations.create_region(
        me(),
        b.text(data, "name", required=True) or "",
        b.text(data, "slug"),
        b.text(data, "coordinator_email", required=True) or "",
    )
    return ok(tenant_of(region), 201, url_for("api.list_memberships", tenant_slug=region.slug))


@bp.post(TENANT + "/municipalities")
def create_municipality():  # type: ignore[no-untyped-def]
    region = current_tenant()
    require(me(), "municipality.create", region)
    data = b.json_body()
    town = services.create_municipality(
        me(), region, b.text(data, "name", required=True) or "", b.text(data, "slug")
    )
    return ok(tenant_of(town), 201, url_for("api.list_memberships", tenant_slug=town.slug))


# --- invitations ----------------------------------------------------------------------


@bp.get(TENANT + "/invitations")
def list_invitations():  # type: ignore[no-untyped-def]
    pending = services.pending_invitations(me(), current_tenant())
    return ok({"invitations": [invitation_of(i) for i in pending]})


@bp.post(TENANT + "/invitations")
def create_invitation():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    require(me(), "member.invite.participant", tenant)  # the weakest right: else 403
    data = b.json_body()
    invitation = invitations.invite_to_tenant(
        me(), tenant, b.text(data, "email", required=True) or "", _role(data)
    )
    return ok(invitation_of(invitation), 201)


@bp.post(TENANT + "/invitations/<int:invitation_id>/resend")
def resend_invitation(invitation_id: int):  # type: ignore[no-untyped-def]
    invitation = services.invitation_in(current_tenant(), invitation_id)
    return ok(invitation_of(invitations.resend(me(), invitation)))


@bp.delete(TENANT + "/invitations/<int:invitation_id>")
def withdraw_invitation(invitation_id: int):  # type: ignore[no-untyped-def]
    invitations.withdraw(me(), services.invitation_in(current_tenant(), invitation_id))
    return Response(status=204)


@bp.post(WORKSHOP + "/invitations")
def invite_to_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    emails = b.strings(data, "emails") or []
    if not emails:
        raise InvalidField("emails", b.MISSING, name="emails")
    results = invitations.invite_to_workshop(me(), w, emails)
    return ok(
        {
            "joined": [r.participation.user_id for r in results if r.participation is not None],
            "invited": [invitation_of(r.invitation) for r in results if r.invitation is not None],
        }
    )


# --- memberships ----------------------------------------------------------------------


@bp.get(TENANT + "/memberships")
def list_memberships():  # type: ignore[no-untyped-def]
    return ok({"memberships": [membership_of(m) for m in services.members(me(), current_tenant())]})


@bp.delete(TENANT + "/memberships/<int:membership_id>")
def remove_membership(membership_id: int):  # type: ignore[no-untyped-def]
    services.remove_member(me(), services.membership_in(current_tenant(), membership_id))
    return Response(status=204)
