"""Tenant services: regions, municipalities, invitations, members.

Each takes the acting user, asks the policy, changes rows and ``flush()``es; the caller
(the request pipeline, a command, a task) commits once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import func, select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField, normalize_email, validate_email
from visionswerk.tenants.models import Invitation, Membership, Role, Tenant, TenantKind, User
from visionswerk.tenants.policy import require
from visionswerk.tenants.tokens import hash_token, new_token

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = {
    "admin", "anmelden", "abmelden", "api", "healthz", "static", "passwort", "konto",
    "sprache", "einladung", "aufgaben", "dev", "meine-kommunen", "uebersicht",
    "erinnerungen-abbestellen", "benachrichtigungen",
}  # fmt: skip


ROLE_RANK = {Role.PARTICIPANT: 0, Role.FACILITATOR: 1, Role.COORDINATOR: 2}


def slugify(name: str) -> str:
    text = name.strip().lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:63].strip("-")


class SlugTaken(InvalidField):
    """The short name is another tenant's already: a conflict with what exists (409)."""

    status = 409


def _taken(slug: str) -> bool:
    return db.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def _validate_name_and_slug(name: str, slug: str | None, kind: TenantKind) -> tuple[str, str]:
    name = " ".join(name.split())
    if not name:
        raise InvalidField("name", N_("Bitte geben Sie einen Namen ein."))
    if len(name) > 200:
        raise InvalidField("name", N_("Der Name darf höchstens 200 Zeichen lang sein."))
    slug = (slug or "").strip().lower()
    if not slug:  # made from the name (a name of symbols only still gets one)
        slug = slugify(name) or ("region" if kind == TenantKind.REGION else "kommune")
    elif not SLUG_RE.match(slug):
        raise InvalidField(
            "slug",
            N_(
                "Die Kurzbezeichnung für die Adresse darf nur Kleinbuchstaben, Ziffern und "
                "Bindestriche enthalten (höchstens 63 Zeichen, nicht am Anfang oder Ende)."
            ),
        )
    if slug in RESERVED_SLUGS:  # taken by the app's own addresses
        raise SlugTaken(
            "slug", N_("Die Kurzbezeichnung „%(slug)s“ ist hier nicht möglich."), slug=slug
        )
    if _taken(slug):
        raise SlugTaken("slug", N_("Die Kurzbezeichnung „%(slug)s“ ist schon vergeben."), slug=slug)
    return name, slug


def tenant_by_slug(slug: str, loaded: Iterable[Tenant] = ()) -> Tenant | None:
    """The tenant at ``/<slug>/``; one of ``loaded`` (the reader's own tenants, which come
    with the login check) without a statement."""
    if not SLUG_RE.match(slug):  # no such tenant; and NUL or 10,000 characters never reach SQL
        return None
    for tenant in loaded:
        if tenant.slug == slug:
            return tenant
    return db.scalar(select(Tenant).where(Tenant.slug == slug))


def create_region(actor: User, name: str, slug: str | None = None) -> Tenant:
    require(actor, "region.create")
    name, slug = _validate_name_and_slug(name, slug, TenantKind.REGION)
    region = Tenant(name=name, slug=slug, kind=TenantKind.REGION)
    db.add(region)
    db.flush()
    audit.record(actor, region.id, "region.create", region)
    return region


def create_municipality(actor: User, region: Tenant, name: str, slug: str | None = None) -> Tenant:
    require(actor, "municipality.create", region)
    name, slug = _validate_name_and_slug(name, slug, TenantKind.MUNICIPALITY)
    municipality = Tenant(
        name=name, slug=slug, kind=TenantKind.MUNICIPALITY, parent_id=region.id, parent=region
    )
    db.add(municipality)
    db.flush()
    audit.record(actor, municipality.id, "municipality.create", municipality)
    audit.record(actor, region.id, "municipality.create", municipality)
    return municipality


def invite(
    actor: User, tenant: Tenant, email: str, role: Role, *, days: int = 14
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``tenant`` as ``role``. Returns the invitation and the raw
    token for the link; only the token's hash is stored."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidField("role", N_("Bitte wählen Sie eine Rolle aus.")) from None
    require(actor, f"member.invite.{role.value}", tenant)
    email = validate_email(email)
    existing = db.scalar(
        select(Membership)
        .join(User)
        .where(Membership.tenant_id == tenant.id, func.lower(User.email) == email)
    )
    if existing is not None and ROLE_RANK[existing.role] >= ROLE_RANK[role]:
        raise InvalidField(
            "email",
            N_("%(email)s gehört hier schon mit dieser oder einer stärkeren Rolle dazu."),
            email=email,
        )
    token, digest = new_token()
    invitation = Invitation(
        tenant_id=tenant.id,
        tenant=tenant,
        email=email,
        role=role,
        token_hash=digest,
        invited_by_id=actor.id,
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    db.add(invitation)
    db.flush()
    audit.record(actor, tenant.id, "member.invite", invitation, role=role.value)
    return invitation, token


def open_invitation(tenant: Tenant, token: str) -> Invitation:
    """The invitation for ``token`` in ``tenant`` if it can still be accepted."""
    invitation = db.scalar(
        select(Invitation).where(
            Invitation.token_hash == hash_token(token), Invitation.tenant_id == tenant.id
        )
    )
    if invitation is None:
        raise NotFound(N_("Diese Einladung gibt es nicht."))
    if invitation.accepted_at is not None:
        raise InvalidInput(N_("Diese Einladung wurde bereits angenommen."))
    if invitation.expires_at <= utcnow():
        raise InvalidInput(N_("Diese Einladung ist abgelaufen. Bitten Sie um eine neue Einladung."))
    return invitation


def is_for(invitation: Invitation, user: User) -> bool:
    """Is ``user``'s account the invited address? Only then may it accept: the link alone
    is no proof (it may have been forwarded, or read over a shoulder)."""
    return normalize_email(user.email) == invitation.email


def accept_invitation(tenant: Tenant, token: str, user: User) -> Membership:
    """Use the invitation once: ``user`` joins the tenant with the invited role (or keeps
    a stronger role they already have there). Only the account with the invited address
    can (NotAllowed otherwise; nothing changes)."""
    invitation = open_invitation(tenant, token)
    if not is_for(invitation, user):
        raise NotAllowed(
            N_(
                "Diese Einladung gilt für eine andere E-Mail-Adresse. Melden Sie sich mit "
                "der eingeladenen Adresse an, um sie anzunehmen."
            )
        )
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    membership = db.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
    )
    if membership is None:
        membership = Membership(user=user, tenant_id=tenant.id, tenant=tenant, role=invitation.role)
        db.add(membership)
    elif ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
        membership.role = invitation.role  # never a downgrade
    db.flush()
    audit.record(user, tenant.id, "member.join", membership, role=membership.role.value)
    return membership


def members(actor: User, tenant: Tenant) -> list[Membership]:
    require(actor, "tenant.view_members", tenant)
    return list(
        db.scalars(
            select(Membership)
            .join(User)
            .where(Membership.tenant_id == tenant.id)
            .order_by(Membership.role, User.display_name)
        )
    )


def pending_invitations(actor: User, tenant: Tenant) -> list[Invitation]:
    require(actor, "tenant.view_members", tenant)
    return list(
        db.scalars(
            select(Invitation)
            .where(
                Invitation.tenant_id == tenant.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def invitation_in(tenant: Tenant, invitation_id: int) -> Invitation:
    invitation = db.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.tenant_id == tenant.id)
    )
    if invitation is None:
        raise NotFound(N_("Diese Einladung gibt es hier nicht."))
    return invitation


def _still_open(actor: User, invitation: Invitation) -> None:
    require(actor, f"member.invite.{invitation.role.value}", invitation.tenant)
    if invitation.accepted_at is not None:
        raise Conflict(N_("Diese Einladung wurde schon angenommen."))


def resend_invitation(actor: User, invitation: Invitation, *, days: int = 14) -> str:
    """A fresh link for an invitation nobody has accepted yet (also an expired one): a new
    token and a new expiry; the old link stops working. Returns the raw token."""
    _still_open(actor, invitation)
    token, digest = new_token()
    invitation.token_hash = digest
    invitation.expires_at = utcnow() + dt.timedelta(days=days)
    invitation.invited_by_id = actor.id  # the mail names who invites now
    db.flush()
    audit.record(actor, invitation.tenant_id, "member.reinvite", invitation)
    return token


def withdraw_invitation(actor: User, invitation: Invitation) -> None:
    """Take back an invitation nobody has accepted yet: its link stops working."""
    _still_open(actor, invitation)
    audit.record(
        actor,
        invitation.tenant_id,
        "member.withdraw_invitation",
        invitation,
        role=invitation.role.value,
    )
    db.delete(invitation)
    db.flush()


def membership_in(tenant: Tenant, membership_id: int) -> Membership:
    membership = db.scalar(
        select(Membership).where(Membership.id == membership_id, Membership.tenant_id == tenant.id)
    )
    if membership is None:
        raise NotFound(N_("Diese Mitgliedschaft gibt es hier nicht."))
    return membership


def remove_member(actor: User, membership: Membership) -> None:
    require(actor, "member.remove", membership)
    audit.record(
        actor,
        membership.tenant_id,
        "member.remove",
        membership,
        user_id=membership.user_id,
        role=membership.role.value,
    )
    db.delete(membership)
    db.flush()


def tenants_of(user: User) -> list[tuple[Tenant, frozenset[Role]]]:
    """'Meine Kommunen': every tenant the user belongs to, and the municipalities of the
    regions they coordinate, each with the user's roles there."""
    from visionswerk.tenants.policy import roles_in

    seen: dict[int, Tenant] = {}
    for m in user.memberships:
        seen[m.tenant.id] = m.tenant
        if m.role == Role.COORDINATOR and m.tenant.kind == TenantKind.REGION:
            for child in m.tenant.children:
                seen[child.id] = child
    if user.is_platform_admin:
        for t in db.scalars(select(Tenant)):
            seen[t.id] = t
    ordered = sorted(seen.values(), key=lambda t: (t.kind != TenantKind.REGION, t.name.lower()))
    return [(t, roles_in(user, t)) for t in ordered]
