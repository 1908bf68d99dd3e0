"""How a route of ``/api/v1`` declares its shapes, and the OpenAPI document made from them.

A route names its request model as the annotation of a ``json`` parameter and its answer
with ``@api(ok=Model, …)`` (see README.md in this folder). From that one declaration
spectree (with pydantic v2) validates the body, serialises the answer and writes the
route into the OpenAPI 3.1 description; ``document()`` only adds what is the same for
every route (servers, security, the problem responses, the list of problem types).

Before spectree sees a body, ``_read_json`` makes sure it is one: ``application/json``
(else 415) and parseable without nesting deeper than ``MAX_DEPTH`` (else 400). Pydantic's
errors become one 422 problem whose ``errors`` name the request's fields in German.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, get_type_hints

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from spectree import Response as Responses
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from visionswerk.i18n import N_
from visionswerk.platform.api import bp
from visionswerk.platform.api.fields import INT32_MAX, VISIBLE_TEXT
from visionswerk.platform.api.models import ConflictProblem, OpenAPIDocument, Problem
from visionswerk.platform.api.problems import (
    MIMETYPE,
    PROBLEM_TYPES,
    BadBody,
    FieldConflict,
    RequestInvalid,
    WrongMediaType,
    problem_type,
)
from visionswerk.platform.pipeline import public
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.services import SLUG_RE

PREFIX = "/api/v1"
MAX_DEPTH = 32  # no request shape nests deeper than 4; json's own limit is ~1,000 frames

DESCRIPTION = """The 1-2-all vision workshop over JSON: the same permissions and privacy
rules as the pages. Until step 1 closes nobody but its author reads a draft — no route
returns it. Authenticate with a personal API token (account page → API-Schlüssel) as
`Authorization: Bearer <token>`, or with the browser session; session requests that change
something send the CSRF token from `GET /me` in the `X-CSRFToken` header. Another tenant's
ids answer 404.

**Input.** Bodies are `application/json` (any other declared Content-Type, even with an
empty body: 415; an empty body without one is `{{}}`) objects; unknown fields are
refused (422). Types are strict (`"1"` is no integer), but an integer-valued number such as
`7.0` is an integer, as in JSON Schema. Ids are 1 … 2³¹−1 (the database's INTEGER); a
larger id in a path answers 404. `PUT` replaces and needs every field it replaces; `PATCH`
changes only the fields sent.

**Errors** are `application/problem+json` (RFC 9457) with a plain-language `detail`
(German; English for accounts set to English), `errors` naming the request's own fields
(`deadlines.individual`, `user_ids[1]`), and a stable `type` per kind of error:

{types}

**Signed visions.** `sha256` of a vision version is the SHA-256 (hex) of its `canonical`
form encoded as UTF-8; every vision version answer carries `canonical`. The canonical form
(format `visionswerk-vision/1`) is the compact JSON (separators `,` and `:`, keys sorted,
non-ASCII characters as they are, not escaped) of
`{{"embedded_parent": null | {{"id": …, "sha256": …[, "statements": [...]]}}, "format":
"visionswerk-vision/1", "text": …, "title": …}}` — title and text NFC-normalised, line
endings LF, trailing whitespace of each line and of the text removed; `statements` only
when chosen statements (not the whole parent text) are embedded. To verify a version:
`sha256(canonical.encode("utf-8")).hexdigest() == sha256`, `json.loads(canonical)` has the
`title` and `text` shown and, if any, the embedded parent's `sha256` — verify that parent
the same way (`scripts/verify-vision.py` does it in a few lines of standard Python).
"""


def _problem_list() -> str:
    return "\n".join(
        f"- `{problem_type(kind)}` ({status}): {meaning}"
        for kind, (status, meaning) in PROBLEM_TYPES.items()
    )


spec = SpecTree(
    "flask",
    mode="strict",
    title="Visionswerk API",
    version="1",
    description=DESCRIPTION.format(types=_problem_list()),
    annotations=True,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearerAuth",
            data=SecuritySchemeData(
                type="http",
                scheme="bearer",
                description="A personal API token from the account page.",
            ),
        ),
        SecurityScheme(
            name="session",
            data=SecuritySchemeData(
                type="apiKey",
                field_in="cookie",
                name="visionswerk_session",
                description=(
                    "The browser session (in production the cookie is named "
                    "__Host-visionswerk_session); changes need the X-CSRFToken header."
                ),
            ),
        ),
    ],
    security=[{"bearerAuth": []}, {"session": []}],
)

# --- reading the body ---------------------------------------------------------------


def _depth(value: Any, limit: int) -> bool:
    """True when ``value`` nests no deeper than ``limit``."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _read_json() -> None:
    """Parse the body once, for spectree (Flask caches ``get_json``): ``{}`` when empty."""
    raw = request.get_data(cache=True)
    # A declared type other than JSON is refused even with an empty body: for form types
    # Flask has already read the body into request.form (get_data is then empty) and
    # spectree would hand the view no model at all (a 500).
    if (raw or request.mimetype) and not request.is_json:
        raise WrongMediaType(
            N_(
                "Bitte senden Sie den Inhalt als JSON (Content-Type: application/json). "
                "Es wurde nichts gespeichert."
            )
        )
    if not raw:
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise BadBody(
                N_("Der Inhalt ist kein gültiges JSON (oder zu tief verschachtelt).")
            ) from None
        if not _depth(data, MAX_DEPTH):
            raise BadBody(N_("Der Inhalt ist zu tief verschachtelt."))
        if not isinstance(data, dict):  # every request shape is an object
            raise BadBody(N_("Bitte senden Sie ein JSON-Objekt (Content-Type: application/json)."))
    request._cached_json = (data, data)  # type: ignore[attr-defined]


# --- pydantic's errors in plain German ------------------------------------------------

MESSAGES = {
    "missing": N_("Bitte geben Sie „%(name)s“ an."),
    "extra_forbidden": N_("„%(name)s“ gibt es hier nicht; bitte lassen Sie es weg."),
    "string_type": N_("„%(name)s“ muss ein Text sein."),
    "int_type": N_("„%(name)s“ muss eine ganze Zahl sein."),
    "int_from_float": N_("„%(name)s“ muss eine ganze Zahl sein."),
    "bool_type": N_("„%(name)s“ muss true oder false sein."),
    "list_type": N_("„%(name)s“ muss eine Liste sein."),
    "dict_type": N_("„%(name)s“ muss ein Objekt sein."),
    "model_type": N_("„%(name)s“ muss ein Objekt sein."),
    "model_attributes_type": N_("„%(name)s“ muss ein Objekt sein."),
    "string_too_long": N_("„%(name)s“ darf höchstens %(max_length)s Zeichen lang sein."),
    "string_too_short": N_("Bitte füllen Sie „%(name)s“ aus."),
    "too_long": N_("„%(name)s“ darf höchstens %(max_length)s Einträge haben."),
    "too_short": N_("„%(name)s“ braucht mindestens %(min_length)s Einträge."),
    "greater_than_equal": N_("„%(name)s“ muss mindestens %(ge)s sein."),
    "less_than_equal": N_("„%(name)s“ darf höchstens %(le)s sein."),
    "string_pattern_mismatch": N_("„%(name)s“ hat nicht die erwartete Form."),
    "literal_error": N_("„%(name)s“ muss einer dieser Werte sein: %(expected)s."),
    "enum": N_("„%(name)s“ muss einer dieser Werte sein: %(expected)s."),
    "timestamp": N_(
        "„%(name)s“ muss Datum und Uhrzeit mit Zeitzone sein, z. B. 2035-05-01T18:00:00+02:00."
    ),
    "timestamp_range": N_("„%(name)s“ muss zwischen den Jahren 1970 und 9998 liegen."),
    "date": N_("„%(name)s“ muss ein Datum wie 2021-03-15 sein."),
    "unique": N_("„%(name)s“ darf jede Nummer nur einmal enthalten."),
    "body": N_("Bitte senden Sie ein JSON-Objekt."),
}
INVALID = N_("„%(name)s“ ist nicht gültig.")


def field_name(loc: Iterable[Any]) -> str:
    """pydantic's location → the request's name: ``deadlines.individual``, ``user_ids[1]``."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _field(error: Any) -> str:
    """The field an error is about; a rule of the whole object names its field in ctx."""
    return field_name(error["loc"]) or error.get("ctx", {}).get("field", "")


def _message(error: Any) -> str:
    ctx = {k: (str(v) if not isinstance(v, int) else v) for k, v in error.get("ctx", {}).items()}
    name = _field(error)
    if not name:
        return _(MESSAGES["body"])
    kind = "missing" if error["type"] == "needs" else error["type"]
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == VISIBLE_TEXT:
        kind = "string_too_short"  # only blanks: "Bitte füllen Sie … aus."
    return _(MESSAGES.get(kind, INVALID), **{**ctx, "name": name})


def _before(_req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    if isinstance(error, ValidationError):
        errors = [
            {"field": _field(e) or "body", "detail": _message(e)}
            for e in error.errors(include_url=False)
        ]
        raise RequestInvalid(errors)


def _after(*_args: Any) -> None:
    """Spectree answers a response that does not match its model with a 500 of its own;
    that is our bug, so it is raised (and logged) like any other."""
    error = _args[2]
    if error is not None:
        raise error


# --- declaring a route ----------------------------------------------------------------

AUTH_ERRORS = (401, 403, 404)
PARAMETERS = {
    "tenant_slug": "The municipality's or region's short name (as in page URLs).",
    "workshop_id": "A workshop of the tenant.",
    "pair_id": "A pair of a workshop of the tenant.",
    "proposal_id": "A pair's joint proposal.",
    "aspect_id": "An aspect of the ledger.",
    "group_id": "A group of aspects.",
    "version_id": "A vision version of the tenant.",
}
#: operationId → the statuses the route declared (spectree adds a 422 to every route)
_DECLARED: dict[str, set[str]] = {}
_EXTRA: dict[str, dict[str, Any]] = {}


def api(
    *,
    ok: type[BaseModel] | None,
    status: int = 200,
    tag: str,
    errors: Iterable[int] = (),
    conflict: type[BaseModel] | None = None,
    fields: dict[str, str] | None = None,
    public: bool = False,
    responses: dict[str, Any] | None = None,
    state_fields: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route: its answer ``ok`` (None: 204, no content) with ``status``, its
    tag, the error statuses it can answer besides 401/403/404 (a body adds 400/413/415/422),
    ``conflict``: the model of its 409 problem, ``fields``: renames of the field names a
    service raises to the request's names. The request model is the annotation of the
    view's ``json`` parameter; the view returns an instance of ``ok``. ``responses``:
    answers that are no model (CSV, redirects), as OpenAPI response objects.
    ``state_fields``: fields whose value can be well-formed and still refused by the
    current state (non-members as participants, a version the workshop cannot build on):
    the service's refusal of them is a 409 ``konflikt`` naming the field, not a 422 —
    the description cannot state the rule, only the state decides it."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        body = get_type_hints(func).get("json")
        # 400 for every route: a NUL byte in the path or query is refused before the view
        codes = {400} if public else {400, *AUTH_ERRORS, *errors}
        if conflict is not None or state_fields:
            codes.add(409)
        in_state = frozenset(state_fields)
        if body is not None:
            codes |= {400, 413, 415, 422}
        models: dict[str, Any] = {f"HTTP_{status}": ok}
        models.update({f"HTTP_{c}": Problem for c in sorted(codes) if c != 409})
        if 409 in codes:
            models["HTTP_409"] = conflict or ConflictProblem
        _DECLARED[func.__name__] = {str(status), *(str(c) for c in codes)}
        _EXTRA[func.__name__] = responses or {}
        validated = spec.validate(
            resp=Responses(**models),
            tags=[tag],
            operation_id=func.__name__,
            before=_before,
            after=_after,
            security={} if public else None,
            path_parameter_descriptions=PARAMETERS,
            force_resp_serialize=True,  # answers are dumped by their model, never as given
        )(func)

        @functools.wraps(validated)
        def view(*args: Any, **kwargs: Any) -> Any:
            g.api_fields = fields or {}
            if body is not None:
                _read_json()
            try:
                response = validated(*args, **kwargs)
            except InvalidField as error:
                if error.field not in in_state:
                    raise
                raise FieldConflict(error) from error
            # spectree re-serialises a Flask response it validated but keeps its headers:
            # the old Content-Length would cut the body short (set_data sets it anew)
            if not response.is_streamed:
                response.set_data(response.get_data())
            return response

        return view

    return decorate


def created(model: BaseModel, location: str | None = None) -> tuple[BaseModel, int, dict]:
    """A 201 answer (with ``Location`` when the new object has an address)."""
    return model, 201, ({"Location": location} if location else {})


# --- the document ---------------------------------------------------------------------

ERROR_RESPONSES = {
    "400": ("BadRequest", "The body is not JSON or nested too deeply, the path or query holds "
            "a NUL byte, or the CSRF token is missing (session authentication)."),
    "401": ("Unauthorized", "Not logged in, or the token is unknown or revoked."),
    "403": ("Forbidden", "The object is visible, but this action is not allowed."),
    "404": ("NotFound", "Not there — also another tenant's ids, ids out of range and objects "
            "the user may not see."),
    "409": ("Conflict", "The workshop's state does not allow this now; `detail` says why."),
    "413": ("PayloadTooLarge", "The request is larger than 2 MB; nothing was saved."),
    "415": ("UnsupportedMediaType", "The body is not application/json."),
    "422": ("InvalidInput", "Invalid input; `errors` names the request's fields."),
}  # fmt: skip
_PARAM = re.compile(r"{([a-z_]+)}")


def _finish(raw: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(raw)
    document["servers"] = [{"url": PREFIX}]
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        short = path.removeprefix(PREFIX) or "/"
        for operation in item.values():
            _finish_operation(operation)
        paths[short] = item
    document["paths"] = dict(sorted(paths.items()))
    document["components"]["responses"] = {
        name: {
            "description": description,
            "content": {MIMETYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for name, description in ERROR_RESPONSES.values()
    }
    return document


def _finish_operation(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if not parameter.get("description"):
            parameter.pop("description", None)
        if parameter["name"] == "tenant_slug":
            parameter["schema"] = {"type": "string", "pattern": SLUG_RE.pattern, "maxLength": 63}
        elif parameter["name"].endswith("_id"):  # checked in views._load_url_objects
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
    declared = _DECLARED.get(operation["operationId"], set())
    operation["responses"] = {
        code: response
        for code, response in sorted(
            {**operation["responses"], **_EXTRA.get(operation["operationId"], {})}.items()
        )
        if code in declared or code in _EXTRA.get(operation["operationId"], {})
    }
    if not operation.get("description"):
        operation.pop("description", None)
    if not operation.get("parameters"):
        operation.pop("parameters", None)
    body = operation.get("requestBody")
    if body:
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        schema = spec.models.get(ref, {})
        # a body is optional only when every field is (an all-optional one-of is not)
        body["required"] = any(key in schema for key in ("required", "anyOf", "oneOf"))
    for code, response in operation["responses"].items():
        content = response.get("content")
        if not code.startswith(("4", "5")) or not content:
            continue
        schema = content.pop("application/json")["schema"]
        if schema == {"$ref": "#/components/schemas/Problem"} and code in ERROR_RESPONSES:
            operation["responses"][code] = {
                "$ref": f"#/components/responses/{ERROR_RESPONSES[code][0]}"
            }
        else:
            content[MIMETYPE] = {"schema": schema}
    if operation.get("security") == []:
        return
    operation.pop("security", None)


def document(app: Flask | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1`` (made once per process)."""
    cached = getattr(spec, "_visionswerk_document", None)
    if cached is None:
        if app is not None:
            with app.app_context():
                raw = spec.spec
        else:
            raw = spec.spec
        cached = _finish(raw)
        spec._visionswerk_document = cached  # type: ignore[attr-defined]
    return cached


def current_document() -> dict[str, Any]:
    return document(current_app._get_current_object())  # type: ignore[attr-defined]


@bp.get("/openapi.json")
@public
@api(ok=OpenAPIDocument, tag="API", public=True)
def openapi_document():  # type: ignore[no-untyped-def]
    """This description (OpenAPI 3.1)"""
    return current_document(), 200, {"Cache-Control": "public, max-age=300"}
