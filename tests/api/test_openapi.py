"""The OpenAPI 3.1 document at /api/v1/openapi.json (generated from the models): public,
valid, and complete — every API route in ``app.url_map`` is described (path, method,
parameters, operationId = the endpoint's name) and nothing else is."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from tests.api.conftest import BASE, openapi_path
from visionswerk.platform.api.spec import document

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def api_routes(app: Flask) -> set[tuple[str, str, str]]:
    """(OpenAPI path, method, endpoint) of every route of the ``api`` blueprint."""
    return {
        (openapi_path(rule.rule), method.lower(), rule.endpoint.split(".", 1)[1])
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in (rule.methods or set()) & METHODS
    }


def described(document: dict) -> set[tuple[str, str, str]]:
    return {
        (path, method, operation["operationId"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {m.lower() for m in METHODS}
    }


def test_the_document_is_public_and_valid_openapi_31(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any structural error
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert "Problem" in document["components"]["schemas"]


def test_every_api_route_is_described_and_nothing_else(app: Flask, client: FlaskClient) -> None:
    routes = api_routes(app)
    document = client.get(f"{BASE}/openapi.json").get_json()
    spec = described(document)
    assert len(routes) > 30
    missing = sorted(routes - spec)
    extra = sorted(spec - routes)
    assert not missing, (
        f"API routes missing from the description (path, method, operationId): {missing}"
    )
    assert not extra, f"the description has routes that do not exist: {extra}"


def _parameters(document: dict, item: dict, operation: dict) -> set[str]:
    declared = [*item.get("parameters", []), *operation.get("parameters", [])]
    resolved = [
        document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in declared
    ]
    return {p["name"] for p in resolved if p["in"] == "path"}


def test_every_path_parameter_is_declared_and_every_answer_described(app: Flask) -> None:
    DOCUMENT = document(app)  # noqa: N806
    for path, item in DOCUMENT["paths"].items():
        named = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            declared = _parameters(DOCUMENT, item, operation)
            assert named == declared, f"{method} {path}: parameters {declared} for {named}"
            assert operation["summary"], f"{method} {path}"
            codes = set(operation["responses"])
            assert any(c.startswith("2") for c in codes), f"{method} {path}"
            if operation.get("security") != []:
                assert "401" in codes, f"{method} {path} needs a login but documents no 401"
            if "requestBody" in operation:
                assert {"400", "415", "422"} <= codes, f"{method} {path}"
            if "{" in path.replace("{tenant_slug}", ""):
                assert "404" in codes, f"{method} {path}"


def test_errors_reference_the_problem_schema(app: Flask) -> None:
    DOCUMENT = document(app)  # noqa: N806
    for name, response in DOCUMENT["components"]["responses"].items():
        (mimetype,) = response["content"]
        assert mimetype == "application/problem+json", name
        assert response["content"][mimetype]["schema"] == {"$ref": "#/components/schemas/Problem"}
