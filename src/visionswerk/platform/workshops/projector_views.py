"""The projector view ("Beamer-Ansicht"): a read-only page in large type for the
facilitator's second screen, and the fragment of it the page reloads (``/beamer/stand``).

What it shows is decided in ``workshops/projector.py`` (nothing a participant could not
see); the page only draws it. The join box (QR code, code, address) is drawn here, on the
server (``segno``: no web service sees the address).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from flask import Response, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from visionswerk.db import utcnow
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.workshops import helpers, live_stream
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.workshops import services as ws
from visionswerk.workshops.projector import RoomView, live_channel, room_view

# how often the page reloads its state when no live updates reach it (seconds)
POLL_SECONDS = 5


def time_left_texts() -> dict[str, str]:
    """The wordings of the step timer, for the server's first text and the page's script
    (which fills in the numbers every second)."""
    return {
        "day": _("noch {d} Tag und {h} Std."),
        "days": _("noch {d} Tage und {h} Std."),
        "hours": _("noch {h} Std. und {m} Min."),
        "minutes": _("noch {m}:{s} Min."),
        "past": _("Die Frist ist abgelaufen."),
    }


def time_left(deadline: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "noch 2 Tage und 3 Std." … "noch 4:05 Min." … "Die Frist ist abgelaufen." """
    if deadline is None:
        return ""
    texts = time_left_texts()
    seconds = int((deadline - (now or utcnow())).total_seconds())
    if seconds <= 0:
        return texts["past"]
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if d:
        return texts["day" if d == 1 else "days"].format(d=d, h=h)
    if h:
        return texts["hours"].format(h=h, m=m)
    return texts["minutes"].format(m=m, s=f"{s:02d}")


def join_url(room: RoomView) -> str:
    code = room.join_code.replace(" ", "")
    return helpers.base_url().rstrip("/") + url_for("workshops.join_code", code=code)


def qr_svg(url: str) -> Markup:
    svg = segno.make(url, error="m").svg_inline(
        scale=6, border=4, dark="#000", light="#fff", omitsize=True
    )
    return Markup(svg)  # segno draws paths only; no text of ours is in it


def _state_context(room: RoomView) -> dict[str, Any]:
    return {
        "room": room,
        "w": room.workshop,
        "time_left": time_left(room.deadline),
        "now_ms": int(utcnow().timestamp() * 1000),
    }


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/beamer")
def projector(workshop_id: int):  # type: ignore[no-untyped-def]
    room = room_view(current_user, ws.get_workshop(current_user, workshop_id))
    url = join_url(room)
    return render_template(
        "workshops/projector.html",
        tenant=current_tenant(),
        join_url=url,
        join_address=helpers.base_url().rstrip("/") + url_for("workshops.join"),
        qr=qr_svg(url),
        texts=time_left_texts(),
        poll_seconds=POLL_SECONDS,
        **_state_context(room),
    )


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/beamer/live")
def projector_live(workshop_id: int):  # type: ignore[no-untyped-def]
    """Server-sent events: "change" whenever the state may have changed (the page then
    fetches ``/beamer/stand``). One short stream per request, then the browser
    reconnects; 204 without Redis, so the page polls instead."""
    name = live_channel(current_user, ws.get_workshop(current_user, workshop_id))
    wanted = request.accept_mimetypes.best_match(["text/event-stream", "text/html"])
    if wanted != "text/event-stream":
        return _("Diese Adresse liefert die Live-Meldungen der Beamer-Ansicht."), 406
    events = live_stream.open_stream(name)
    if events is None:
        return "", 204
    return Response(
        events,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/beamer/stand")
def projector_state(workshop_id: int):  # type: ignore[no-untyped-def]
    """The changing part of the page, as an HTML fragment: fetched by the page's script
    after each live message, and every few seconds when no live updates reach it."""
    room = room_view(current_user, ws.get_workshop(current_user, workshop_id))
    response = make_response(render_template("workshops/_projector_state.html",
                                             **_state_context(room)))  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response
