"""Helpers for the visions tests: a region with an imported ILE vision, municipalities
building on it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, VisionVersion, Workshop

ILE_TEXT_1 = (
    "# Leitbild ILE\n\nWir stärken die Dörfer gemeinsam.\n\n"
    "- Glasfaser in jedes Haus\n- Bus im Stundentakt\n"
)
ILE_TEXT_2 = (
    "# Leitbild ILE\n\nWir stärken die Dörfer gemeinsam.\n\n"
    "- Glasfaser in jedes Haus\n- Rufbus rund um die Uhr\n- Dorfläden mit Paketstation\n"
)


@dataclasses.dataclass
class Region:
    region: Tenant
    coordinator: User
    v1: VisionVersion

    def import_version(self, text: str = ILE_TEXT_2, title: str = "Leitbild ILE") -> VisionVersion:
        with tenant_scope(self.region.id):
            version = vs.import_vision(
                self.coordinator,
                self.region,
                title=title,
                text=text,
                adopted_on=dt.date(2024, 3, 1),
                source_note="Beschluss der Lenkungsgruppe",
            )
            db.commit()
        return version


def make_region(make, name: str = "ILE Musterland") -> Region:  # type: ignore[no-untyped-def]
    region = make.region(name)
    coordinator = make.user(region, Role.COORDINATOR)
    with tenant_scope(region.id):
        v1 = vs.import_vision(
            coordinator,
            region,
            title="Leitbild ILE",
            text=ILE_TEXT_1,
            adopted_on=dt.date(2021, 5, 4),
            source_note="Leitbild 2021",
        )
        db.commit()
    return Region(region, coordinator, v1)


def finish(setup, statements: list[str] | None = None) -> VisionVersion:  # type: ignore[no-untyped-def]
    """Drive a plenary workshop to adopted (all aspects taken up, one signature)."""
    w = setup.workshop
    with setup.scope():
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
        labels = sorted({a.label for a in aspects})
        text = "Unsere Gemeinde 2035 ist digital und nah.\n\n" + "\n".join(f"- {x}" for x in labels)
        ws.save_vision(setup.facilitator, w, "Vision 2035", text, 0)
        for a in aspects:
            ws.take_up(setup.facilitator, a, a.label)
        ws.open_signing(setup.facilitator, w)
        signatory, _ = ws.add_signatory(setup.facilitator, w, user_id=setup.participants[0].id)
        version = ws.current_version(w)
        assert version is not None
        ws.sign(setup.participants[0], signatory, version.sha256)
        ws.close_signing(setup.facilitator, w)
        db.commit()
    return version


def based_workshop(  # type: ignore[no-untyped-def]
    make, town: Tenant, parent: VisionVersion, phase: str = "plenary", statements=None, **kw
):
    setup = make.workshop(town, phase=phase, **kw)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        vs.set_parent(setup.facilitator, w, parent.id, statements)
        db.commit()
    return setup
