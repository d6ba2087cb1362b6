"""The fleet under load, for bench/fleet.py: platform traffic at a steady rate spread over the organisations, with
the sidecars started as the launcher starts them, each with its own metrics listener.

A window sends supplier edits and bills (half each) to organisations picked at random, at --rate events a second, for
--load-seconds, then waits for them to reach Xero. What it reports comes from three places that must agree:

    the hub's outbox      each change's time from recorded to done in Xero (exact p50/p95), records done per minute
                          and the organisations that had some done
    the sidecars' metrics hub_push_latency_seconds (the share within 5 and 10 s), hub_xero_rate_limited_total by
                          limit, hub_xero_calls_total, scraped from each sidecar's listener at the end
    the simulator's log   calls, 429s, and writes sent twice (the same Idempotency-Key answered twice)

A backlog (documents waiting before the sidecars start) can sit in one organisation (a busy one among idle ones) or be
spread over many (scale-out). The figures of a window are a `Load`.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fleet_sidecars import Sidecars, machine_ticks, pick
from sqlalchemy import func, select

from core import clock
from core.hub import Hub
from core.models.sync import OutboxEntry, OutboxState
from tests import beside
from tests.chaos.traffic import BILL_LINE, Platform

KINDS = {"contact": "edits", "document": "bills"}


@dataclass
class Load:
    """One load window's figures."""

    label: str
    sidecars: int
    seconds: float
    latency: dict[str, list[float]] = field(default_factory=dict)  # edits / bills: seconds from recorded to Xero
    within: dict[str, tuple[float, float]] = field(default_factory=dict)  # the metrics' share within 5 s, 10 s
    done: int = 0  # records done in Xero during the window (backlog included)
    organisations_with_work: int = 0
    organisations_served: int = 0
    calls: int = 0
    too_many: int = 0  # 429s in the simulator's log
    limited: Counter[str] = field(default_factory=Counter)  # the sidecars' 429s by Xero's limit
    metric_calls: float = 0
    twice: int = 0  # writes Xero answered twice for the same Idempotency-Key
    records: int = 0  # the window's own records (edits and bills)
    left: int = 0  # records recorded before the window (a backlog) still waiting at its end
    backlog: int = 0  # records recorded before the window and done in it
    backlog_seconds: float = 0  # from the window's start to the last of them done
    sidecar_cpu: float = 0  # the sidecars' CPU seconds over the window
    machine_busy: float = 0  # the share of every core's time busy over the window, whoever used it

    def backlog_per_minute(self) -> float:
        return self.backlog / (self.backlog_seconds / 60) if self.backlog_seconds else 0.0

    def p(self, kind: str, q: float) -> float | None:
        values = sorted(self.latency.get(kind, []))
        if not values:
            return None
        return values[min(len(values) - 1, int(q * len(values)))] if q < 1 else values[-1]

    def per_minute(self) -> float:
        return self.done / (self.seconds / 60)


class Traffic:
    """Each company's platform: one supplier made before the window, then edits to it and bills to it."""

    def __init__(self, hub: Hub, companies: list[int], seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.platforms = [Platform(hub, company_id, f"L{company_id}", self.rng) for company_id in companies]

    def without(self, company_id: int) -> Traffic:
        """The same traffic, minus one company's."""
        other = Traffic.__new__(Traffic)
        other.rng = self.rng
        other.platforms = [p for p in self.platforms if p.company_id != company_id]
        return other

    def prime(self) -> None:
        for platform in self.platforms:
            platform.new_supplier()

    def one(self) -> None:
        platform = self.rng.choice(self.platforms)
        supplier_id = next(iter(platform.suppliers))
        if self.rng.random() < 0.5:
            email = f"{self.rng.randrange(10**9)}@{supplier_id.lower()}.example"
            platform.send("supplier.changed", {"supplier_id": supplier_id, "email": email})
        else:
            platform.issue("bill", supplier_id, BILL_LINE)


def backlog(hub: Hub, companies: list[int], documents: int, tag: str) -> None:
    """`documents` bills spread evenly over the companies, waiting before any sidecar runs."""
    rng = random.Random(tag)
    platforms = [Platform(hub, company_id, f"{tag}{company_id}", rng) for company_id in companies]
    for platform in platforms:
        platform.new_supplier()
    for k in range(documents):
        platform = platforms[k % len(platforms)]
        platform.issue("bill", next(iter(platform.suppliers)), BILL_LINE)


class _Log:
    """The simulator's request log, read every few seconds while a window runs (it keeps only its last 5,000)."""

    def __init__(self, sim: beside.Simulator) -> None:
        self.sim, self.since, self.rows = sim, beside.last_seq(sim), []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(3):
            self._read()

    def _read(self) -> None:
        page = beside.request_log(self.sim, self.since)
        if page:
            self.rows += page
            self.since = page[-1]["seq"]

    def close(self) -> list[dict[str, Any]]:
        self._stop.set()
        self._thread.join()
        self._read()
        return self.rows


def window(
    hub: Hub,
    sim: beside.Simulator,
    env: dict[str, str],
    folder: Path,
    traffic: Traffic,
    *,
    label: str,
    sidecars: int,
    rate: float,
    seconds: float,
    everything: bool = False,
    drain_seconds: float = 1800,
) -> Load:
    """Start the sidecars, send the traffic for `seconds`, wait for its records (`everything`: for every record,
    a backlog's too, and count the window until then), and measure."""
    began_at = clock.now()
    log = _Log(sim)
    fleet = Sidecars(env, folder, sidecars)
    started, cpu0, ticks0 = time.monotonic(), fleet.cpu(), machine_ticks()
    try:
        for k in range(int(seconds * rate)):  # evenly spaced, whatever each event costs to record
            time.sleep(max(0.0, started + k / rate - time.monotonic()))
            traffic.one()
        ended_at, measured = clock.now(), time.monotonic() - started
        if everything:
            wait_until_empty(hub, drain_seconds)
            measured = time.monotonic() - started
        deadline = time.monotonic() + drain_seconds
        while _waiting(hub, began_at, ended_at) and time.monotonic() < deadline:
            time.sleep(1)
        scraped, cpu1, ticks1 = fleet.scrape(), fleet.cpu(), machine_ticks()
    finally:
        fleet.stop()
        rows = log.close()
    busy = (ticks1[0] - ticks0[0]) / max(1, ticks1[1] - ticks0[1])
    load = Load(label, sidecars, measured, sidecar_cpu=cpu1 - cpu0, machine_busy=busy)
    _outbox(hub, load, began_at, ended_at)
    _metrics(load, scraped)
    api = [r for r in rows if "/api.xro/" in r["path"]]
    load.calls, load.too_many = len(api), sum(r["status"] == 429 for r in api)
    writes = Counter(r["idempotency_key"] for r in api if r["method"] in ("PUT", "POST") and r["status"] < 400
                     and r["idempotency_key"])  # fmt: skip
    load.twice = sum(n - 1 for n in writes.values() if n > 1)
    return load


def wait_until_empty(hub: Hub, seconds: float) -> None:
    """Until no change waits for Xero at all (or `seconds` have passed)."""
    deadline = time.monotonic() + seconds
    query = select(func.count()).where(OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED)))
    while time.monotonic() < deadline:
        with hub.db.read() as session:
            if not session.scalar(query):
                return
        time.sleep(0.5)


def _waiting(hub: Hub, since: datetime, until: datetime) -> int:
    with hub.db.read() as session:
        states = session.scalars(
            select(OutboxEntry.state).where(OutboxEntry.created_at >= since, OutboxEntry.created_at <= until)
        ).all()
    return sum(s in (OutboxState.PENDING, OutboxState.LEASED) for s in states)


def _outbox(hub: Hub, load: Load, since: datetime, until: datetime) -> None:
    with hub.db.read() as session:
        rows = session.execute(
            select(OutboxEntry.entity_type, OutboxEntry.company_id, OutboxEntry.created_at, OutboxEntry.done_at)
        ).all()
    for kind, _, created, done in rows:
        if since <= created <= until and done is not None and kind in KINDS:
            load.latency.setdefault(KINDS[kind], []).append((done - created).total_seconds())
    load.records = sum(since <= created <= until for _, _, created, _ in rows)
    finished = [(company, done) for _, company, _, done in rows if done is not None and since <= done]
    load.done = len(finished)
    load.organisations_with_work = len({c for _, c, created, done in rows if done is None or done >= since})
    load.organisations_served = len({company for company, _ in finished})
    drained = [done for _, _, created, done in rows if created < since and done is not None and done >= since]
    load.backlog = len(drained)
    load.backlog_seconds = (max(drained) - since).total_seconds() if drained else 0.0
    with hub.db.read() as session:
        load.left = len(session.scalars(select(OutboxEntry.id).where(
            OutboxEntry.created_at < since, OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED))
        )).all())  # fmt: skip


def _metrics(load: Load, scraped: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> None:
    for kind, name in (("contacts", "edits"), ("documents", "bills")):
        count = pick(scraped, "hub_push_latency_seconds_count", kind=kind)
        if count:
            load.within[name] = tuple(  # type: ignore[assignment]
                pick(scraped, "hub_push_latency_seconds_bucket", kind=kind, le=le) / count for le in ("5.0", "10.0")
            )
    for (name, labels), value in scraped.items():
        if name == "hub_xero_rate_limited_total" and value:
            load.limited[dict(labels).get("limit", "?")] += int(value)
    load.metric_calls = pick(scraped, "hub_xero_calls_total")
