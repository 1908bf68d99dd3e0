"""Cross-tenant with tokens: the shared registry (tests/test_cross_tenant.py) walks every
tenant route with sessions; here every API route is requested with Bearer tokens of
tenant A's people, with tenant B's slug and with tenant B's ids — always 404."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.test_cross_tenant import METHODS, PARAMETERS, tenant_rules
from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant


def test_api_routes_are_in_the_shared_cross_tenant_walk(app: Flask) -> None:
    api_rules = [r for r in tenant_rules(app) if r.endpoint.startswith("api.")]
    assert len(api_rules) > 25
    params = {p for r in api_rules for p in r.arguments - {"tenant_slug"}}
    assert params <= set(PARAMETERS)
    # the round of four: feedback on a proposal nested under the four
    assert "api.save_proposal_feedback" in {r.endpoint for r in api_rules}


def test_foreign_slugs_and_ids_answer_404_to_token_users(
    app: Flask, make: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    region_a = make.region()
    town_a = make.municipality(region_a)
    town_b = make.municipality(make.region())
    slug_a, slug_b = town_a.slug, town_b.slug
    foreign = {name: fn(make, db.get(Tenant, town_b.id)) for name, fn in PARAMETERS.items()}
    people = {
        "coordinator": Api(app, token_for(make.user(region_a, Role.COORDINATOR))),
        "facilitator": Api(app, token_for(make.user(town_a, Role.FACILITATOR))),
        "participant": Api(app, token_for(make.user(town_a, Role.PARTICIPANT))),
    }
    failures: list[str] = []
    requests = 0
    for rule in tenant_rules(app):
        if not rule.endpoint.startswith("api."):
            continue
        params = rule.arguments - {"tenant_slug"}
        for method in (m for m in METHODS if m in (rule.methods or ())):
            for slug in (slug_b, slug_a) if params else (slug_b,):
                values: dict[str, Any] = {"tenant_slug": slug, **{p: foreign[p] for p in params}}
                url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
                for who, api in people.items():
                    body = {} if method != "GET" else None
                    response = api.request(method, url, body, status=None)
                    requests += 1
                    if response.status_code != 404:
                        failures.append(f"{method} {url} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert requests > 100
    routes = sum(1 for r in tenant_rules(app) if r.endpoint.startswith("api."))
    with capsys.disabled():
        print(f"\n[cross-tenant api] {routes} routes, {requests} token requests, all 404")
