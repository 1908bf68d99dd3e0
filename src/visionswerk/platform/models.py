"""Rows of the web app itself (not of a tenant): text kept across a login."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from visionswerk.db import Base, utcnow


class KeptForm(Base):
    """The text fields of a form that was sent after the login session had ended
    (``platform/kept_text.py``): shown again in that form after the next login in the
    same browser, to the same account only (``owner_id``: a shared computer must not
    hand one person's draft to the next). Found only through the key in that browser's
    cookie (stored as its SHA-256); deleted after ``KEPT_HOURS`` and with the account.
    Belongs to no tenant: the request had no login."""

    __tablename__ = "kept_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(String(2000))  # the page the form is on
    action: Mapped[str] = mapped_column(String(2000))  # the path the form was sent to
    fields: Mapped[str] = mapped_column(Text)  # JSON: {"name": "value", …}
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
