"""Helpers for the API tests: an API client per person (Bearer token or session) whose
every response is checked against the OpenAPI document — status documented, body valid
against the documented schema (problem+json for errors)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.exceptions import HTTPException

from visionswerk.db import db
from visionswerk.platform.api.spec import document
from visionswerk.tenants import api_tokens
from visionswerk.tenants.models import User

BASE = "/api/v1"
_URN = "urn:visionswerk:openapi"


_REGISTRIES: dict[int, Registry] = {}


def _registry(app: Flask) -> Registry:
    """One registry per document (the document is made once per process)."""
    doc = document(app)
    if id(doc) not in _REGISTRIES:
        _REGISTRIES[id(doc)] = Registry().with_resource(
            _URN, Resource.from_contents(doc, default_specification=DRAFT202012)
        )
    return _REGISTRIES[id(doc)]


def openapi_path(rule: str) -> str:
    """``/api/v1/<tenant_slug>/pairs/<int(max=9):pair_id>`` → ``/{tenant_slug}/pairs/{pair_id}``."""
    path = rule.removeprefix(BASE)
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", path)


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_against_openapi(app: Flask, method: str, url: str, response: Any) -> None:
    """The status is documented for the route and method, and the body validates
    against the documented schema."""
    path = url.split("?")[0]
    try:
        rule, _args = app.url_map.bind("localhost").match(path, method=method, return_rule=True)
    except HTTPException:  # no such route or method: a problem all the same
        assert response.status_code in (404, 405), response.status_code
        assert response.mimetype == "application/problem+json"
        return
    spec_path = openapi_path(rule.rule)
    DOCUMENT = document(app)  # noqa: N806
    operation = DOCUMENT["paths"][spec_path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method} {spec_path} answered {status}, not documented: "
        f"{response.get_data(as_text=True)[:300]}"
    )
    documented = operation["responses"][status]
    if "$ref" in documented:
        name = documented["$ref"].rsplit("/", 1)[1]
        pointer = _pointer("components", "responses", name)
        documented = DOCUMENT["components"]["responses"][name]
    else:
        pointer = _pointer("paths", spec_path, method.lower(), "responses", status)
    content = documented.get("content")
    if not content:
        assert not response.get_data(), f"{method} {spec_path}: body on a no-content answer"
        return
    (mimetype,) = content
    assert response.mimetype == mimetype, f"{method} {spec_path}: {response.mimetype}"
    if not mimetype.endswith("json"):  # a file (PDF, CSV): its type is what is described
        assert response.get_data(), f"{method} {spec_path}: an empty {mimetype}"
        return
    schema_ref = f"{_URN}{pointer}/content/{mimetype.replace('/', '~1')}/schema"
    validator = Draft202012Validator(
        {"$ref": schema_ref},
        registry=_registry(app),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.path))
    assert not errors, f"{method} {spec_path} {status}: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5]
    )


class Api:
    """One person talking to the API: with a Bearer token, or with the session of a
    logged-in test client (then changes carry the CSRF token unless told otherwise)."""

    def __init__(self, app: Flask, token: str | None = None, client: FlaskClient | None = None):
        self.app = app
        self.token = token
        self.client = client or app.test_client()
        self.csrf: str | None = None

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        status: int | None = 200,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
        data: Any = None,
        check: bool = True,
    ):  # type: ignore[no-untyped-def]
        url = path if path.startswith(BASE) else BASE + path
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        elif csrf and method not in ("GET", "HEAD") and self.csrf:
            sent.setdefault("X-CSRFToken", self.csrf)
        kwargs: dict[str, Any] = {"headers": sent}
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        elif json is not None:
            kwargs["json"] = json
        response = self.client.open(url, method=method, **kwargs)
        if status is not None:
            assert response.status_code == status, (
                f"{method} {url}: {response.status_code} {response.get_data(as_text=True)[:800]}"
            )
        if check:
            check_against_openapi(self.app, method, url, response)
        return response

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw).get_json()

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json, **kw).get_json()

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, json, **kw).get_json()

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, json, **kw).get_json()

    def delete(self, path: str, **kw: Any) -> Any:
        response = self.request("DELETE", path, **kw)
        return response.get_json() if response.get_data() else None


def token_for(user: User, name: str = "Test") -> str:
    """A fresh personal API token for ``user`` (committed), the raw value."""
    _token, raw = api_tokens.create_token(user, name)
    db.commit()
    return raw


@pytest.fixture()
def api_for(app: Flask):  # type: ignore[no-untyped-def]
    """``api_for(user)`` → an :class:`Api` authenticated with a new token of ``user``."""

    def make_api(user: User) -> Api:
        return Api(app, token_for(user))

    return make_api
