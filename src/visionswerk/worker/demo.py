"""The worker's part of the demo story (called from ``platform/demo.py``): Musterhausen's
pair step has its deadline at the next 18:00 German time at least 24 hours ahead
(``platform/visions/demo.py``), so its 48-hour reminders are due at once (queued here
and again, harmlessly, by the beat's sweep); Auental's adopted vision gets a PDF
requested, which the running worker builds (the facilitator finds it under
``/auental/workshops/<id>/berichte`` and a "report ready" mail in the outbox)."""

from __future__ import annotations

from sqlalchemy import select

from visionswerk.db import db, utcnow
from visionswerk.tenants.models import Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import reminders, reports
from visionswerk.worker.celery_app import celery, settings_of
from visionswerk.workshops.models import Phase, Workshop


def seed_worker_story(tenants: dict[str, Tenant], users: dict[str, User]) -> None:
    settings = settings_of(celery)
    now = utcnow()
    town = tenants.get("musterhausen")
    if town is not None:
        reminders.sweep_tenant(settings, town.id, now)
    auental = tenants.get("auental")
    facilitator = users.get("moderation@auental.example")
    if auental is not None and facilitator is not None:
        with tenant_scope(auental.id):
            for w in db.scalars(select(Workshop).where(Workshop.phase == Phase.ADOPTED)):
                reports.request(facilitator, "vision", auental, w, nonce=f"demo-{w.id}")
