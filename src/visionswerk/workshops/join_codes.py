"""Join codes: the short code on the projector that leads a phone to its workshop.

Six characters from an alphabet without the characters people mix up when they read a
projector from the back of a room or type on a phone: no 0/O/D/Q, 1/I/L/J, 2/Z, 5/S, 8/B,
U/V. Every workshop gets one when it is created (the column default); the database keeps
it unique within the tenant (``uq_workshops_tenant_id_join_code``).

The code is no secret and grants nothing: it only finds a workshop the person already
takes part in (or may see anyway). For everybody else a code of another tenant's
workshop and a code that does not exist look the same, so a code tells nobody about a
workshop they are not part of.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models import this module for the column default
    from visionswerk.tenants.models import User
    from visionswerk.workshops.models import Workshop

ALPHABET = "ACEFGHKMNPRTWXY34679"
LENGTH = 6
# what people put between the characters when they copy a code: spaces, dashes, dots
_SEPARATORS = re.compile(r"[\s\-_.·]+")


def new_code() -> str:
    """A random code (20⁶ = 64 million codes; a tenant has a few dozen workshops, so
    two alike in one tenant are practically impossible — and the constraint refuses it)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str | None) -> str | None:
    """The code as stored, from what somebody typed ("k7m 4rx" → "K7M4RX"); None when it
    cannot be a code (wrong length or a character the alphabet leaves out)."""
    if raw is None:
        return None
    code = _SEPARATORS.sub("", raw).upper()
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def display(code: str) -> str:
    """The code as the projector shows it, in two groups of three: "K7M 4RX"."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def workshop_for_code(user: User, raw: str | None) -> Workshop | None:
    """The workshop with this code that ``user`` may open (``workshop.view``: they take
    part, run it, or see its status anyway), preferring one they take part in; None
    otherwise — the same for an unknown code and for another tenant's workshop."""
    from sqlalchemy import select

    from visionswerk.db import db
    from visionswerk.tenants.policy import can
    from visionswerk.workshops.models import Workshop
    from visionswerk.workshops.policy import is_participant

    code = normalise(raw)
    if code is None:
        return None
    # codes are unique per tenant only: the same code may exist in several tenants
    found = db.scalars(
        select(Workshop)
        .where(Workshop.join_code == code)
        .order_by(Workshop.created_at.desc(), Workshop.id.desc())
        .execution_options(all_tenants=True)
    ).all()
    visible = [w for w in found if can(user, "workshop.view", w)]
    taking_part = [w for w in visible if is_participant(user, w)]
    return (taking_part or visible or [None])[0]
