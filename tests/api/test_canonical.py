"""Anyone can verify a signed vision: every vision version answer carries ``canonical``,
the exact string its SHA-256 covers, and a tiny independent script
(``scripts/verify-vision.py``, standard library only, run as its own process) recomputes
the hash from the JSON the API answers — and notices when the text shown is not the
text signed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.visions.helpers import based_workshop, finish, make_region

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify-vision.py"


def verify(answer: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), "-"],  # -I: no project code on the path
        input=json.dumps(answer),
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_signed_version_with_an_embedded_parent_verifies_independently(
    app: Flask, make: Factory
) -> None:
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, statements=["Glasfaser in jedes Haus"])
    version = finish(setup)
    slug, vid, sha, wid = town.slug, version.id, version.sha256, setup.id
    api = Api(app, token_for(setup.facilitator))

    answer = api.get(f"/{slug}/visions/{vid}")
    canonical = json.loads(answer["canonical"])
    assert canonical["format"] == "visionswerk-vision/1"
    assert canonical["embedded_parent"]["statements"] == ["Glasfaser in jedes Haus"]
    assert answer["sha256"] == sha and answer["verified"] is True
    result = verify(answer)
    assert result.returncode == 0 and result.stdout.split() == ["OK", sha], result.stderr
    # every version answer carries it: the list, the workshop's parent, the signing view
    listed = api.get(f"/{slug}/visions")["versions"][0]
    assert listed["canonical"] == answer["canonical"]
    parent = api.get(f"/{slug}/workshops/{wid}/parent")["parent"]["version"]
    assert verify(parent).returncode == 0
    signing = api.get(f"/{slug}/workshops/{wid}/signing")["version"]
    assert signing["canonical"] == answer["canonical"]

    shown_otherwise = {**answer, "text": answer["text"] + "\n\nUnd noch ein Satz."}
    assert verify(shown_otherwise).returncode == 1
    other_parent = {**answer, "embedded_parent": {**answer["embedded_parent"], "sha256": "0"}}
    assert verify(other_parent).returncode == 1
    forged = {**answer, "canonical": answer["canonical"].replace("digital", "analog")}
    assert verify(forged).stdout.startswith("FAILED")
