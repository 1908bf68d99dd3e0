"""Rows of the visions package: in-app notices and the provenance of parent statements
taken into a draft."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from visionswerk.db import Base, utcnow
from visionswerk.tenants.models import Tenant, TenantOwned
from visionswerk.workshops.models import VisionVersion


class Notice(TenantOwned, Base):
    """An in-app notice for one person in one tenant, e.g. "the parent vision changed"
    (kind ``parent_changed``: ``version_id`` is the parent's new version, ``old_version_id``
    the one the tenant still embeds)."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "kind", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="CASCADE")
    )
    old_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]

    tenant: Mapped[Tenant] = relationship()
    version: Mapped[VisionVersion | None] = relationship(foreign_keys=[version_id])
    old_version: Mapped[VisionVersion | None] = relationship(foreign_keys=[old_version_id])


class StatementUse(TenantOwned, Base):
    """A statement of the parent vision a participant took into their step-1 draft (the
    aspect ledger shows keywords with such a record as "aus der Vision von …")."""

    __tablename__ = "parent_statement_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_version_id: Mapped[int] = mapped_column(
        ForeignKey("vision_versions.id", ondelete="CASCADE")
    )
    statement: Mapped[str] = mapped_column(Text)
    keyword: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


from visionswerk.visions import personal_data as _personal_data  # noqa: E402, F401
from visionswerk.visions import policy as _policy  # noqa: E402, F401
