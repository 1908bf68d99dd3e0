"""Two pair members press "save" at the same moment, from two devices, both starting
from the same version: exactly one save wins (200), the other gets 409 with both texts.
Real concurrent requests in two threads against the real database (committing)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import token_for
from tests.factories import Factory
from visionswerk import db as dbmod
from visionswerk.workshops import services as ws


@pytest.mark.committing
def test_two_simultaneous_saves_from_the_same_version(app: Flask, make: Factory) -> None:
    setup = make.workshop(make.municipality(), phase="pairs", participants=2)
    slug = setup.tenant.slug
    with setup.scope():
        pair_id = ws.pairs(setup.facilitator, setup.workshop)[0].id
    tokens = [token_for(p) for p in setup.participants]
    dbmod.db.remove()
    url = f"/api/v1/{slug}/pairs/{pair_id}/proposal"
    start = threading.Barrier(2)

    def save(i: int) -> tuple[int, Any]:
        client = app.test_client()
        start.wait(timeout=10)
        response = client.put(
            url,
            json={"text": f"Fassung von Gerät {i}", "keywords": [f"K{i}"], "base_version": 0},
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(save, [0, 1]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    (winner,) = [body for status, body in results if status == 200]
    (loser,) = [body for status, body in results if status == 409]
    assert winner["version"] == 1
    assert loser["stored"]["text"] == winner["text"] and loser["stored"]["version"] == 1
    assert loser["submitted"]["text"] != winner["text"]
    assert loser["submitted"]["text"].startswith("Fassung von Gerät")
    final = app.test_client().get(url, headers={"Authorization": f"Bearer {tokens[0]}"})
    assert final.get_json()["text"] == winner["text"] and final.get_json()["version"] == 1
