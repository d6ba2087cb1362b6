"""Whose turn: the organisations with changes of one kind due take turns at the push executor, side by side.

`push.parallel` threads each take the organisation with changes due that was served longest ago, and push one batch
of it (core.push.executor.push_company). As soon as a turn ends its thread takes the next organisation: nobody waits
for the slowest turn, so an organisation with a deep backlog, or one Xero is slow to answer, holds up none of the
others while they keep taking turns beside it.

The sidecar's push jobs run for a few seconds each (`push_for`). A turn that sends and refuses nothing (its changes
wait for Xero or for a person) ends that organisation's turns for the run. Once the time is up, turns start only
beside one still waiting on Xero, and after as long again no turn makes a further call: what one did not send goes
back to the queue, due at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy import select

from core import clock
from core.hub import Hub
from core.models.sync import Connection, OutboxEntry, OutboxState
from core.push.executor import Push, push_company
from core.push.tally import Tally

# While a thread is free and a turn goes on (Xero is slow to answer one organisation), how often the run looks for
# organisations newly due.
LOOK_AGAIN_SECONDS = 0.5


def due_companies(hub: Hub, entity_type: str) -> list[int]:
    """Companies with changes of this kind due now, the one served longest ago first (a deep backlog never keeps
    the others waiting)."""
    e, served, live = OutboxEntry, Connection.last_sync_at, (OutboxState.PENDING, OutboxState.LEASED)
    with hub.db.read() as session:
        due = select(e.company_id).where(e.entity_type == entity_type, e.state.in_(live), e.not_before <= clock.now())
        due = due.outerjoin(Connection, Connection.company_id == e.company_id).group_by(e.company_id, served)
        return list(session.scalars(due.order_by(served.is_not(None), served, e.company_id)))


def push_due(hub: Hub, push: Push[Any], *, worker: str, limit: int | None = None, parallel: int | None = None) -> Tally:
    """One turn for every organisation with changes due now, `parallel` (default `push.parallel`) side by side."""
    waiting, served = due_companies(hub, push.entity_type), set[int]()

    def next_up(busy: set[int]) -> list[int]:
        return [c for c in waiting if c not in busy and c not in served]

    def finished(company_id: int, _tally: Tally) -> None:
        served.add(company_id)

    parallel = push.parallel if parallel is None else parallel
    return _turns(hub, push, next_up, finished, worker=worker, limit=limit, parallel=parallel)


def push_for(hub: Hub, push: Push[Any], *, worker: str, seconds: float, limit: int | None = None) -> Tally:
    """Turns for `seconds`: each free thread takes the organisation with changes due served longest ago, until
    nothing more is due or the time is up (a backlog keeps every budget in use). A turn still waiting on Xero then
    has as long again to finish, while the others keep taking turns beside it; after that it makes no further call."""
    began = time.monotonic()
    until, stop = began + seconds, began + 2 * seconds
    ended: set[int] = set()  # organisations whose last turn sent and refused nothing: done for this run

    def next_up(busy: set[int]) -> list[int]:
        now = time.monotonic()
        if now > stop or (now > until and not busy):
            return []
        return [c for c in due_companies(hub, push.entity_type) if c not in busy and c not in ended]

    def finished(company_id: int, tally: Tally) -> None:
        if tally.sent + tally.failed == 0:
            ended.add(company_id)

    return _turns(hub, push, next_up, finished, worker=worker, limit=limit, parallel=push.parallel, until=stop)


def _turns(
    hub: Hub,
    push: Push[Any],
    next_up: Callable[[set[int]], list[int]],
    finished: Callable[[int, Tally], None],
    *,
    worker: str,
    limit: int | None,
    parallel: int,
    until: float | None = None,
) -> Tally:
    """Keep `parallel` turns going: whenever one ends, ask `next_up(the organisations in a turn)` for more."""
    total = push.tally()
    running: dict[Future[Tally], int] = {}
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        while True:
            if len(running) < parallel:
                for company_id in next_up(set(running.values()))[: parallel - len(running)]:
                    future = pool.submit(push_company, hub, push, company_id, worker=worker, limit=limit, until=until)
                    running[future] = company_id
            if not running:
                return total
            free = len(running) < parallel  # then changes newly due need not wait for a turn to end
            done, _ = wait(running, timeout=LOOK_AGAIN_SECONDS if free else None, return_when=FIRST_COMPLETED)
            for future in done:
                company_id = running.pop(future)
                tally = future.result()
                total.add(tally)
                finished(company_id, tally)
