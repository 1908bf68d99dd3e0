"""Another tenant's slug or ids answer 404 on every tenant route — now and in future.

The routes are not listed here: the test walks ``app.url_map`` and takes every rule whose
path contains ``<tenant_slug>``. Each further URL parameter (``membership_id``, later
``workshop_id`` …) must have an entry in :data:`PARAMETERS` that creates an object of a
given tenant and returns the value for the URL; a route with a parameter the registry does
not know fails the test with a message saying what to add.

Two halves:

1. *Foreign slug* — a logged-in facilitator, coordinator and participant of tenant A
   request every non-public route with tenant B's slug (and B's ids): 404.
2. *Foreign ids* — the same people (and an anonymous visitor, for public routes such as
   the invitation link) request every route that has further parameters under their own
   tenant's slug, with ids of objects that belong to tenant B: 404.

Every request is checked to route to the rule under test, so a 404 is never just a
mistyped URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from tests.conftest import csrf_token, login
from tests.factories import Factory
from visionswerk.db import db, utcnow
from visionswerk.platform.pipeline import is_public
from visionswerk.tenants.models import Invitation, Role, Tenant
from visionswerk.tenants.tokens import new_token

# --- the registry: URL parameter name → "make an object of this tenant, give its value" --


def _membership_id(make: Factory, tenant: Tenant) -> int:
    user = make.user()
    return make.member(user, tenant, Role.PARTICIPANT).id


def _invitation_token(make: Factory, tenant: Tenant) -> str:
    import datetime as dt

    token, digest = new_token()
    db.add(
        Invitation(
            tenant_id=tenant.id,
            email=f"eingeladen-{digest[:8]}@example.org",
            role=Role.PARTICIPANT,
            token_hash=digest,
            expires_at=utcnow() + dt.timedelta(days=7),
        )
    )
    make.commit()
    return token


def _invitation_id(make: Factory, tenant: Tenant) -> int:
    _invitation_token(make, tenant)
    return int(
        db.scalars(
            select(Invitation.id)
            .where(Invitation.tenant_id == tenant.id)
            .order_by(Invitation.id.desc())
            .execution_options(all_tenants=True)
        ).first()
    )


def _workshop_id(make: Factory, tenant: Tenant) -> int:
    import datetime as dt

    setup = make.workshop(tenant, phase="individual", participants=2)
    # a deadline for step 1: its calendar file (…/kalender/individual.ics) exists
    setup.workshop.deadline_individual = utcnow() + dt.timedelta(days=7)
    make.commit()
    return int(setup.id)


def _step(make: Factory, tenant: Tenant) -> str:
    return "individual"  # the step whose deadline _workshop_id sets


def _version_id(make: Factory, tenant: Tenant) -> int:
    import datetime as dt

    from visionswerk.tenants.scoping import tenant_scope
    from visionswerk.workshops import signing
    from visionswerk.workshops.models import VisionSource

    with tenant_scope(tenant.id):
        version = signing.create_version(
            tenant_id=tenant.id,
            title="Fremde Vision",
            text="Fremder Text",
            source=VisionSource.IMPORTED,
            created_by=None,
            adopted_at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
        )
        make.commit()
        return int(version.id)


def _pair_id(make: Factory, tenant: Tenant) -> int:
    from visionswerk.workshops.models import Pair

    setup = make.workshop(tenant, phase="pairs", participants=2)
    query = select(Pair.id).where(Pair.workshop_id == setup.id)
    return int(db.scalars(query.execution_options(all_tenants=True)).one())


def _proposal_id(make: Factory, tenant: Tenant) -> int:
    from visionswerk.workshops.models import PairProposal

    setup = make.workshop(tenant, phase="pairs", participants=2)
    query = select(PairProposal.id).where(PairProposal.workshop_id == setup.id)
    return int(db.scalars(query.execution_options(all_tenants=True)).one())


def _plenary_aspects(make: Factory, tenant: Tenant) -> tuple[Any, list[int]]:
    from visionswerk.workshops.models import Aspect

    setup = make.workshop(tenant, phase="plenary", participants=2)
    query = select(Aspect.id).where(Aspect.workshop_id == setup.id).order_by(Aspect.id)
    return setup, list(db.scalars(query.execution_options(all_tenants=True)))


def _aspect_id(make: Factory, tenant: Tenant) -> int:
    return _plenary_aspects(make, tenant)[1][0]


def _group_id(make: Factory, tenant: Tenant) -> int:
    from visionswerk.workshops import services as ws

    setup, aspect_ids = _plenary_aspects(make, tenant)
    with setup.scope():
        group = ws.group_aspects(setup.facilitator, setup.workshop, aspect_ids[:2], "Gruppe")
        make.commit()
        return int(group.id)


def _report_id(make: Factory, tenant: Tenant) -> int:
    import uuid

    from visionswerk.worker.models import Report, ReportKind, ReportStatus

    # adopted: the region's coordinator may read its process documentation (the control)
    workshop_id = make.workshop(tenant, phase="adopted", participants=2).id
    report = Report(
        tenant_id=tenant.id,
        kind=ReportKind.PROCESS,
        workshop_id=workshop_id,
        status=ReportStatus.DONE,
        progress=100,
        request_key=f"cross-tenant:{uuid.uuid4().hex}",
        pdf=b"%PDF-1.4 fremd",
        html="<p>fremd</p>",
    )
    db.add(report)
    make.commit()
    return int(report.id)


def _signatory_id(make: Factory, tenant: Tenant) -> int:
    setup = make.workshop(tenant, phase="signing", participants=2)
    assert setup.signatory is not None
    return int(setup.signatory.id)


def _sign_token(make: Factory, tenant: Tenant) -> str:
    from visionswerk.workshops import services as ws

    setup = make.workshop(tenant, phase="signing", participants=2)
    with setup.scope():
        _signatory, token = ws.add_signatory(
            setup.facilitator, setup.workshop, name="Erika Muster", function="Bürgermeisterin"
        )
        make.commit()
    assert token is not None
    return token


def _paper_signature(make: Factory, tenant: Tenant) -> Any:
    from visionswerk.workshops import paper
    from visionswerk.workshops import services as ws

    setup = make.workshop(tenant, phase="signing", participants=2)
    with setup.scope():
        signature = paper.record_paper_signature(
            setup.facilitator,
            setup.workshop,
            name="Erika Muster",
            signed_on=paper.local_today(setup.workshop),
            scan=b"%PDF-1.4\n%%EOF\n",
        )
        make.commit()
        return signature.id, ws.current_version(setup.workshop).sha256  # type: ignore[union-attr]


def _signature_id(make: Factory, tenant: Tenant) -> int:
    return int(_paper_signature(make, tenant)[0])


def _sha256(make: Factory, tenant: Tenant) -> str:
    return str(_paper_signature(make, tenant)[1])


PARAMETERS: dict[str, Callable[[Factory, Tenant], Any]] = {
    "membership_id": _membership_id,
    "invitation_id": _invitation_id,
    "token": _invitation_token,
    "workshop_id": _workshop_id,
    "version_id": _version_id,
    "pair_id": _pair_id,
    "proposal_id": _proposal_id,
    "aspect_id": _aspect_id,
    "group_id": _group_id,
    "report_id": _report_id,
    "signatory_id": _signatory_id,
    "sign_token": _sign_token,
    "signature_id": _signature_id,
    "sha256": _sha256,
    "step": _step,
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def tenant_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if "tenant_slug" in r.arguments),
        key=lambda r: (r.rule, r.endpoint),
    )


def methods_of(rule: Rule) -> list[str]:
    return [m for m in METHODS if m in (rule.methods or ())]


def unknown_parameters(app: Flask) -> dict[str, set[str]]:
    missing: dict[str, set[str]] = {}
    for rule in tenant_rules(app):
        for name in rule.arguments - {"tenant_slug"} - set(PARAMETERS):
            missing.setdefault(name, set()).add(f"{rule.endpoint} ({rule.rule})")
    return missing


def test_every_parameter_of_a_tenant_route_is_in_the_registry(app: Flask) -> None:
    missing = unknown_parameters(app)
    assert not missing, (
        "Tenant routes with URL parameters the cross-tenant test cannot fill: "
        + "; ".join(f"<{name}> in {', '.join(sorted(where))}" for name, where in missing.items())
        + ". Add an entry to PARAMETERS in tests/test_cross_tenant.py that creates an "
        "object of the given tenant and returns its value for the URL."
    )


def test_there_are_tenant_routes_with_and_without_ids(app: Flask) -> None:
    rules = tenant_rules(app)
    assert any(r.arguments == {"tenant_slug"} for r in rules)
    assert any(len(r.arguments) > 1 for r in rules)
    assert any(is_public(app, r.endpoint) for r in rules), "the invitation link is public"


# --- the run -----------------------------------------------------------------------------


@dataclass
class Tally:
    foreign_slug: int = 0
    foreign_ids: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ref:
    """A tenant's id and slug, kept as plain values: requests detach ORM objects."""

    id: int
    slug: str

    @classmethod
    def of(cls, tenant: Tenant) -> Ref:
        return cls(tenant.id, tenant.slug)

    def load(self) -> Tenant:
        tenant = db.get(Tenant, self.id)
        assert tenant is not None
        return tenant


@dataclass
class Person:
    role: str
    client: FlaskClient
    own: list[Ref]  # the tenants where this person has (possibly derived) rights
    token: str = ""


def _request(
    app: Flask, person: Person, rule: Rule, method: str, values: dict[str, Any], tally: Tally
) -> int:
    path = rule.build(values, append_unknown=False)
    assert path is not None, f"cannot build {rule.rule} from {values}"
    url = path[1]
    # the URL must reach the rule under test, or a 404 would prove nothing
    endpoint, _args = app.url_map.bind("localhost").match(url, method=method)
    assert endpoint == rule.endpoint, f"{method} {url} routes to {endpoint}, not {rule.endpoint}"
    kwargs: dict[str, Any] = {}
    if method != "GET":
        kwargs = {"data": {"csrf_token": person.token}, "headers": {"X-CSRFToken": person.token}}
    response = person.client.open(url, method=method, **kwargs)
    response.close()
    if response.status_code != 404:
        tally.failures.append(
            f"{method} {url} ({rule.endpoint}) as {person.role}: {response.status_code}, not 404"
        )
    return response.status_code


def test_other_tenants_slug_and_ids_answer_404(app: Flask, make: Factory) -> None:
    missing = unknown_parameters(app)
    assert not missing, f"unknown URL parameters {sorted(missing)} (see the registry test)"

    region_a = Ref.of(make.region("ILE A"))
    a1 = Ref.of(make.municipality(region_a.load(), "Gemeinde A1"))
    region_b = Ref.of(make.region("ILE B"))
    b1 = Ref.of(make.municipality(region_b.load(), "Gemeinde B1"))
    foreign_tenants = [b1, region_b]
    foreign_values: dict[tuple[str, int], Any] = {
        (name, t.id): fn(make, t.load()) for name, fn in PARAMETERS.items() for t in foreign_tenants
    }

    people: list[Person] = []
    for role, home, own in (
        ("coordinator", region_a, [region_a, a1]),
        ("facilitator", a1, [a1]),
        ("participant", a1, [a1]),
    ):
        user = make.user(home.load(), role)
        client = app.test_client()
        login(client, user)
        people.append(Person(role, client, own, csrf_token(client, "/")))
    anonymous = Person("anonymous", app.test_client(), [a1, region_a])
    anonymous.token = csrf_token(anonymous.client, "/anmelden")

    tally = Tally()
    rules = tenant_rules(app)
    for rule in rules:
        params = sorted(rule.arguments - {"tenant_slug"})
        public = is_public(app, rule.endpoint)
        for method in methods_of(rule):
            # 1. tenant B's slug (and B's own ids) as a member of tenant A
            if not public:
                for person in people:
                    for foreign in foreign_tenants:
                        values = {"tenant_slug": foreign.slug}
                        values |= {p: foreign_values[(p, foreign.id)] for p in params}
                        _request(app, person, rule, method, values, tally)
                        tally.foreign_slug += 1
            # 2. tenant A's slug with ids of tenant B's objects
            if not params:
                continue
            for person in [*people, *([anonymous] if public else [])]:
                for own in person.own:
                    for foreign in foreign_tenants:
                        values = {"tenant_slug": own.slug}
                        values |= {p: foreign_values[(p, foreign.id)] for p in params}
                        _request(app, person, rule, method, values, tally)
                        tally.foreign_ids += 1

    total = tally.foreign_slug + tally.foreign_ids
    print(
        f"\ncross-tenant: {len(rules)} tenant routes, {total} requests "
        f"({tally.foreign_slug} with a foreign slug, {tally.foreign_ids} with foreign ids)"
    )
    assert not tally.failures, "answered without 404:\n" + "\n".join(tally.failures)
    assert tally.foreign_slug > 0
    assert tally.foreign_ids > 0


def test_the_same_requests_with_own_ids_are_not_404(app: Flask, make: Factory) -> None:
    """The control: a coordinator's GET of every tenant route with their own tenant's
    objects finds them, so the 404s above come from the tenant boundary alone."""
    region = make.region()
    town = Ref.of(make.municipality(region))
    coordinator = make.user(region, "coordinator")
    client = app.test_client()
    login(client, coordinator)
    checked = 0
    for rule in tenant_rules(app):
        if "GET" not in methods_of(rule):
            continue
        values = {"tenant_slug": town.slug}
        values |= {p: PARAMETERS[p](make, town.load()) for p in rule.arguments - {"tenant_slug"}}
        url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        response = client.get(url)
        response.close()
        assert response.status_code != 404, f"GET {url} ({rule.endpoint}) is 404 in own tenant"
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("slug", ["gibt-es-nicht", "admin-", "-"])
def test_unknown_tenant_slug_is_404(client: FlaskClient, make: Factory, slug: str) -> None:
    login(client, make.user(admin=True))
    assert client.get(f"/{slug}/").status_code == 404
