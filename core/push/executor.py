"""The one push executor: supplier changes, documents and payments all go to Xero through here.

For every organisation with changes due it claims a batch from the outbox, holds the batch (or discards it after a
remove) when the connection is not usable, lets the kind of record plan and send it, and settles what the answer
leaves open by one ladder of outcomes:

    Xero answered per element        the record's push settles each element: sent, or refused with a sync error
    Xero refused the call (a 4xx)    every element of that call is refused with the problem's cause
    reconnect needed                 what is left is held until the company reconnects
    Xero asked the hub to wait       what is left is tried again after Xero's wait, with no backoff growth
    anything else (outage, no call)  what is left is tried again with backoff; a problem that lasts QUIET_ATTEMPTS
                                     tries shows as a sync error

Each organisation's turn is one sync run with its tally (which organisation takes a turn, and when, is
core.push.turns). A kind of record supplies only what differs (`Push`): gather what the hub knows, prepare (plan, and
settle what needs no call), send one call, and settle Xero's answer.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.hub import Hub
from core.models.sync import Connection, ConnectionState
from core.push import timing
from core.push.tally import QUIET_ATTEMPTS, Tally
from core.sync import backlog, errors, outbox, run_history
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, ReconnectNeeded, RetryAfter, Transient, ValidationFailed, XeroProblem
from core.xero_access import gate


class Write(Protocol):
    """One element to send: whatever a push plans, as long as it knows its outbox entry."""

    @property
    def entry(self) -> Claimed: ...


W = TypeVar("W", bound=Write)


@dataclass
class Turn:
    """One organisation's push: what it did, recorded as one sync run."""

    company_id: int
    job: str
    tally: Tally
    started_at: datetime
    client: AccountingClient | None = None  # counts the calls the turn made
    quiet: int = 0  # entries settled without a call
    deferred: int = 0  # of the waiting ones, those put off by design (not a failure), e.g. a payment's document
    until: float | None = None  # monotonic time after which the turn makes no further call

    def record(self, session: Session, note: str = "") -> None:
        t = self.tally
        run_history.record_finished(
            session,
            company_id=self.company_id,
            job=self.job,
            started_at=self.started_at,
            records=t.sent + t.failed + self.quiet,
            api_calls=self.client.calls if self.client is not None else 0,
            outcome=f"{t}" + (f"; {self.quiet} needed no call" if self.quiet else "") + note,
            failed=t.sent == 0 and t.failed + t.waiting - self.deferred > 0,
        )


class Push(ABC, Generic[W]):
    """What a kind of record supplies to the executor."""

    entity_type: ClassVar[str]  # the outbox entries it pushes
    job: ClassVar[str] = "push"  # the sync run's job
    tally: ClassVar[type[Tally]] = Tally
    limit: ClassVar[int] = 50  # changes claimed per organisation per turn
    parallel: ClassVar[int] = 4  # organisations pushed side by side (each through its own budget gate)

    @abstractmethod
    def gather(self, session: Session, company_id: int, entries: list[Claimed]) -> Any:
        """What the hub knows about the claimed entries (read in one read transaction with the connection)."""

    @abstractmethod
    def prepare(self, hub: Hub, turn: Turn, entries: list[Claimed], facts: Any, *, worker: str) -> list[W]:
        """Plan the entries; settle those that need no call or are refused before one; return the writes to send."""

    def adopt(self, hub: Hub, xero: AccountingClient, writes: list[W], turn: Turn, *, worker: str) -> list[W]:
        """Settle the writes an earlier, unanswered try already made in Xero; return the others."""
        return writes

    def calls(self, writes: list[W]) -> list[list[W]]:
        """The writes grouped one call each."""
        return [writes]

    @abstractmethod
    def send(
        self, hub: Hub, xero: AccountingClient, call: list[W], turn: Turn, *, worker: str
    ) -> list[ItemResult] | None:
        """One call to Xero: its answer per element in the order sent, or None when the push settled it itself."""

    @abstractmethod
    def settle(
        self,
        session: Session,
        call: Sequence[W],
        results: Sequence[ItemResult],
        turn: Turn,
        *,
        worker: str,
        problem: XeroProblem | None = None,
    ) -> None:
        """Xero's answer per element written back (as many results as elements, or fewer: the rest is retried)."""

    @abstractmethod
    def entity(self, write: W) -> EntityRef:
        """What a sync error about this write is about."""


def push_company(
    hub: Hub, push: Push[Any], company_id: int, *, worker: str, limit: int | None = None, until: float | None = None
) -> Tally:
    """Claim up to `limit` of the company's due changes of this kind and push them; past `until` (a monotonic time)
    the turn makes no further call, and what it did not send is due again at once."""
    entries = outbox.claim(
        hub.db, worker=worker, limit=limit or push.limit, company_id=company_id, entity_type=push.entity_type
    )
    turn = Turn(company_id, push.job, push.tally(), clock.now(), until=until)
    if entries:
        _turn(hub, push, turn, entries, worker)
        timing.observe(hub, entries, since=turn.started_at)
    return turn.tally


def _turn(hub: Hub, push: Push[Any], turn: Turn, entries: list[Claimed], worker: str) -> None:
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == turn.company_id))
        facts = push.gather(session, turn.company_id, entries)
    state = connection.state if connection is not None else None
    if state is not ConnectionState.CONNECTED:
        return _hold(hub, turn, entries, worker, discard=state is ConnectionState.REMOVED)
    writes = push.prepare(hub, turn, entries, facts, worker=worker)
    if writes:
        return _send(hub, push, turn, connection.id, writes, worker)
    with hub.db.write() as session:
        turn.record(session)


def _send(hub: Hub, push: Push[Any], turn: Turn, connection_id: int, writes: list[Any], worker: str) -> None:
    remaining = list(writes)
    try:
        with gate.organisation(hub, connection_id, worker=worker) as xero:
            turn.client = xero
            remaining = push.adopt(hub, xero, remaining, turn, worker=worker)
            for made, call in enumerate(push.calls(remaining)):
                if made and turn.until is not None and time.monotonic() > turn.until:
                    break  # the others' turn: what is left goes back to the queue below
                _call(hub, push, turn, xero, call, worker)
                sent = {w.entry.id for w in call}
                remaining = [w for w in remaining if w.entry.id not in sent]
    except ReconnectNeeded:  # the connection now waits for a person, and so do its changes
        turn.tally.waiting += len(remaining)
        return _hold(hub, turn, [w.entry for w in remaining], worker)
    except RetryAfter as wait:
        return _later(hub, push, turn, remaining, worker, seconds=wait.seconds)
    except XeroProblem as problem:  # an outage, or a read before the writes failed
        return _later(hub, push, turn, remaining, worker, problem=problem)
    with hub.db.write() as session:
        if turn.tally.sent:  # the organisation answers again: what backed off while it did not is due now
            backlog.recovered(session, turn.company_id)
        given = outbox.give_back(session, [w.entry.id for w in remaining], worker=worker)
        turn.record(session, f"; {given} left for its next turn" if given else "")


def _hold(hub: Hub, turn: Turn, entries: list[Claimed], worker: str, *, discard: bool = False) -> None:
    """Keep the changes for the reconnection; after a remove they are discarded (the snapshot rule)."""
    with hub.db.write() as session:
        for entry in entries:
            (outbox.discard if discard else outbox.hold)(session, entry.id, worker=worker)
        what = "discarded (the connection was removed)" if discard else "held until Xero is reconnected"
        turn.record(session, f"; {len(entries)} changes {what}")


def _call(hub: Hub, push: Push[Any], turn: Turn, xero: AccountingClient, call: list[Any], worker: str) -> None:
    """One call and its answer, settled at once (a later call's trouble never loses this one's outcome)."""
    problem: XeroProblem | None = None
    try:
        results = push.send(hub, xero, call, turn, worker=worker)
    except ValidationFailed as refused:
        results, problem = refused.items or [ItemResult(False, {}, (refused.message,))] * len(call), refused
    except (ReconnectNeeded, RetryAfter, Transient):
        raise
    except XeroProblem as refused:
        if refused.status is None or not 400 <= refused.status < 500:
            raise
        results, problem = [ItemResult(False, {}, (refused.message,))] * len(call), refused  # asking again won't help
    if results is None:
        return
    with hub.db.write() as session:
        push.settle(session, call, results, turn, worker=worker, problem=problem)
        for write in call[len(results) :]:  # no answer for these: try again
            outbox.retry_later(session, write.entry.id, worker=worker, failures=write.entry.failures + 1)
            turn.tally.waiting += 1


def _later(
    hub: Hub,
    push: Push[Any],
    turn: Turn,
    writes: list[Any],
    worker: str,
    *,
    seconds: int = 0,
    problem: XeroProblem | None = None,
) -> None:
    with hub.db.write() as session:
        for write in writes:
            retry(session, write.entry, push.entity(write), worker=worker, seconds=seconds, problem=problem)
        turn.tally.waiting += len(writes)
        why = f"Xero asked the hub to wait {seconds} s" if seconds else (problem.message if problem else "")
        turn.record(session, f"; {why}" if why else "")


def retry(
    session: Session,
    entry: Claimed,
    entity: EntityRef,
    *,
    worker: str,
    seconds: int = 0,
    problem: XeroProblem | None = None,
) -> None:
    """Try a change again later: after a wait Xero (or the hub) asked for, with no backoff growth, or with backoff
    after a problem, which shows as a sync error once it has failed QUIET_ATTEMPTS tries (a blip stays quiet).
    Only failures count: the claims that only waited do not."""
    failures = entry.failures + (1 if problem is not None and not seconds else 0)
    error_id = None
    if problem is not None and failures >= QUIET_ATTEMPTS:
        error_id = errors.record(
            session,
            company_id=entry.company_id,
            code=problem.cause,
            entity=entity,
            connection_id=entry.connection_id,
            detail=problem.message,
            request=problem.request,
        ).id
    outbox.retry_later(
        session,
        entry.id,
        worker=worker,
        failures=failures,
        error_id=error_id,
        not_before=clock.now() + timedelta(seconds=seconds) if seconds else None,
    )
