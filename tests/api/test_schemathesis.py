"""schemathesis against the live API: every operation of ``/api/v1/openapi.json``, with
all checks, as a facilitator and as a participant (real personal API tokens), the tenant
slug fixed to the token's own municipality, on the test database (PostgreSQL in CI).

The server is the app on a real socket (werkzeug, threaded); schemathesis runs as its
command line in a subprocess, so it tests the API exactly as an outside client does.
Examples per operation are bounded (``SCHEMATHESIS_MAX_EXAMPLES``, default 12) so both
runs together stay near three minutes on two cores; the case counts and the failures per
check are printed and written to the JSON reports in pytest's temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.api.conftest import token_for
from tests.factories import Factory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20351"))

pytestmark = [pytest.mark.schemathesis, pytest.mark.committing]


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
        "[parameters]\n" + "".join(f'"path.{k}" = {json.dumps(v)}\n' for k, v in parameters.items())
    )
    report = folder / "report.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", f"{base}/api/v1/openapi.json",
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--workers", "1", "--no-color", "--generation-database", "none",
        "--header", f"Authorization: Bearer {token}",
        "--phases", "examples,coverage,fuzzing",
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
    # The tenant is the token's own (another tenant's slug answers 404 everywhere, which
    # tests nothing but the 404: tests/api/test_cross_tenant.py covers that), and the ids
    # are this workshop's, so the cases reach the services instead of a 404.
    parameters = {"tenant_slug": setup.tenant.slug, **ids_of(setup)}
    tokens = {
        "facilitator": token_for(setup.facilitator, "schemathesis"),
        "participant": token_for(setup.participants[0], "schemathesis"),
    }
    make.commit()
    summaries = []
    failed = []
    for who, token in tokens.items():
        data = run_schemathesis(live_api, token, parameters, tmp_path / who)
        summaries.append((who, data))
        if data["_returncode"] != 0:
            failed.append(f"{who}:\n{data['_output'][-6000:]}")
    with capsys.disabled():
        for who, data in summaries:
            print(f"\n[schemathesis {who}] {summary(data)}")
    assert not failed, "\n\n".join(failed)


def ids_of(setup: Any) -> dict[str, int]:
    from sqlalchemy import select

    from visionswerk.db import db
    from visionswerk.workshops.models import Aspect, Pair, PairProposal

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
    return {"workshop_id": setup.id, **{k: v for k, v in first.items() if v is not None}}


def summary(data: dict[str, Any]) -> str:
    """Cases generated and failures per check, as the closing note reports them."""
    cases = data["test_cases"]
    failures = ", ".join(f"{f['code']} {f['title']}: {f['count']}" for f in data["failures"])
    return (
        f"{data['operations']['tested']} operations, {cases['generated']} cases generated, "
        f"{cases['with_failures']} with failures, {len(data['errors'])} errors; "
        f"failures per check: {failures or 'none'} ({data['running_time']:.0f} s)"
    )
