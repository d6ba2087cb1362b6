"""The one way the sidecar calls Xero's Accounting API for a connection: a live token, the shared budget, and a
connection Xero stopped accepting moved to "needs reconnect" once (DESIGN Principles 3, 4 and 7).

    with access.organisation(hub, connection_id, worker="sidecar-1") as xero:
        contacts = xero.list(resources.CONTACTS)

Every call passes the budget gate: a short wait is slept through, a longer one raises RetryAfter (or
DailyBudgetSpent) carrying the seconds, so the caller reschedules its work instead of holding a thread.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from core.hub import Hub
from core.metrics import definitions as metrics
from core.models.sync import Connection, ConnectionState
from core.xero.client import AccountingClient, Budget
from core.xero.oauth import TIMEOUT
from core.xero.outcomes import DailyBudgetSpent, ReconnectNeeded, RetryAfter, XeroProblem
from core.xero_access import budget, grants

# Polling for a free in-flight slot: slots free up within one call's time, far sooner than the 1 s budget.Wait says.
CONCURRENT_POLL_SECONDS = 0.2
# The sync-error cause when the Accounting API refuses the connection (403, or a 401 that is not an expired token).
ACCESS_REVOKED = "access_revoked"


@dataclass(frozen=True)
class _Target:
    connection_id: int
    grant_id: int
    tenant_id: str


def _target(hub: Hub, connection_id: int) -> _Target:
    with hub.db.read() as session:
        row = session.get(Connection, connection_id)
        if row is None:
            raise ReconnectNeeded(f"Connection {connection_id} does not exist.")
        if row.state is ConnectionState.NEEDS_RECONNECT:
            raise ReconnectNeeded("The Xero connection needs a reconnect; the hub calls Xero again once it is done.")
        if row.state is not ConnectionState.CONNECTED:
            raise ReconnectNeeded(f"The Xero connection is {row.state.value.replace('_', ' ')}; reconnect to Xero.")
        if row.grant_id is None or not row.tenant_id:
            raise ReconnectNeeded("The Xero connection has no authorisation left; reconnect to Xero.")
        return _Target(row.id, row.grant_id, row.tenant_id)


class _Gate:
    """The budget gate every call of one organisation() passes (core.xero.client.CallGate)."""

    def __init__(self, hub: Hub, target: _Target, worker: str, max_wait_seconds: float) -> None:
        self.hub, self.target, self.worker = hub, target, worker
        self.max_wait_seconds = max_wait_seconds
        self.ended: ReconnectNeeded | None = None

    def enter(self) -> budget.Slot:
        """A slot for one call, after sleeping through short waits; RetryAfter / DailyBudgetSpent otherwise."""
        if self.ended is not None:  # Xero already refused this connection: never ask it again
            raise ReconnectNeeded(self.ended.message)
        slot = self._wait(lambda: budget.acquire(self.hub.db, self.target.tenant_id, holder=self.worker))
        assert slot is not None
        return slot

    def check(self) -> None:
        """Before anything else (a token refresh included): wait out a short hold, refuse a long one."""
        self._wait(lambda: budget.held(self.hub.db, self.target.tenant_id))

    def _wait(self, attempt: Callable[[], budget.Slot | budget.Wait | None]) -> budget.Slot | None:
        deadline = time.monotonic() + self.max_wait_seconds
        while True:
            got = attempt()
            if not isinstance(got, budget.Wait):
                return got
            nap = min(got.seconds, CONCURRENT_POLL_SECONDS) if got.reason == "concurrent" else got.seconds
            if time.monotonic() + nap > deadline:
                kind = DailyBudgetSpent if got.reason == "day" else RetryAfter
                raise kind(
                    f"Xero's {got.reason} limit is reached; the hub calls again in {got.seconds} s.",
                    seconds=got.seconds,
                    problem=got.reason,
                )
            time.sleep(nap)

    def leave(self, ticket: object, figures: Budget | None, problem: XeroProblem | None) -> None:
        """Free the slot, keep Xero's figures, and act on what Xero said: a 429 pauses, a refusal ends."""
        assert isinstance(ticket, budget.Slot)
        budget.release(self.hub.db, ticket, figures)
        status, limit = (problem.status, getattr(problem, "problem", None)) if problem is not None else (200, None)
        metrics.xero_call(self.target.tenant_id, status=status, answered=figures is not None, problem=limit)
        if isinstance(problem, RetryAfter) and problem.status == 429:
            # appminute is the whole app's limit: every organisation waits, whichever one hit it.
            tenant = budget.APP if problem.problem == "appminute" else self.target.tenant_id
            budget.pause(self.hub.db, tenant, problem.seconds, problem.problem)
        elif isinstance(problem, ReconnectNeeded):
            self.ended = problem
            _moved(self.hub, self.target, problem, code=ACCESS_REVOKED)


def _moved(hub: Hub, target: _Target, problem: ReconnectNeeded, *, code: str) -> None:
    """The connection needs a reconnect: move it (once, whichever process sees it first) with one sync error."""
    with hub.db.write() as session:
        row = session.get(Connection, target.connection_id)
        if row is not None:
            grants.needs_reconnect(
                session, row, reason=problem.message, code=code, request=problem.request, response=problem.response
            )


def _token(hub: Hub, target: _Target, worker: str) -> str:
    try:
        return grants.access_token(hub.db, hub.settings, target.grant_id, worker=worker)
    except ReconnectNeeded as problem:
        # invalid_grant already ended the whole grant; this catches the rest (no refresh token, grant ended).
        _moved(hub, target, problem, code="token_revoked")
        raise


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every call to Xero: building one (reading the CA bundle) costs tens of milliseconds."""
    return httpx.create_ssl_context()


@contextmanager
def organisation(
    hub: Hub, connection_id: int, *, worker: str, max_wait_seconds: float = 5.0
) -> Iterator[AccountingClient]:
    """An Accounting API client for the connection's organisation, every call through the shared budget (each
    call sleeps through waits up to max_wait_seconds in all, and raises RetryAfter/DailyBudgetSpent beyond)."""
    target = _target(hub, connection_id)
    gate = _Gate(hub, target, worker, max_wait_seconds)
    gate.check()  # a paused organisation costs nothing, not even a token refresh
    token = _token(hub, target, worker)

    def refresh() -> str:
        # Xero said the token expired before our clock did: expire it here, so access_token refreshes it (or
        # picks up the one another process just stored).
        nonlocal token
        grants.expire_access_token(hub.db, hub.settings, target.grant_id, token)
        token = _token(hub, target, worker)
        return token

    with httpx.Client(timeout=TIMEOUT, verify=_tls()) as http:
        client = AccountingClient(
            http,
            api_url=hub.settings.xero_api_url,
            access_token=token,
            tenant_id=target.tenant_id,
            gate=gate,
            refresh=refresh,
        )
        yield client
