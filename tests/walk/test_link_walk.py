"""The link walk (Flask test client): every role of the demo, every phase of a workshop —
every link and form a page shows can be followed, no page shows a raw key or a UTC time,
and every page of the product is linked from somewhere. See tests/walk/crawl.py for what is
followed and what counts as a finding; the summary line is printed (``pytest -s``)."""

from __future__ import annotations

from flask import Flask

from tests.walk.crawl import walk
from tests.walk.world import ACCOUNTS, PHASES, ROLES, World


def test_every_role_can_follow_every_link_it_is_shown(app: Flask, world: World) -> None:
    result = walk(app, world, ROLES)
    print(result.summary())
    reached = {w.role: {p.phase for p in w.pages.values()} for w in result.walkers}
    for role in ACCOUNTS:  # the walk itself walked: each account saw every phase
        assert set(PHASES) <= reached[role], (role, reached[role])
    assert set(world.sign_links) <= reached["signatory"], reached["signatory"]
    assert not result.findings, result.report()
