"""Join from a phone: ``/mitmachen`` (type the code from the projector) and
``/mitmachen/<code>`` (what the QR code opens) lead an invited participant to the step
the workshop is in now. Somebody not logged in logs in first and comes back (the
pipeline sends them to the login page with this address as ``next``); somebody not
invited reads why, in plain words (404: for them the workshop does not exist)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.tenants.models import User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import join_codes
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase, Workshop
from visionswerk.workshops.policy import is_participant

# the page each phase's participant works on (if the policy lets them open it)
STEP_PAGES = {
    Phase.INDIVIDUAL: "draft",
    Phase.PLENARY: "plenary",
    Phase.SIGNING: "signing",
    Phase.ADOPTED: "adopted",
}


def step_url(user: User, workshop: Workshop) -> str:
    """Where ``user`` works in ``workshop`` now: the draft, the pair, step 3, signing —
    or the workshop's overview (those who run it, and phases without a page of one's own)."""
    values = {"tenant_slug": workshop.tenant.slug}
    with tenant_scope(workshop.tenant_id):
        may = helpers.page_links(user, workshop)
        participant = is_participant(user, workshop)
        pair = ws.pair_of(user, workshop) if participant else None
    if participant and workshop.phase in (Phase.PAIRS, Phase.FOURS):
        if pair is not None:
            return url_for("workshops.pair", pair_id=pair.id, **values)
        if "draft" in may:  # step 1 is still open until the pairs are confirmed
            return url_for("workshops.draft", workshop_id=workshop.id, **values)
    page = STEP_PAGES.get(workshop.phase)
    if participant and page in may:
        return url_for(f"workshops.{page}", workshop_id=workshop.id, **values)
    return url_for("workshops.overview", workshop_id=workshop.id, **values)


def render_join(code: str, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("workshops/join.html", code=code, error=error), status


@bp.get("/mitmachen")
def join():  # type: ignore[no-untyped-def]
    typed = request.args.get("code")
    if typed is None:
        return render_join("")
    code = join_codes.normalise(typed)
    if code is None:
        return render_join(
            typed,
            _("Ein Code hat sechs Zeichen, zum Beispiel „K7M 4RX“. Bitte prüfen Sie ihn."),
            422,
        )
    return redirect(url_for("workshops.join_code", code=code))


@bp.get("/mitmachen/<code>")
def join_code(code: str):  # type: ignore[no-untyped-def]
    workshop = join_codes.workshop_for_code(current_user, code[:40])
    if workshop is None:
        return render_join(code[:40], NOT_INVITED, 404)
    return redirect(step_url(current_user, workshop))


NOT_INVITED = "not-invited"  # the template explains it in full
