"""/healthz: does the database answer, does Redis answer, does the scheduler run?

200 with ``{"status": "ok", "checks": {...}}`` when every configured service answers,
503 otherwise (for load balancers, compose healthchecks and monitoring). Public, no
details of errors in the response (they go to the log).

``beat``: the beat task ``visionswerk.heartbeat`` (every 30 s, run by a worker) writes
the time into ``heartbeats``; older than ``HEARTBEAT_STALE`` is ``"stale"`` (503) — beat
died, e.g. inside a demo worker that keeps running, or no worker runs. ``"not seen"``
(not an error) when no heartbeat was ever written: a web app without beat so far.
"""

from __future__ import annotations

import datetime as dt

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from visionswerk.db import db, utcnow
from visionswerk.platform.pipeline import public

bp = Blueprint("health", __name__)

HEARTBEAT_STALE = dt.timedelta(minutes=3)


def beat_state(stale_after: dt.timedelta = HEARTBEAT_STALE) -> str:
    from visionswerk.worker.models import Heartbeat

    beat = db.get(Heartbeat, "beat")
    if beat is None:
        return "not seen"
    return "ok" if beat.at >= utcnow() - stale_after else "stale"


@bp.get("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    settings = current_app.config["VISIONSWERK"]
    checks: dict[str, str] = {}
    try:
        db.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["beat"] = beat_state()
    except Exception as e:  # reported, not raised
        current_app.logger.warning("healthz: database does not answer: %s", e)
        checks["database"] = "error"
    if settings.redis_url:
        try:
            with redis.Redis.from_url(
                settings.redis_url, socket_timeout=2, socket_connect_timeout=2
            ) as client:
                client.ping()
            checks["redis"] = "ok"
        except Exception as e:  # reported, not raised
            current_app.logger.warning("healthz: Redis does not answer: %s", e)
            checks["redis"] = "error"
    else:
        checks["redis"] = "not configured"
    healthy = all(v not in ("error", "stale") for v in checks.values())
    response = jsonify(status="ok" if healthy else "error", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
