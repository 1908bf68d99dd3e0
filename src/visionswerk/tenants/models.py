"""Tenants, accounts, memberships and the tokens that belong to them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from visionswerk.db import Base, str_enum, utcnow
from visionswerk.timefmt import DEFAULT_TIME_ZONE


class TenantKind(enum.StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


class TenantOwned:
    """Mixin for every row that belongs to one tenant; queries are scoped to it."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(str_enum(TenantKind, "tenant_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    visions_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # every time a person reads is shown in this zone (visionswerk.timefmt); stored times are UTC
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[Tenant | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Tenant]] = relationship(back_populates="parent", order_by="Tenant.name")

    @property
    def is_region(self) -> bool:
        return self.kind == TenantKind.REGION

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(5), default="de")
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The user protocol of Flask-Login, without importing Flask here. The id in the
    # cookie is the login session's token, not the user's id (see accounts).
    login_token = None  # set when loaded through a login session
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.login_token

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(Base):
    """A user's role in one tenant. Coordinator rights in a region's municipalities are
    derived from the region membership by the policy, never copied here."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class LoginSession(Base):
    """One login. Its token (hashed here) is what the session cookie carries; logging out
    deletes the row, so a replayed old cookie no longer logs anybody in."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # written at most once a minute (tenants.login_sessions.TOUCH_EVERY): the idle timeout
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # "Firefox auf Windows": for the list of signed-in devices, never the raw header
    device: Mapped[str] = mapped_column(String(100), default="", server_default="")

    user: Mapped[User] = relationship()


class AuthEvent(Base):
    """One authentication event (service: ``tenants.auth_events``): a login, a failed
    login, a logout, a password reset, a token created … Kept with the account; an
    unknown address's failed login has no user and only a masked address."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    client_address: Mapped[str] = mapped_column(String(45), default="")
    device: Mapped[str] = mapped_column(String(100), default="")
    email_hint: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


class PasswordReset(Base):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class Invitation(TenantOwned, Base):
    """A single-use, expiring link that adds its holder to a tenant with a role.
    Only the SHA-256 of the token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship()


class AuditEntry(TenantOwned, Base):
    """Who did what, when, in a tenant."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        # last activity per tenant (overviews) and the digest's day per tenant
        Index("ix_audit_entries_tenant_id_created_at", "tenant_id", "created_at"),
        # the notification scan: its actions after its cursor
        Index("ix_audit_entries_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class ApiToken(Base):
    """A personal API token of one user (service: ``tenants.api_tokens``). Only the
    SHA-256 of the token is stored; ``hint`` is its first characters, to recognise it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class UserMfa(Base):
    """Two-factor login (TOTP) of one user (service: ``tenants.mfa``). The row exists only
    while it is switched on. ``secret_sealed`` is the TOTP secret encrypted with a key
    derived from SECRET_KEY; ``last_step`` is the 30-second time step of the last code
    accepted, so no code works twice."""

    __tablename__ = "user_mfa"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_sealed: Mapped[str] = mapped_column(String(255))
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    enabled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RecoveryCode(Base):
    """A single-use recovery code for logging in without the phone; only its argon2id hash
    is stored."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]
