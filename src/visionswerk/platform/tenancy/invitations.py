"""What an invitation tells its reader, and the open invitations a workshop's facilitators
see on the workshop page.

An invitation belongs to a tenant; the workshops that invited the address remember it in
``Workshop.invited_emails`` (the invitee joins them on accepting). Mail, accept and
register page all show those workshops: title, guiding question, the first deadline and
who invites (``templates/tenancy/_invitation_details.html``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from visionswerk.db import db, utcnow
from visionswerk.platform.mailing import send_after_commit
from visionswerk.platform.tenancy.forms import ROLE_LABELS
from visionswerk.tenants import services
from visionswerk.tenants.accounts import normalize_email
from visionswerk.tenants.models import Invitation, Role, Tenant, User
from visionswerk.tenants.policy import can
from visionswerk.workshops.lifecycle import InviteResult, forget_invited_email, invite_participant
from visionswerk.workshops.models import Phase, Workshop

# invitees join a workshop only until step 1 ends (lifecycle.claim_invited_participation)
JOINABLE = (Phase.PREPARATION, Phase.INDIVIDUAL)


@dataclasses.dataclass(frozen=True)
class InvitedTo:
    """One workshop an invitation is for, as the invitee reads it."""

    title: str
    guiding_question: str
    deadline: dt.datetime | None  # step 1 (Einzelarbeit): the invitee's first deadline


def workshops_inviting(tenant: Tenant, email: str) -> list[Workshop]:
    """The workshops of ``tenant`` that wait for ``email`` and that it can still join."""
    email = normalize_email(email)
    candidates = db.scalars(
        select(Workshop)
        .where(Workshop.tenant_id == tenant.id, Workshop.phase.in_(JOINABLE))
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
    )
    return [w for w in candidates if email in (w.invited_emails or [])]


def details(invitation: Invitation) -> dict[str, Any]:
    """The context of ``_invitation_details.html`` (and of the invitation mail)."""
    inviter = db.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    return {
        "tenant": invitation.tenant,
        "inviter_name": inviter.display_name if inviter is not None else "",
        "role_label": ROLE_LABELS[invitation.role.value],
        "invited_to": [
            InvitedTo(w.title, w.guiding_question, w.deadline_individual)
            for w in workshops_inviting(invitation.tenant, invitation.email)
        ],
        "expires_at": invitation.expires_at,
    }


def send_invitation(invitation: Invitation, token: str) -> None:
    """Queue the invitation mail (after the commit), with the workshop it is for."""
    settings = current_app.config["VISIONSWERK"]
    send_after_commit(
        invitation.email,
        "invitation",
        key=f"invitation:{invitation.id}:{invitation.token_hash}",
        tenant_id=invitation.tenant_id,
        link=settings.base_url
        + url_for("tenancy.accept", tenant_slug=invitation.tenant.slug, token=token),
        days=settings.invitation_days,
        **details(invitation),
    )


@dataclasses.dataclass(frozen=True)
class PendingInvitation:
    invitation: Invitation
    expired: bool
    may_change: bool  # re-send and withdraw (member.invite.<role>)


def pending_for_workshop(user: User, workshop: Workshop) -> list[PendingInvitation]:
    """Invitations of the workshop not accepted yet (also expired ones, to re-send), for
    those who run it; nobody else sees who was invited."""
    if workshop.phase not in JOINABLE or not (
        can(user, "workshop.manage", workshop) and can(user, "tenant.view_members", workshop.tenant)
    ):
        return []
    emails = set(workshop.invited_emails or [])
    if not emails:
        return []
    rows = db.scalars(
        select(Invitation)
        .where(
            Invitation.tenant_id == workshop.tenant_id,
            Invitation.accepted_at.is_(None),
            Invitation.role == Role.PARTICIPANT,
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    now = utcnow()
    seen: set[str] = set()
    result = []
    for inv in rows:
        if inv.email not in emails or inv.email in seen:
            continue  # the newest invitation per address
        seen.add(inv.email)
        result.append(
            PendingInvitation(
                inv,
                inv.expires_at <= now,
                can(user, f"member.invite.{inv.role.value}", workshop.tenant),
            )
        )
    return result


# --- the actions the pages and the API share (each queues its mail after the commit) ----


def invite_to_tenant(actor: User, tenant: Tenant, email: str, role: Role) -> Invitation:
    """Invite ``email`` to ``tenant`` as ``role`` and queue the mail."""
    invitation, token = services.invite(
        actor, tenant, email, role, days=current_app.config["VISIONSWERK"].invitation_days
    )
    send_invitation(invitation, token)
    return invitation


def invite_to_workshop(actor: User, workshop: Workshop, emails: list[str]) -> list[InviteResult]:
    """Invite each address to the workshop; members of the tenant join at once, the
    others get an invitation mail and join when they accept."""
    results = []
    days = current_app.config["VISIONSWERK"].invitation_days
    for email in emails:
        result = invite_participant(actor, workshop, email, days=days)
        if result.invitation is not None and result.token is not None:
            send_invitation(result.invitation, result.token)
        results.append(result)
    return results


def resend(actor: User, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working) and the mail again, e.g. when it expired."""
    token = services.resend_invitation(
        actor, invitation, days=current_app.config["VISIONSWERK"].invitation_days
    )
    send_invitation(invitation, token)
    return invitation


def withdraw(actor: User, invitation: Invitation) -> None:
    """Take the invitation back: its link stops working and no workshop of the tenant
    waits for the address any more."""
    tenant, email = invitation.tenant, invitation.email
    services.withdraw_invitation(actor, invitation)
    forget_invited_email(tenant, email)


def create_region(actor: User, name: str, slug: str | None, coordinator_email: str) -> Tenant:
    """A new ILE region (platform admins) and the invitation of its first coordinator."""
    region = services.create_region(actor, name, slug)
    invite_to_tenant(actor, region, coordinator_email, Role.COORDINATOR)
    return region
