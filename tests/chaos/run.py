"""One chaos run from start to finish: a simulator and a fresh hub, two connected organisations, platform events
while faults fire and sidecars are killed, then the faults stop, the sidecars drain what waits, and the books of the
hub and of Xero are compared."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core import clock
from core.hub import Hub
from core.models.sync import OutboxEntry, OutboxState
from tests import beside, control
from tests.chaos import books
from tests.chaos.traffic import Platform, Sidecars, arm

WAITING = (OutboxState.PENDING, OutboxState.LEASED)


@dataclass(frozen=True)
class Options:
    events: int = 400
    seconds: float = 120  # how long the events and faults go on
    sidecars: int = 1
    seed: int = 7
    drain: float = 300  # the longest wait for the drain
    database_url: str | None = None  # a PostgreSQL server to make a throwaway database on; SQLite when None
    retry_after: int = 60  # the Retry-After of the simulator's 429 faults
    kill_every: tuple[float, float] = (15, 20)  # seconds between two sidecar kills, drawn between these


@dataclass
class Outcome:
    sent: int = 0
    events_took: float = 0.0
    kills: int = 0
    drain_took: float = 0.0
    left: int = 0  # changes still waiting when the drain ended
    rows: list[dict[str, Any]] = field(default_factory=list)  # the books, one row per company
    refused: dict[str, Counter[str]] = field(default_factory=dict)  # events the entry point refused, per company


def waiting(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).where(OutboxEntry.state.in_(WAITING))) or 0


def progress(hub: Hub) -> str:
    """What still waits, by kind and state, and how far off the last of it is due."""
    with hub.db.read() as session:
        rows = session.execute(
            select(OutboxEntry.entity_type, OutboxEntry.state, func.count(), func.max(OutboxEntry.not_before),
                   func.max(OutboxEntry.failures))
            .where(OutboxEntry.state.in_(WAITING))
            .group_by(OutboxEntry.entity_type, OutboxEntry.state)
        ).all()  # fmt: skip
    now = clock.now()
    return (
        ", ".join(
            f"{kind} {state.value} {n} (last due in {max(0, (due - now).total_seconds()):.0f} s, failures up to {most})"
            for kind, state, n, due, most in rows
        )
        or "nothing"
    )


def run(options: Options, folder: Path, say: Callable[[str], None] = print) -> Outcome:
    rng, outcome = random.Random(options.seed), Outcome()
    sim = beside.start_simulator(folder / "sandbox")
    try:
        with beside.hub_beside(sim, options.database_url, folder) as setup:
            made = [beside.ready_company(sim, setup.hub, setup.actor, name, 10) for name in ("North", "South")]
            sides = [
                Platform(setup.hub, company_id, name, rng) for (company_id, _, _), name in zip(made, "NS", strict=True)
            ]
            beside.set_limits(sim, beside.LIMITS_XERO)
            fleet = Sidecars(setup.env, options.sidecars, folder)
            fleet.start_all()
            try:
                _traffic(options, rng, sim.url, sides, fleet, outcome)
                control.delete(f"{sim.url}/_sandbox/faults").raise_for_status()
                _drain(options, setup.hub, outcome, say)
            finally:
                fleet.stop_all()
                outcome.kills = fleet.kills
            beside.set_limits(sim, beside.LIMITS_OFF)
            outcome.rows = [
                books.compare(setup.hub, sim, company_id, tenant, email, side)
                for (company_id, tenant, email), side in zip(made, sides, strict=True)
            ]
            outcome.refused = {side.name: side.refused for side in sides}
    finally:
        sim.stop()
    return outcome


def _traffic(
    options: Options, rng: random.Random, sim_url: str, sides: list[Platform], fleet: Sidecars, outcome: Outcome
) -> None:
    """The events, paced over the run's seconds, with a fault armed every few seconds and sidecars killed."""
    began = time.monotonic()
    next_fault, next_kill = began, began + rng.uniform(*options.kill_every)
    while outcome.sent < options.events and time.monotonic() - began < options.seconds * 2:
        rng.choice(sides).one()
        outcome.sent += 1
        now = time.monotonic()
        if now >= next_fault:
            control.post(f"{sim_url}/_sandbox/faults", json=arm(rng, options.retry_after)).raise_for_status()
            next_fault = now + rng.uniform(2, 5)
        if now >= next_kill:
            fleet.kill_one(rng)
            next_kill = now + rng.uniform(*options.kill_every)
        time.sleep(max(0.0, options.seconds / options.events - (time.monotonic() - now)))
    outcome.events_took = time.monotonic() - began


def _drain(options: Options, hub: Hub, outcome: Outcome, say: Callable[[str], None]) -> None:
    began = time.monotonic()
    while waiting(hub) and time.monotonic() - began < options.drain:
        time.sleep(1)
        if int(time.monotonic() - began) % 10 == 0:
            say(f"  drain {time.monotonic() - began:5.0f} s: {progress(hub)}")
    outcome.drain_took = time.monotonic() - began
    outcome.left = waiting(hub)
