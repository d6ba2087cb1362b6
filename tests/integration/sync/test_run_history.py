"""A company's sync runs, newest first and paged, only for those who may see the company; old runs are purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import clock
from core.auth import PermissionDenied
from core.hub import Hub
from core.models.sync import RunState, SyncRun
from core.sync import run_history, runs
from tests.integration.health.test_overview import HARBOUR, TUI, company_id
from tests.sync.connections.test_lifecycle import actor


def test_runs_are_listed_newest_first_filtered_by_job_and_paged(seeded: Hub) -> None:
    harbour, tui = company_id(seeded, HARBOUR), company_id(seeded, TUI)
    start = clock.now() - timedelta(hours=3)
    with seeded.db.write() as session:
        for n in range(7):
            run_history.record_finished(
                session,
                company_id=harbour,
                job="push" if n % 2 else "contacts_poll",
                started_at=start + timedelta(minutes=n),
                records=n,
                api_calls=1,
                outcome=f"run {n}",
            )
        run_history.record_finished(
            session, company_id=tui, job="push", started_at=start, records=1, api_calls=1, outcome="other"
        )
    sam = actor(seeded, "sam@hub.example")
    with seeded.db.read() as session:
        first = run_history.list_runs(session, sam, company_id=harbour, size=3)
        last = run_history.list_runs(session, sam, company_id=harbour, size=3, page=99)
        pushes = run_history.list_runs(session, sam, company_id=harbour, job="push")
    assert [r.outcome for r in first.rows] == ["run 6", "run 5", "run 4"] and (first.total, first.pages) == (7, 3)
    assert last.page == 3 and [r.outcome for r in last.rows] == ["run 0"]
    assert [r.records for r in pushes.rows] == [5, 3, 1] and {r.job_label for r in pushes.rows} == {runs.JOBS["push"]}
    assert first.rows[0].seconds is not None and first.rows[0].seconds >= 0


def test_a_finance_manager_cannot_list_another_companys_runs(seeded: Hub) -> None:
    with seeded.db.read() as session, pytest.raises(PermissionDenied):
        run_history.list_runs(session, actor(seeded, "fiona@harbourbakery.example"), company_id=company_id(seeded, TUI))


def test_an_unknown_job_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sync job"):
        run_history.record_finished(
            None,  # type: ignore[arg-type]
            company_id=1,
            job="nope",
            started_at=clock.now(),
            records=0,
            api_calls=0,
            outcome="",
        )


def test_housekeeping_deletes_finished_runs_older_than_thirty_days_only(seeded: Hub) -> None:
    harbour = company_id(seeded, HARBOUR)
    with seeded.db.write() as session:
        clock.advance(timedelta(days=-31))
        run_history.record_finished(
            session, company_id=harbour, job="push", started_at=clock.now(), records=1, api_calls=1, outcome="old"
        )
        waiting = runs.request(session, company_id=harbour, job="contacts_poll")  # queued long ago: kept
        clock.advance(timedelta(days=31))
        run_history.record_finished(
            session, company_id=harbour, job="push", started_at=clock.now(), records=1, api_calls=1, outcome="new"
        )
    with seeded.db.write() as session:
        assert run_history.purge(session) == 1
    with seeded.db.read() as session:
        left = dict(session.execute(select(SyncRun.outcome, SyncRun.state)).tuples().all())
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 2
    assert left == {"new": RunState.DONE, None: RunState.QUEUED} and waiting.id
