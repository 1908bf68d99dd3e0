"""Marking of user-facing messages outside Flask.

Services raise errors with German message ids marked by :func:`N_`; the web app and the
worker translate them at the edge (``gettext(error.message, **error.params)``), so
domain code never imports Flask.
"""


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    """Mark ``message`` for extraction without translating it now."""
    return message
