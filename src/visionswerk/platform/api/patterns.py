"""Patterns of the onboarding, report and token requests, checked by Python's ``re``.

A pattern in the description is read by clients with their own regex engines; ours must
agree with the one a client generates from (schemathesis and most Python clients use
``re``). pydantic's default engine (Rust ``regex``) differs from ``re`` at the edges: ``$``
(``re`` also matches before a final newline) and ``\\s`` (``re`` counts U+001C–U+001F as
space, Rust does not). So these requests validate with ``re``, and the classes below spell
out the characters they exclude instead of leaning on ``\\s`` alone.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from visionswerk.platform.api import models as m

#: not a space, not a control character (C0, DEL, C1, no-break space)
VISIBLE = r"[^\s\x00-\x20\x7f-\xa0]"
_EMAIL_PART = r"[^@\s\x00-\x20\x7f-\xa0]+"


class Request(m.Request):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$",
        description="An e-mail address (compared in lower case).",
        examples=["person@musterhausen.example"],
    ),
]


def Label(max_length: int, description: str | None = None) -> object:  # noqa: N802
    """A name a person gives: at least one visible character, no NUL."""
    return Annotated[
        str,
        Field(
            min_length=1,
            max_length=max_length,
            pattern=rf"^[^\x00]*{VISIBLE}[^\x00]*$",
            description=description,
        ),
    ]
