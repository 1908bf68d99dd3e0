"""The walk's world, built once per test (see world.py)."""

from __future__ import annotations

import functools

import pytest

from tests.walk.world import World, build_world
from visionswerk.tenants import accounts


@pytest.fixture()
def world(app, settings, monkeypatch: pytest.MonkeyPatch) -> World:  # type: ignore[no-untyped-def]
    # The demo creates ~20 accounts with one password; argon2 hashes it once, not 20 times.
    monkeypatch.setattr(accounts, "hash_password", functools.cache(accounts.hash_password))
    return build_world(settings)
