"""Rendering the worker's emails without Flask: a Jinja environment of the worker's own
(``worker/templates``) with the i18n extension and the web app's translation catalog
(``platform/translations``), German by default, English where ``user.locale == "en"``.

Every mail has a subject, a text part and an HTML part (``mail/<name>.subject.txt``,
``.txt``, ``.html``) and, when it goes to a user, a one-click way to stop reminders
(a link to the confirmation page and the RFC 8058 headers).
"""

from __future__ import annotations

import dataclasses
from functools import cache, partial
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import escape

from visionswerk import timefmt
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import Tenant, User
from visionswerk.worker import outbox, preferences
from visionswerk.worker.models import OutgoingEmail
from visionswerk.worker.outbox import queue_email

HERE = Path(__file__).parent
CATALOG = HERE.parent / "platform" / "translations"
LOCALES = ("de", "en")


@cache
def translations(locale: str) -> NullTranslations:
    if locale == "de":
        return NullTranslations()  # the msgids are German
    return Translations.load(str(CATALOG), [locale], domain="messages")


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = pass_context(partial(_datetime_filter, locale))
    env.filters["day"] = pass_context(partial(_day_filter, locale))
    return env


def _datetime_filter(locale: str, context: Any, value: Any) -> str:
    """``{{ moment|datetime }}``: local time in the context's ``time_zone`` (the tenant's)."""
    return timefmt.format_datetime(value, context.get("time_zone"), locale)


def _day_filter(locale: str, context: Any, value: Any) -> str:
    return timefmt.format_day(value, context.get("time_zone"), locale)


def format_datetime(value: Any, time_zone: str | None = None, locale: str = "de") -> str:
    """A moment as a mail's reader reads it (see ``visionswerk.timefmt``)."""
    return timefmt.format_datetime(value, time_zone, locale)


def time_zone_of(tenant_id: int | None) -> str | None:
    """The tenant's time zone for times in a mail (None: the default zone)."""
    tenant = db.get(Tenant, tenant_id) if tenant_id is not None else None
    return tenant.time_zone if tenant is not None else None


#: The page of each step under ``/<tenant>/workshops/<id>/`` (the workshop pages' URL scheme).
STEP_PAGES = {
    "individual": "entwurf",
    "pairs": "paare",
    "fours": "paare",  # the page sends a member on to their group of the current round
    "plenary": "alle",
    "signing": "bestaetigung",
    "adopted": "beschlossen",
}


def task_link(settings: Settings, tenant_slug: str, workshop_id: int, step: str | None) -> str:
    """A direct link to the step's page of a workshop (the workshop page without a step)."""
    page = STEP_PAGES.get(step or "", "")
    return f"{settings.base_url}/{tenant_slug}/workshops/{workshop_id}/{page}"


def group_link(settings: Settings, tenant_slug: str, pair_id: int) -> str:
    """A direct link to a group's page (a pair of step 2 or a four: ``/<tenant>/paare/<id>``)."""
    return f"{settings.base_url}/{tenant_slug}/paare/{pair_id}"


def deadline_attachment(
    settings: Settings, tenant: Tenant, workshop: Any, step: str | None, locale: str = "de"
) -> outbox.Attachment | None:
    """The step's deadline as a calendar entry for a mail about the step, in the reader's
    language (``workshops.calendar``: the same entry as the pages' ``.ics``); None when the
    step has no deadline."""
    from visionswerk.workshops import calendar
    from visionswerk.workshops.lifecycle import DEADLINE_PHASES

    if step not in {p.value for p in DEADLINE_PHASES} or workshop.deadline(step) is None:
        return None
    entry = calendar.build(
        workshop,
        step,  # type: ignore[arg-type]
        tenant_name=tenant.name,
        time_zone=tenant.time_zone,
        link=task_link(settings, tenant.slug, workshop.id, step),
        base_url=settings.base_url,
        translate=translations(locale).gettext,
    )
    return outbox.Attachment(entry.filename, entry.content, entry.media_type, calendar.PARAMS)


def locale_of(user: User | None) -> str:
    return user.locale if user is not None and user.locale in LOCALES else "de"


def gettext(locale: str, message: str, **params: Any) -> str:
    text = translations(locale).gettext(message)
    return text % params if params else text


def render(name: str, locale: str = "de", **context: Any) -> tuple[str, str, str]:
    env = environment(locale)
    context.setdefault("lang", locale)
    subject = env.get_template(f"mail/{name}.subject.txt").render(**context).strip()
    text = env.get_template(f"mail/{name}.txt").render(**context)
    html = env.get_template(f"mail/{name}.html").render(**context)
    return " ".join(subject.split()), text, html


def send_to_user(
    settings: Settings,
    key: str,
    user: User,
    name: str,
    *,
    tenant_id: int | None,
    tenant_name: str,
    link: str,
    time_zone: str | None = None,
    **context: Any,
) -> OutgoingEmail:
    """Queue mail ``name`` to ``user`` (idempotent by ``key``), in their language, with
    the tenant's name, the task link and the unsubscribe link + headers. Times in it are
    shown in ``time_zone`` (default: the zone of ``tenant_id``)."""
    token = preferences.token_for(settings, user.id)
    unsubscribe = unsubscribe_url(settings, token)
    subject, text, html = render(
        name,
        locale_of(user),
        user=user,
        tenant_name=tenant_name,
        link=link,
        unsubscribe=unsubscribe,
        time_zone=time_zone or time_zone_of(tenant_id),
        **context,
    )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return queue_email(key, user.email, subject, text, html, tenant_id=tenant_id, headers=headers)


# --- one rendering for many recipients -------------------------------------------------------

#: Stand-ins for what differs per recipient. They pass autoescaping unchanged (no ``&<>"'``)
#: and cannot occur in a name or a URL we build, so replacing them is exact.
_NAME = "\x00name\x00"
_UNSUBSCRIBE = "\x00unsubscribe\x00"


class _Named:
    display_name = _NAME


@dataclasses.dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    display_name: str
    locale: str
    token: str  # the unsubscribe token (``preferences.tokens_for``)


@dataclasses.dataclass(frozen=True)
class Shared:
    """A mail rendered once for everyone with the same template, locale and context;
    :meth:`personal` fills in the name and the unsubscribe link — exactly what
    :func:`render` would have produced for that person, at the cost of a few replaces."""

    subject: str
    text: str
    html: str
    attachments: tuple[outbox.Attachment, ...] = ()  # the same files for everyone

    def personal(self, name: str, unsubscribe: str) -> tuple[str, str, str]:
        def fill(s: str, name: str, link: str) -> str:
            return s.replace(_NAME, name).replace(_UNSUBSCRIBE, link)

        subject = " ".join(fill(self.subject, name, unsubscribe).split())
        html = fill(self.html, str(escape(name)), str(escape(unsubscribe)))
        return subject, fill(self.text, name, unsubscribe), html


def prepare(
    name: str,
    locale: str,
    *,
    tenant_id: int | None,
    tenant_name: str,
    link: str,
    time_zone: str | None = None,
    **context: Any,
) -> Shared:
    """Render mail ``name`` once with stand-ins for the recipient's name and link."""
    subject, text, html = render(
        name,
        locale,
        user=_Named(),
        tenant_name=tenant_name,
        link=link,
        unsubscribe=_UNSUBSCRIBE,
        time_zone=time_zone or time_zone_of(tenant_id),
        **context,
    )
    return Shared(subject, text, html)


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/erinnerungen-abbestellen/{token}"


def outbox_row(
    settings: Settings, key: str, to: Recipient, mail: Shared, *, tenant_id: int | None
) -> dict[str, Any]:
    """The outbox values of one prepared mail to one recipient (``outbox.queue_many``)."""
    unsubscribe = unsubscribe_url(settings, to.token)
    subject, text, html = mail.personal(to.display_name, unsubscribe)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return outbox.email_values(
        key, to.email, subject, text, html, tenant_id, headers=headers, attachments=mail.attachments
    )
