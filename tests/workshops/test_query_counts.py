"""The step-3 reads issue as many SQL statements for 40 participants as for 6."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from visionswerk.db import db
from visionswerk.workshops import services as ws


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


READS: dict[str, Callable[[Any, Any], Any]] = {
    "plenary_overview (participant)": lambda s, w: ws.plenary_overview(s.participants[0], w),
    "plenary_overview (facilitator)": lambda s, w: ws.plenary_overview(s.facilitator, w),
    "ledger": lambda s, w: ws.ledger(s.facilitator, w),
    "coverage": lambda s, w: ws.coverage(s.facilitator, w),
    "pair_progress": lambda s, w: ws.pair_progress(s.facilitator, w),
    "submission_status": lambda s, w: ws.submission_status(s.facilitator, w),
    "keywords_overview": lambda s, w: ws.keywords_overview(s.participants[0], w),
    "my_tasks (facilitator)": lambda s, w: ws.my_tasks(s.facilitator),
}


def measure(make, participants: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    s = make.workshop(phase="plenary", participants=participants)
    counts = {}
    with s.scope():
        for proposal in ws.plenary_overview(s.facilitator, s.workshop).proposals:
            for p in s.participants[:3]:
                ws.mark_strength(p, proposal.proposal, "gut")
            ws.add_comment(s.participants[1], proposal.proposal, "Kommentar")
        db.commit()
        for name, read in READS.items():
            db.expire_all()
            with counting() as statements:
                result = read(s, s.workshop)
            assert result is not None
            counts[name] = len(statements)
    return counts


def test_step_3_reads_do_not_grow_with_the_number_of_participants(make) -> None:
    small = measure(make, 6)
    large = measure(make, 40)
    assert all(n > 0 for n in small.values())
    assert large == small
