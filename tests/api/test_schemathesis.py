"""schemathesis against the live API: every operation of ``/api/v1/openapi.json``, with
all checks, as a facilitator and as a participant (real personal API tokens), the tenant
slug fixed to the token's own municipality, on the test database (PostgreSQL in CI).

The server is the app on a real socket (werkzeug, threaded); schemathesis runs as its
command line in a subprocess, so it tests the API exactly as an outside client does.
Generation is deterministic (fixed seed, ``--generation-deterministic``, no example
database), so a failure in CI reproduces locally. Examples per operation are bounded
(``SCHEMATHESIS_MAX_EXAMPLES``, default 5; phases: ``SCHEMATHESIS_PHASES``) and both runs
go at once, to stay near three minutes on two cores; the case counts and the failures per
check are printed and written to the JSON reports in pytest's temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.api.conftest import token_for
from tests.factories import Factory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "examples,coverage,fuzzing")
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20351"))

pytestmark = [pytest.mark.schemathesis, pytest.mark.committing]

# The one rule the description cannot state: a body over 2 MB is refused (413, declared
# on every route with a body) before it is read. JSON Schema bounds characters and items,
# not the encoded size of the whole body (a character is 1 to 12 bytes of JSON), so a
# list of long texts can be valid and still too large. Both data checks take 413 as the
# refusal it is; every other status they expect is schemathesis's default.
BODY_SIZE_LIMIT = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "413", "429", "5xx"]

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422",
                     "428", "429", "5xx"]
"""


@pytest.fixture()
def live_api(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_schemathesis(
    base: str, token: str, parameters: dict[str, Any], folder: Path
) -> dict[str, Any]:
    """One schemathesis run with all checks and the path parameters fixed; its JSON
    report."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        + "".join(f'"path.{k}" = {json.dumps(v)}\n' for k, v in parameters.items())
        + BODY_SIZE_LIMIT
    )
    report = folder / "report.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", f"{base}/api/v1/openapi.json",
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--generation-deterministic",  # same cases every run, no example database
        "--workers", "1", "--no-color",
        "--header", f"Authorization: Bearer {token}",
        "--phases", PHASES,
        "--report", "json", "--report-json-path", str(report),
        "--request-timeout", "30",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    (folder / "output.txt").write_text(result.stdout + result.stderr)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    data: dict[str, Any] = json.loads(report.read_text())
    data["_output"] = result.stdout
    data["_returncode"] = result.returncode
    return data


def test_schemathesis_finds_nothing_as_facilitator_and_participant(
    app: Flask, make: Factory, live_api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = make.workshop(phase="plenary", participants=4)
    people = {"participant": setup.participants[0], "facilitator": setup.facilitator}
    tokens = {who: token_for(user, "schemathesis") for who, user in people.items()}
    # The tenant is the token's own (another tenant's slug answers 404 everywhere, which
    # tests nothing but the 404: tests/api/test_cross_tenant.py covers that), and the ids
    # are this workshop's, so the cases reach the services instead of a 404. What a run
    # may delete is a spare: a member, an invitation, a token of the same person.
    shared = {"tenant_slug": setup.tenant.slug, **seed(make, setup)}
    spare_tokens = {who: spare_token(user) for who, user in people.items()}
    make.commit()
    # both at once (a process each; the server is threaded): half the time on two cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            who: pool.submit(
                run_schemathesis, live_api, token, {**shared, "token_id": spare_tokens[who]},
                tmp_path / who,
            )
            for who, token in tokens.items()
        }  # fmt: skip
        results = [(who, future.result()) for who, future in futures.items()]
    with capsys.disabled():
        for who, data in results:
            print(f"\n[schemathesis {who}] {summary(data)}")
    failed = [f"{who}:\n{data['_output'][-8000:]}" for who, data in results if data["failures"]]
    assert not failed, "\n\n".join(failed)
    assert all(data["_returncode"] == 0 and not data["errors"] for _who, data in results)


def seed(make: Factory, setup: Any) -> dict[str, int]:
    """An object of the tenant for every id of the API's paths (the first of each)."""
    from sqlalchemy import select

    from tests.test_cross_tenant import PARAMETERS
    from visionswerk.db import db
    from visionswerk.tenants.models import Role
    from visionswerk.workshops import services as ws
    from visionswerk.workshops.models import Aspect, Pair, PairProposal

    tenant = setup.tenant
    with setup.scope():
        first = {
            name: db.scalar(
                select(model.id).where(model.workshop_id == setup.id).order_by(model.id)
            )
            for name, model in (
                ("pair_id", Pair),
                ("proposal_id", PairProposal),
                ("aspect_id", Aspect),
            )
        }
        aspects = db.scalars(
            select(Aspect).where(Aspect.workshop_id == setup.id).order_by(Aspect.id)
        )
        group = ws.group_aspects(
            setup.facilitator, setup.workshop, [a.id for a in aspects][-2:], "Gruppe"
        )
        first["group_id"] = group.id
        make.commit()
    spare = make.user(tenant, Role.PARTICIPANT)
    first["membership_id"] = next(m.id for m in spare.memberships)
    for name in ("invitation_id", "version_id", "report_id"):
        first[name] = PARAMETERS[name](make, tenant)
    return {"workshop_id": setup.id, **first}


def spare_token(user: Any) -> int:
    from visionswerk.tenants import api_tokens

    token, _raw = api_tokens.create_token(user, "Ersatz")
    return int(token.id)


def summary(data: dict[str, Any]) -> str:
    """Cases generated and failures per check, as the closing note reports them."""
    cases = data["test_cases"]
    failures = ", ".join(f"{f['code']} {f['title']}: {f['count']}" for f in data["failures"])
    return (
        f"{data['operations']['tested']} operations, {cases['generated']} cases generated, "
        f"{cases['with_failures']} with failures, {len(data['errors'])} errors; "
        f"failures per check: {failures or 'none'} ({data['running_time']:.0f} s)"
    )
