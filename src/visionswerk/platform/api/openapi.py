"""The OpenAPI 3.1 description of ``/api/v1``, kept beside the routes as a Python dict
and served at ``GET /api/v1/openapi.json`` (public).

Every route of the ``api`` blueprint appears here and nothing else does
(tests/api/test_openapi.py compares it with ``app.url_map``); the tests also validate
the document and check the journey's responses against the schemas below.
"""

from __future__ import annotations

from typing import Any

from visionswerk.platform.api.problems import MIMETYPE

# --- small builders -------------------------------------------------------------------

S: dict[str, Any] = {"type": "string"}
I: dict[str, Any] = {"type": "integer"}  # noqa: E741
B: dict[str, Any] = {"type": "boolean"}
DT: dict[str, Any] = {"type": "string", "format": "date-time"}
PHASES = ["preparation", "individual", "pairs", "plenary", "signing", "adopted"]


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def null(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def obj(
    props: dict[str, Any], required: list[str] | None = None, *, closed: bool = True
) -> dict[str, Any]:
    """An object; by default every property is required (responses) and no other
    property may appear."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


# --- schemas --------------------------------------------------------------------------

PERSON = {"user_id": I, "display_name": S}
WORKSHOP = {
    "id": I,
    "title": S,
    "guiding_question": S,
    "guiding_question_html": S,
    "phase": ref("Phase"),
    "phase_label": S,
    "deadlines": obj({p: null(DT) for p in ("individual", "pairs", "plenary", "signing")}),
    "reminder_offsets": arr(I),
    "step1_closed": B,
    "pairs_confirmed_at": null(DT),
    "created_at": DT,
    "updated_at": DT,
    "me": obj({"manages": B, "sees_status": B, "writes_draft": B}),
    "allowed_moves": arr(ref("Phase")),
}
PROPOSAL = {
    "id": I,
    "pair_id": I,
    "pair_number": I,
    "text": S,
    "text_html": S,
    "keywords": arr(S),
    "version": {**I, "description": "0 = nothing saved yet"},
    "updated_at": null(DT),
    "updated_by": null(S),
}
PAIR = {"id": I, "number": I, "members": arr(obj({**PERSON, "ready": B}))}
SHARE = {"taken_up": I, "set_aside": I, "open": I, "total": I, "percent": null(I)}
GROUP = {"id": I, "label": S, "aspect_ids": arr(I)}
DEADLINES_IN = {
    "type": "object",
    "description": "ISO 8601 date and time with a time zone per step, or null.",
    "properties": {p: null(DT) for p in ("individual", "pairs", "plenary", "signing")},
    "additionalProperties": False,
}
EMBEDDED_PARENT = {
    "type": "object",
    "description": "The parent version this version embeds (part of what the SHA-256 covers).",
    "properties": {
        "tenant": {
            "type": "object",
            "properties": {"slug": S, "name": S},
            "required": ["slug", "name"],
            "additionalProperties": False,
        },
        "id": I,
        "number": I,
        "sha256": S,
        "statements": {
            "type": ["array", "null"],
            "items": S,
            "description": "The chosen statements; null: the whole parent text is embedded.",
        },
        "outdated": B,
    },
    "required": ["tenant", "id", "number", "sha256", "statements", "outdated"],
    "additionalProperties": False,
}
VERSION = {
    "id": I,
    "number": I,
    "title": S,
    "sha256": S,
    "created_at": DT,
    "adopted_at": null(DT),
    "text": S,
    "text_html": S,
    "canonical": {**S, "description": "The canonical form the SHA-256 covers."},
    "embedded_parent": null(EMBEDDED_PARENT),
    "verified": {**B, "description": "The SHA-256 matches the text and the embedded parent."},
}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `detail` is plain German (English "
        "for accounts set to English). 409 adds the conflict's data as extension "
        "members, e.g. `stored` and `submitted` (both texts) for a stale version, "
        "`from`/`to` for an invalid move.",
        "properties": {
            "type": S,
            "title": S,
            "status": I,
            "detail": S,
            "errors": arr(ref("FieldError")),
            "stored": {"type": "object", "description": "What is saved now (409)."},
            "submitted": {"type": "object", "description": "What this request sent (409)."},
        },
        "required": ["type", "title", "status", "detail"],
    },
    "FieldError": obj({"field": S, "detail": S}),
    "Phase": enum(*PHASES),
    "Person": obj(PERSON),
    "Tenant": obj({"slug": S, "name": S, "kind": enum("region", "municipality")}),
    "Me": obj(
        {
            "id": I,
            "email": S,
            "display_name": S,
            "locale": S,
            "is_platform_admin": B,
            "memberships": arr(
                obj(
                    {
                        "tenant": ref("Tenant"),
                        "role": enum("coordinator", "facilitator", "participant"),
                    }
                )
            ),
            "authenticated_by": enum("token", "session"),
            "csrf_token": {
                **null(S),
                "description": "Session clients send it as X-CSRFToken with every change.",
            },
        }
    ),
    "Task": obj(
        {
            "kind": enum(
                "write_draft",
                "give_feedback",
                "write_proposal",
                "mark_ready",
                "mark_strengths",
                "confirm_pairs",
                "compose_vision",
                "collect_signatures",
                "sign",
            ),
            "label": S,
            "workshop": obj({"id": I, "title": S}),
            "tenant": obj({"id": I, "slug": S, "name": S}),
            "phase": ref("Phase"),
            "phase_label": S,
            "deadline": null(DT),
            "pair_id": null(I),
            "signatory_id": null(I),
            "count": null(I),
        }
    ),
    "TaskList": obj({"tasks": arr(ref("Task"))}),
    "Workshop": obj(WORKSHOP),
    "WorkshopList": obj({"workshops": arr(ref("Workshop"))}),
    "WorkshopDetail": obj(
        {
            **WORKSHOP,
            "participants": arr(ref("Person")),
            "submissions": {
                **arr(obj({**PERSON, "submitted": B, "submitted_at": null(DT)})),
                "description": "Who has submitted (never what) — for facilitators, "
                "coordinators and admins only.",
            },
            "pair_progress": arr(ref("PairProgress")),
            "invited_emails": arr(S),
        },
        required=[*WORKSHOP, "participants"],
    ),
    "PairProgress": obj(
        {
            "pair_id": I,
            "number": I,
            "members": arr(obj({**PERSON, "ready": B})),
            "proposal_version": I,
            "has_text": B,
            "feedback_given": I,
            "feedback_expected": I,
            "updated_at": null(DT),
            "ready_count": I,
            "all_ready": B,
        }
    ),
    "WorkshopCreate": obj(
        {
            "title": S,
            "guiding_question": S,
            "deadlines": DEADLINES_IN,
            "participant_ids": arr(I),
            "reminder_offsets": {**arr(I), "description": "Hours before a deadline."},
        },
        required=["title"],
    ),
    "WorkshopUpdate": obj(
        {
            "title": S,
            "guiding_question": S,
            "deadlines": DEADLINES_IN,
            "reminder_offsets": arr(I),
        },
        required=[],
    ),
    "ParticipantsAdd": obj({"user_ids": arr(I)}),
    "PhaseMove": obj(
        {
            "to": ref("Phase"),
            "include_without_draft": {
                **B,
                "description": "Move to pairs only: pair participants without a draft too.",
            },
            "seed": {**I, "description": "Move to pairs only: the shuffle's seed."},
        },
        required=["to"],
    ),
    "Pairing": obj(
        {
            "workshop_id": I,
            "confirmed": B,
            "pairs": arr(obj({"id": I, "number": I, "members": arr(ref("Person"))})),
            "seed": null(I),
            "include_without_draft": B,
            "unpaired": arr(obj({**PERSON, "submitted": B})),
        },
        required=["workshop_id", "confirmed", "pairs"],
    ),
    "PairingPropose": obj({"include_without_draft": B, "seed": I}, required=[]),
    "PairingSwap": obj({"user_a_id": I, "user_b_id": I}),
    "PairingMove": obj(
        {"user_id": I, "pair_id": {**null(I), "description": "null: out of every pair"}},
        required=["user_id"],
    ),
    "Draft": obj(
        {
            "id": null(I),
            "keywords": arr(S),
            "text": S,
            "text_html": S,
            "version": I,
            "submitted": B,
            "submitted_at": null(DT),
            "updated_at": null(DT),
            "writable": B,
            "name_in_documentation": {
                **B,
                "description": "I agreed that my display name stands beside my keywords "
                "in the process documentation.",
            },
        }
    ),
    "NameConsent": obj({"agreed": B}, required=["agreed"]),
    "DraftSave": obj(
        {
            "keywords": arr(S),
            "text": {**S, "description": "Markdown"},
            "base_version": {
                **null(I),
                "description": "The version the editor started from; a stale one is a 409.",
            },
            "submit": B,
        },
        required=[],
    ),
    "PartnerDraft": obj(
        {
            "id": I,
            "author": ref("Person"),
            "keywords": arr(S),
            "text": S,
            "text_html": S,
            "submitted_at": null(DT),
        }
    ),
    "Pair": obj(PAIR),
    "Feedback": obj(
        {
            "id": I,
            "draft_id": I,
            "author": null(ref("Person")),
            "especially_good": S,
            "to_sharpen": S,
            "updated_at": DT,
        }
    ),
    "FeedbackSave": obj(
        {"draft_id": I, "especially_good": S, "to_sharpen": S}, required=["draft_id"]
    ),
    "MyPair": obj(
        {
            **PAIR,
            "proposal": ref("Proposal"),
            "partner_drafts": arr(ref("PartnerDraft")),
            "feedback": arr(ref("Feedback")),
            "can_work": B,
        }
    ),
    "MyPairResponse": obj({"workshop_id": I, "pair": null(ref("MyPair"))}),
    "Proposal": obj(PROPOSAL),
    "ProposalSave": obj(
        {"text": S, "keywords": arr(S), "base_version": I}, required=["base_version"]
    ),
    "Strength": obj({**PERSON, "note": S}),
    "Strengths": obj(
        {
            "proposal_id": I,
            "strengths": arr(ref("Strength")),
            "strength_count": I,
            "marked_by_me": B,
        }
    ),
    "StrengthMark": obj({"note": S}, required=[]),
    "Comment": obj(
        {
            "id": I,
            "proposal_id": I,
            "author": null(ref("Person")),
            "text": S,
            "text_html": S,
            "created_at": DT,
        }
    ),
    "CommentList": obj({"proposal_id": I, "comments": arr(ref("Comment"))}),
    "CommentCreate": obj({"text": S}),
    "Plenary": obj(
        {
            "workshop_id": I,
            "proposals": arr(
                obj(
                    {
                        **PROPOSAL,
                        "members": arr(ref("Person")),
                        "strengths": arr(ref("Strength")),
                        "strength_count": I,
                        "marked_by_me": B,
                        "comments": arr(ref("Comment")),
                    }
                )
            ),
            "draft_keywords": arr(
                obj(
                    {
                        "draft_id": I,
                        "author": obj(
                            {
                                "user_id": {
                                    **null(I),
                                    "description": "null unless the author agreed to be "
                                    "named (then display_name is their name, else "
                                    "„Beitrag A“, …)",
                                },
                                "display_name": S,
                            }
                        ),
                        "keywords": arr(S),
                    }
                )
            ),
        }
    ),
    "Aspect": obj(
        {
            "id": I,
            "label": S,
            "source": enum("draft", "proposal"),
            "provenance": {
                "oneOf": [
                    obj({"participant_id": null(I), "participant_name": null(S)}),
                    obj({"pair_id": I, "pair_number": null(I)}),
                ]
            },
            "group_id": null(I),
            "status": enum("open", "taken_up", "set_aside"),
            "passage": null(S),
            "reason": null(S),
            "decided_at": null(DT),
        }
    ),
    "AspectGroup": obj(GROUP),
    "AspectGroupDecided": obj({**GROUP, "aspects": arr(ref("Aspect"))}),
    "AspectGroupCreate": obj({"aspect_ids": arr(I), "label": S}),
    "Decision": obj(
        {
            "status": enum("taken_up", "set_aside"),
            "passage": {
                **S,
                "description": "taken_up: where the saved vision text carries the aspect.",
            },
            "reason": {**S, "description": "set_aside: why, briefly (≤ 500 characters)."},
        },
        required=["status"],
    ),
    "Share": obj(SHARE),
    "Coverage": obj(
        {
            "overall": ref("Share"),
            "per_pair": arr(obj({"pair_id": I, "number": I, "member_names": arr(S), **SHARE})),
            "per_participant": arr(obj({**PERSON, **SHARE})),
        }
    ),
    "Ledger": obj(
        {
            "aspects": arr(ref("Aspect")),
            "groups": arr(ref("AspectGroup")),
            "coverage": ref("Coverage"),
            "open_count": I,
        }
    ),
    "Vision": obj(
        {
            "workshop_id": I,
            "title": S,
            "text": S,
            "text_html": S,
            "version": I,
            "updated_at": null(DT),
            "updated_by": null(S),
        }
    ),
    "VisionSave": obj({"title": S, "text": S, "base_version": I}, required=["base_version"]),
    "SigningVersion": obj(
        VERSION, required=["id", "number", "title", "sha256", "created_at", "adopted_at"]
    ),
    "Signature": obj({"name": S, "function": S, "sha256": S, "signed_at": DT}),
    "Signatory": obj(
        {
            "id": I,
            "kind": enum("account", "named"),
            "user_id": null(I),
            "name": S,
            "function": S,
            "is_me": B,
            "signature": null(ref("Signature")),
        }
    ),
    "Signing": obj(
        {
            "workshop_id": I,
            "phase": ref("Phase"),
            "phase_label": S,
            "version": null(ref("SigningVersion")),
            "signatories": arr(ref("Signatory")),
            "signed_count": I,
            "total": I,
            "my_signatory_id": null(I),
        }
    ),
    "SignatoryCreate": obj(
        {
            "user_id": {**I, "description": "An account of the tenant …"},
            "name": {**S, "description": "… or a named person (with function)."},
            "function": S,
        },
        required=[],
    ),
    "SignatoryCreated": obj(
        {
            "signatory": ref("Signatory"),
            "link_token": {
                **null(S),
                "description": "Named persons: the single-use signing link's token, "
                "shown only now.",
            },
        }
    ),
    "SignatureCreate": obj(
        {
            "hash": {
                **S,
                "pattern": "^[0-9a-fA-F]{64}$",
                "description": "SHA-256 of the version the signer read (signing.version.sha256).",
            }
        }
    ),
    "SignatureCreated": obj({"signatory_id": I, "signature": ref("Signature")}),
}

# --- parameters, responses, operations -----------------------------------------------

PARAMETERS = {
    name: {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }
    for name, schema, description in (
        ("tenant_slug", S, "The municipality's or region's short name (as in page URLs)."),
        ("workshop_id", I, "A workshop of the tenant."),
        ("pair_id", I, "A pair of a workshop of the tenant."),
        ("proposal_id", I, "A pair's joint proposal."),
        ("aspect_id", I, "An aspect of the ledger."),
        ("group_id", I, "A group of aspects."),
    )
}

ERRORS = {
    400: ("BadRequest", "The body is not a JSON object, or the CSRF token is missing "
          "(session authentication)."),
    401: ("Unauthorized", "Not logged in, or the token is unknown or revoked."),
    403: ("Forbidden", "The object is visible, but this action is not allowed."),
    404: ("NotFound", "Not there — also another tenant's ids and objects the user may not see."),
    409: ("Conflict", "Stale version (both texts in `stored` and `submitted`), invalid "
          "move or guard (`from`/`to`), wrong hash."),
    415: ("UnsupportedMediaType", "The body is not application/json."),
    422: ("InvalidInput", "Invalid input; `errors` names the fields."),
}  # fmt: skip


def _params(*names: str) -> list[dict[str, Any]]:
    return [{"$ref": f"#/components/parameters/{n}"} for n in names]


def op(
    operation_id: str,
    summary: str,
    tag: str,
    *,
    ok: str | None,
    status: int = 200,
    body: str | None = None,
    errors: tuple[int, ...] = (401, 403, 404),
    description: str = "",
) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if ok is None:
        responses[str(status)] = {"description": "Done; no content."}
    else:
        responses[str(status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": ref(ok)}},
        }
    codes = set(errors)
    if body is not None:
        codes |= {400, 415, 422}
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return operation


W = "/{tenant_slug}/workshops/{workshop_id}"
STALE = (401, 403, 404, 409)

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi_document",
            "summary": "This description (OpenAPI 3.1)",
            "tags": ["API"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
    "/me": {
        "get": op(
            "get_me",
            "Who am I: account, memberships, and the CSRF token for session clients",
            "Me",
            ok="Me",
            errors=(401,),
        )
    },
    "/me/tasks": {
        "get": op(
            "my_tasks",
            "My tasks across all tenants: what is mine to do now, by when",
            "Me",
            ok="TaskList",
            errors=(401,),
        )
    },
    "/{tenant_slug}/workshops": {
        "parameters": _params("tenant_slug"),
        "get": op("list_workshops", "Workshops I may see", "Workshops", ok="WorkshopList"),
        "post": op(
            "create_workshop",
            "Create a workshop (facilitators)",
            "Workshops",
            ok="WorkshopDetail",
            status=201,
            body="WorkshopCreate",
        ),
    },
    W: {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op("get_workshop", "A workshop", "Workshops", ok="WorkshopDetail"),
        "patch": op(
            "update_workshop",
            "Change title, guiding question, deadlines, reminders",
            "Workshops",
            ok="WorkshopDetail",
            body="WorkshopUpdate",
            errors=STALE,
        ),
    },
    W + "/participants": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "add_participants",
            "Add members of the tenant as participants",
            "Workshops",
            ok="WorkshopDetail",
            body="ParticipantsAdd",
        ),
    },
    W + "/phase": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "move",
            "Move the workshop to another step",
            "Workshops",
            ok="WorkshopDetail",
            body="PhaseMove",
            errors=STALE,
            description="preparation → individual → pairs → plenary → signing → adopted "
            "(and back: pairs → individual before confirmation, signing → plenary). A "
            "refused move is a 409 whose `detail` says why, and changes nothing.",
        ),
    },
    W + "/pairing": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op(
            "get_pairing",
            "The pairs (facilitators: also proposed ones, seed, unpaired people)",
            "Pairs",
            ok="Pairing",
        ),
    },
    W + "/pairing/propose": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "propose_pairs",
            "Propose the pairs anew (before confirmation)",
            "Pairs",
            ok="Pairing",
            body="PairingPropose",
            errors=STALE,
        ),
    },
    W + "/pairing/swap": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "swap_members",
            "Swap two people between pairs",
            "Pairs",
            ok="Pairing",
            body="PairingSwap",
            errors=STALE,
        ),
    },
    W + "/pairing/move": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "move_member",
            "Put someone into a pair, or out of every pair",
            "Pairs",
            ok="Pairing",
            body="PairingMove",
            errors=STALE,
        ),
    },
    W + "/pairing/confirm": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "confirm_pairs",
            "Confirm the pairs: step 1 closes",
            "Pairs",
            ok="Pairing",
            errors=STALE,
        ),
    },
    W + "/draft": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op(
            "get_draft",
            "My step-1 draft (only ever my own)",
            "Step 1",
            ok="Draft",
        ),
        "put": op(
            "save_draft",
            "Save my draft (keywords and/or text), optionally submitting it",
            "Step 1",
            ok="Draft",
            body="DraftSave",
            errors=STALE,
        ),
    },
    W + "/draft/submit": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "submit_draft",
            "Submit my saved draft",
            "Step 1",
            ok="Draft",
            errors=(401, 403, 404, 409, 422),
        ),
    },
    W + "/draft/name-consent": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "put": op(
            "set_name_consent",
            "Agree (or no longer agree) to be named beside my keywords in the process "
            "documentation; possible at any time",
            "Step 1",
            ok="Draft",
            body="NameConsent",
            errors=(401, 403, 404, 409, 422),
        ),
    },
    W + "/draft/withdraw": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "withdraw_draft",
            "Take my submission back (while step 1 runs)",
            "Step 1",
            ok="Draft",
            errors=STALE,
        ),
    },
    W + "/pair": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op(
            "get_my_pair",
            "My pair: members, partners' drafts (after confirmation), feedback, proposal",
            "Step 2",
            ok="MyPairResponse",
        ),
    },
    "/{tenant_slug}/pairs/{pair_id}/feedback": {
        "parameters": _params("tenant_slug", "pair_id"),
        "put": op(
            "save_feedback",
            "My feedback on a partner's draft: especially good / to sharpen",
            "Step 2",
            ok="Feedback",
            body="FeedbackSave",
            errors=STALE,
        ),
    },
    "/{tenant_slug}/pairs/{pair_id}/proposal": {
        "parameters": _params("tenant_slug", "pair_id"),
        "get": op("get_proposal", "The pair's joint proposal", "Step 2", ok="Proposal"),
        "put": op(
            "save_proposal",
            "Save the joint proposal from the version the editor started from",
            "Step 2",
            ok="Proposal",
            body="ProposalSave",
            errors=STALE,
            description="Two saves from the same `base_version`: the first wins (200, "
            "version + 1), the second is a 409 carrying both texts (`stored`, "
            "`submitted`); nothing is lost. Every save resets the members' readiness.",
        ),
    },
    "/{tenant_slug}/pairs/{pair_id}/ready": {
        "parameters": _params("tenant_slug", "pair_id"),
        "post": op(
            "mark_ready",
            "Mark the proposal ready (me)",
            "Step 2",
            ok="Pair",
            errors=(401, 403, 404, 409, 422),
        ),
        "delete": op("unmark_ready", "Not ready after all (me)", "Step 2", ok="Pair", errors=STALE),
    },
    W + "/plenary": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op(
            "get_plenary",
            "Step 3: every pair's proposal, strengths, comments, and all drafts' keywords",
            "Step 3",
            ok="Plenary",
        ),
    },
    "/{tenant_slug}/proposals/{proposal_id}/strengths": {
        "parameters": _params("tenant_slug", "proposal_id"),
        "post": op(
            "mark_strength",
            "Mark a strength of the proposal (with an optional note)",
            "Step 3",
            ok="Strengths",
            body="StrengthMark",
            errors=STALE,
        ),
        "delete": op(
            "unmark_strength",
            "Take my strength mark back",
            "Step 3",
            ok="Strengths",
            errors=STALE,
        ),
    },
    "/{tenant_slug}/proposals/{proposal_id}/comments": {
        "parameters": _params("tenant_slug", "proposal_id"),
        "get": op("list_comments", "Comments on the proposal", "Step 3", ok="CommentList"),
        "post": op(
            "add_comment",
            "Comment on the proposal",
            "Step 3",
            ok="Comment",
            status=201,
            body="CommentCreate",
            errors=STALE,
        ),
    },
    W + "/ledger": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op(
            "get_ledger",
            "The aspect ledger: aspects with provenance and decisions, groups, coverage",
            "Step 3",
            ok="Ledger",
        ),
    },
    W + "/aspect-groups": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "group_aspects",
            "Group similar aspects",
            "Step 3",
            ok="AspectGroup",
            status=201,
            body="AspectGroupCreate",
            errors=STALE,
        ),
    },
    "/{tenant_slug}/aspects/{aspect_id}/decision": {
        "parameters": _params("tenant_slug", "aspect_id"),
        "put": op(
            "decide_aspect",
            "Take the aspect up (with the passage) or set it aside (with a reason)",
            "Step 3",
            ok="Aspect",
            body="Decision",
            errors=STALE,
        ),
        "delete": op("reopen_aspect", "Open the aspect again", "Step 3", ok="Aspect", errors=STALE),
    },
    "/{tenant_slug}/aspect-groups/{group_id}/decision": {
        "parameters": _params("tenant_slug", "group_id"),
        "put": op(
            "decide_group",
            "Decide every aspect of the group at once",
            "Step 3",
            ok="AspectGroupDecided",
            body="Decision",
            errors=STALE,
        ),
    },
    "/{tenant_slug}/aspect-groups/{group_id}": {
        "parameters": _params("tenant_slug", "group_id"),
        "delete": op(
            "dissolve_group",
            "Dissolve the group (its aspects keep their decisions)",
            "Step 3",
            ok=None,
            status=204,
            errors=STALE,
        ),
    },
    W + "/vision": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op("get_workshop_vision", "The vision text being composed", "Step 3", ok="Vision"),
        "put": op(
            "save_workshop_vision",
            "Save the vision text from the version the editor started from",
            "Step 3",
            ok="Vision",
            body="VisionSave",
            errors=STALE,
        ),
    },
    W + "/signing": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "get": op(
            "get_signing",
            "The version being signed (text, SHA-256) and its signatories",
            "Signing",
            ok="Signing",
        ),
    },
    W + "/signatories": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "add_signatory",
            "List a signatory: an account of the tenant or a named person",
            "Signing",
            ok="SignatoryCreated",
            status=201,
            body="SignatoryCreate",
            errors=STALE,
        ),
    },
    W + "/signatures": {
        "parameters": _params("tenant_slug", "workshop_id"),
        "post": op(
            "sign",
            "Sign the current version as a listed account signatory",
            "Signing",
            ok="SignatureCreated",
            status=201,
            body="SignatureCreate",
            errors=STALE,
            description="`hash` must be the SHA-256 of the version the signer read; "
            "any other hash (a new version) is a 409 with `current_sha256`.",
        ),
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Visionswerk API",
        "version": "1",
        "description": (
            "The 1-2-all vision workshop over JSON: the same permissions and privacy "
            "rules as the pages. Until step 1 closes nobody but its author reads a "
            "draft — no route returns it. Authenticate with a personal API token "
            "(account page → API-Schlüssel) as `Authorization: Bearer <token>`, or with "
            "the browser session; session requests that change something send the "
            "CSRF token from `GET /me` in the `X-CSRFToken` header. Errors are "
            "`application/problem+json` with a plain-language `detail`. Another "
            "tenant's ids answer 404."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}, {"session": []}],
    "tags": [
        {"name": n}
        for n in ("API", "Me", "Workshops", "Pairs", "Step 1", "Step 2", "Step 3", "Signing")
    ],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "responses": {
            name: {
                "description": description,
                "content": {MIMETYPE: {"schema": ref("Problem")}},
            }
            for name, description in ERRORS.values()
        },
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token from the account page.",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "visionswerk_session",
                "description": "The browser session; changes need the X-CSRFToken header.",
            },
        },
    },
}
