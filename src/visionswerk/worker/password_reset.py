"""The password-reset mail, looked up and built in the worker (issue 13, finding 9).

The web request that asks for a reset does the same work whether or not an account has
the address — it validates the form and enqueues :func:`send_reset` with the address —
so its timing tells nothing. Here, in the worker, the account is looked up; only if it
exists (and is active) a single-use token is made (only its hash stored), the mail is
rendered in the account's language and put into the outbox (key
``password-reset:<id>``), and ``password_reset_requested`` is logged with the client
address and device the request had.
"""

from __future__ import annotations

from visionswerk.settings import Settings
from visionswerk.tenants import accounts, auth_events
from visionswerk.worker import emails
from visionswerk.worker.outbox import queue_email

#: The page of a reset link (``platform/accounts``: ``accounts.reset_password``).
RESET_PATH = "/passwort/neu/"


def send_reset(settings: Settings, email: str, client_address: str, user_agent: str) -> bool:
    """Queue the reset mail for the account with ``email``; False when there is none."""
    found = accounts.request_password_reset(email, settings.password_reset_minutes)
    if found is None:
        return False
    user, token = found
    reset = accounts.valid_password_reset(token)
    assert reset is not None  # made just now
    with auth_events.client(client_address, user_agent):
        auth_events.record(user, "password_reset_requested")
    subject, text, html = emails.render(
        "password_reset",
        emails.locale_of(user),
        user=user,
        link=settings.base_url + RESET_PATH + token,
        minutes=settings.password_reset_minutes,
    )
    queue_email(f"password-reset:{reset.id}", user.email, subject, text, html)
    return True
