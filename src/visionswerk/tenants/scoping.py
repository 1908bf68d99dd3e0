"""Tenant scoping of ORM queries, in one place.

The current tenant lives in ``session.info["tenant_id"]``; the request pipeline sets it
from the URL, tasks set it from their arguments. Every SELECT, UPDATE and DELETE issued
through the ORM gets ``tenant_id = :current`` for each tenant-owned class (the non-lambda
form of ``with_loader_criteria``, so the value is a bound parameter, never cached).
With no current tenant, tenant-owned rows are not found at all (fail closed). Reading
across tenants (a coordinator's overview) says so explicitly with
``execution_options(all_tenants=True)`` and filters by tenant itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, with_loader_criteria

from visionswerk.db import Base, db
from visionswerk.tenants.models import TenantOwned

TENANT_KEY = "tenant_id"


def tenant_owned_classes() -> list[type[TenantOwned]]:
    return [
        m.class_
        for m in Base.registry.mappers
        if issubclass(m.class_, TenantOwned) and m.inherits is None
    ]


@functools.lru_cache(maxsize=4096)
def _criteria(tenant_id: int | None) -> tuple[Any, ...]:
    """The options scoping a statement to ``tenant_id``, built once per tenant and process
    (about 20 of them, one per tenant-owned class; rebuilding them on every statement was
    a tenth of a page's CPU). The tenant is still a bound parameter of each criterion, so
    the compiled SQL is shared by all tenants. A class mapped later empties the cache
    (:func:`_forget_criteria`), so no tenant-owned class ever goes unscoped."""
    return tuple(
        with_loader_criteria(cls, cls.tenant_id == tenant_id, include_aliases=True)
        for cls in tenant_owned_classes()
    )


@event.listens_for(Mapper, "instrument_class")
def _forget_criteria(_mapper: Mapper[Any], _cls: type) -> None:
    _criteria.cache_clear()


@event.listens_for(Session, "do_orm_execute")
def _scope_to_current_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_tenants", False):
        return
    state.statement = state.statement.options(*_criteria(state.session.info.get(TENANT_KEY)))


def set_current_tenant(tenant_id: int | None) -> None:
    db().info[TENANT_KEY] = tenant_id


def current_tenant_id() -> int | None:
    return db().info.get(TENANT_KEY)


@contextmanager
def tenant_scope(tenant_id: int | None) -> Iterator[None]:
    """Run a block scoped to ``tenant_id`` (tasks, commands, tests)."""
    session = db()
    previous = session.info.get(TENANT_KEY)
    session.info[TENANT_KEY] = tenant_id
    try:
        yield
    finally:
        session.info[TENANT_KEY] = previous
