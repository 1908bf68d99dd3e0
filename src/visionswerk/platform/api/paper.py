"""Issue 14 in ``/api/v1``: signatures given with a pen on the printed sheet, drafts and
groups' proposals written on paper, and "fertig" said without a device — recorded by the
workshop's facilitator (the same services as the pages)."""

from __future__ import annotations

import base64
import binascii

from visionswerk.i18n import N_
from visionswerk.platform.api import answers as a
from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.spec import api, created
from visionswerk.platform.api.views import PAIR, WORKSHOP, me, pair_of, workshop
from visionswerk.tenants.accounts import InvalidField
from visionswerk.workshops import paper


def _scan(data: str | None) -> bytes | None:
    if not data:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidField("scan_base64", N_("Der Scan ist nicht lesbar (kein Base64).")) from None


@bp.post(WORKSHOP + "/paper-signatures")
@api(
    ok=m.SignatureCreated,
    status=201,
    tag="Signing",
    conflict=m.SigningConflict,
    state_fields=("signed_on",),
    fields={"scan": "scan_base64"},
)
def record_paper_signature(workshop_id: int, json: m.PaperSignatureCreate):  # type: ignore[no-untyped-def]
    """Record a signature given on the printed sheet (facilitator)

    It is an ordinary signature of the version being signed, marked `paper`, with the date
    on the sheet and who recorded it; the signatory's link, if any, stops working."""
    w = workshop(workshop_id)
    signature = paper.record_paper_signature(
        me(),
        w,
        signatory_id=json.signatory_id,
        name=json.name,
        function=json.function,
        signed_on=json.signed_on,
        scan=_scan(json.scan_base64),
    )
    return created({"signatory_id": signature.signatory_id, "signature": a.signature(signature)})


@bp.post(WORKSHOP + "/paper-drafts")
@api(
    ok=m.PaperDraftCreated,
    status=201,
    tag="Step 1",
    errors=(409,),
    state_fields=("participant_id",),
)
def record_paper_draft(workshop_id: int, json: m.PaperDraftCreate):  # type: ignore[no-untyped-def]
    """Record a draft written on paper for a participant without a device (facilitator)

    Submitted at once and marked as recorded by the facilitator; from then on it is the
    participant's draft like any other (paired, in the ledger). A participant who has
    begun a draft of their own keeps it: 409."""
    draft = paper.record_paper_draft(
        me(),
        workshop(workshop_id),
        participant_id=json.participant_id,
        keywords=json.keywords,
        text=json.text,
    )
    return created(
        {
            "draft_id": draft.id,
            "author_id": draft.author_id,
            "submitted_at": draft.submitted_at,
            "recorded_by": me().display_name,
        }
    )


@bp.post(PAIR + "/paper-proposal")
@api(ok=m.Pair, status=201, tag="Step 2", errors=(409,))
def record_paper_proposal(pair_id: int, json: m.PaperProposalCreate):  # type: ignore[no-untyped-def]
    """Record a group's proposal written on paper (facilitator)

    A pair's (step 2) or a four's (round of four), while the group has saved nothing
    itself — what it saved stays, unseen: 409. Every member is then ready; the answer
    gives the group with its readiness, not the text."""
    pair = pair_of(pair_id)
    paper.record_paper_proposal(me(), pair, text=json.text, keywords=json.keywords)
    return created(a.pair(pair))


@bp.post(PAIR + "/ready-for")
@api(ok=m.Pair, tag="Step 2", errors=(409,), state_fields=("user_id",))
def mark_ready_for(pair_id: int, json: m.ReadyFor):  # type: ignore[no-untyped-def]
    """Record "fertig" for a member without a device (facilitator)"""
    pair = pair_of(pair_id)
    paper.mark_ready_for(me(), pair, json.user_id)
    return a.pair(pair)
