"""The fleet's phases under load, for bench/fleet.py (after the idle one), each a `fleet_load.window`:

    steady      one sidecar, --rate events a second (supplier edits and bills) spread over every organisation
    app limit   two sidecars share a backlog spread over the organisations with the simulator's app-wide minute
                lowered to --app-minute so it binds: the hub must wait for it, never hear a 429 about it
    scale-out   the same traffic plus a backlog spread over the organisations, with 1, 2 and 4 sidecars, each run
                until every record is in Xero: records per minute, the organisations served, writes sent twice;
                with --scale-answer-seconds, Xero answers every Accounting API call that late (real Xero takes
                about a second; the simulator, milliseconds), so a sidecar waits on Xero rather than on the CPU
    busy        a backlog of --backlog documents in one organisation, whose document calls Xero answers in
                --busy-seconds, while the others keep the steady traffic: the others' p95 beside their p95 without it

Scale-out and the app limit need PostgreSQL (--database-url): SQLite takes one writer at a time by design.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import _common as c
from fleet_load import Load, Traffic, backlog, wait_until_empty, window
from fleet_sidecars import Sidecars
from sqlalchemy import select

from core.models.sync import Connection
from tests import beside


@dataclass
class Phases:
    size: int
    steady: Load | None = None
    app_limit: Load | None = None
    scale: list[Load] = field(default_factory=list)
    busy: Load | None = None


def run(fleet: Any, args: argparse.Namespace) -> Phases:
    found = Phases(fleet.size)
    if not args.load_seconds:
        return found
    traffic = Traffic(fleet.hub, fleet.companies)
    traffic.prime()
    _drain(fleet)  # each company's supplier is in Xero before any window starts

    def measure(label: str, sidecars: int, *, everything: bool = False, on: Traffic = traffic) -> Load:
        load = window(fleet.hub, fleet.sim, fleet.env, fleet.folder, on, label=label, sidecars=sidecars,
                      rate=args.rate, seconds=args.load_seconds, everything=everything)  # fmt: skip
        print(f"  {label}: {describe(load)}", flush=True)
        return load

    wanted = set(args.phases)
    if "steady" in wanted or "busy" in wanted:  # the busy organisation's others are compared with the steady load
        found.steady = measure("steady", 1)
    postgres = bool(args.database_url) and not args.database_url.startswith("sqlite")
    if postgres and "scale" in wanted:
        if args.app_minute:
            beside.restart_limits(fleet.sim, fleet.hub, {"appMinute": args.app_minute})
            backlog(fleet.hub, fleet.companies, args.spread_backlog, "A")
            found.app_limit = measure(f"2 sidecars, app minute {args.app_minute}", 2, everything=True)
            beside.restart_limits(fleet.sim, fleet.hub, {"appMinute": 10_000})
        with answering_late(fleet, args.scale_answer_seconds):
            for sidecars in args.scale:
                backlog(fleet.hub, fleet.companies, args.spread_backlog, f"S{sidecars}-")
                label = f"{sidecars} sidecar{'s' if sidecars > 1 else ''}"
                found.scale.append(measure(label, sidecars, everything=True))
    if len(fleet.companies) > 1 and "busy" in wanted:
        busy = fleet.companies[0]
        backlog(fleet.hub, [busy], args.backlog, "B")
        with answering_late(fleet, args.busy_seconds, company_id=busy, resource="Invoices"):
            found.busy = measure("busy", 1, on=traffic.without(busy))
    return found


@contextmanager
def answering_late(fleet: Any, seconds: float, *, company_id: int | None = None, resource: str = "") -> Iterator[None]:
    """Xero takes about a second to answer a batch; the simulator, milliseconds. For the block, one company's (None:
    every company's) calls to an Accounting API resource ("": to any) take `seconds` (0: answered at once), so a hub
    that waits on its slowest organisation, or a sidecar that waits on Xero, shows it."""
    if not seconds:
        yield
        return
    tenant = None
    if company_id is not None:
        with fleet.hub.db.read() as session:
            tenant = session.scalar(select(Connection.tenant_id).where(Connection.company_id == company_id))
    beside.slow_answers(fleet.sim, tenant, resource, seconds)
    try:
        yield
    finally:
        fleet.sim.control("DELETE", "/faults")


def _drain(fleet: Any) -> None:
    sidecar = Sidecars(fleet.env, fleet.folder, 1)
    try:
        wait_until_empty(fleet.hub, 900)
    finally:
        sidecar.stop()


def describe(load: Load) -> str:
    def p(kind: str, q: float) -> str:
        value = load.p(kind, q)
        return "-" if value is None else f"{value:.1f}"

    return (f"{load.records} records, edits p50 {p('edits', 0.5)} s p95 {p('edits', 0.95)} s, bills p50 "
            f"{p('bills', 0.5)} s p95 {p('bills', 0.95)} s, {load.done} done ({load.per_minute():,.0f}/min), "
            f"{load.too_many} x 429, {load.twice} written twice, machine {load.machine_busy:.0%} busy, sidecars "
            f"{load.sidecar_cpu:.0f} CPU s")  # fmt: skip


def report(results: list[Phases], answer_seconds: float = 0) -> None:
    """Side by side for every N."""
    heads = ["", *(f"N = {r.size:,}" for r in results)]

    def fig(value: float | None, unit: str = "") -> str:
        return "-" if value is None else f"{value:,.1f}{unit}"

    steady = [r.steady for r in results]
    if any(steady):
        print("\nSteady load: supplier edits and bills spread over the organisations, one sidecar, Xero's limits on")
        print(c.table(heads, _rows(steady)))
    busy = [r.busy for r in results]
    if any(busy):
        print("\nOne busy organisation (a backlog in it) while the others keep the steady load")
        rows = _rows(busy)
        for kind in ("edits", "bills"):
            rows.append([f"others' {kind} p95 vs steady p95", *(
                fig(_ratio(b.p(kind, 0.95) if b else None, s.p(kind, 0.95) if s else None), "x")
                for b, s in zip(busy, steady, strict=True))])  # fmt: skip
        rows.append(["backlog still waiting at the end", *(str(b.left) if b else "-" for b in busy)])
        print(c.table(heads, rows))
    for r in results:
        runs = [x for x in (r.app_limit, *r.scale) if x is not None]
        if not runs:
            continue
        one = next((x for x in r.scale if x.sidecars == 1), None)
        answers = f", Xero answering each call in {answer_seconds:g} s" if answer_seconds else ""
        print(f"\nScale-out on PostgreSQL, N = {r.size:,}: a backlog over every organisation plus the steady load, "
              f"each run until all is in Xero ({os.cpu_count()} cores{answers})")  # fmt: skip
        print(c.table(["", *(x.label for x in runs)], [
            ["sidecars", *(str(x.sidecars) for x in runs)],
            ["backlog records done", *(f"{x.backlog:,}" for x in runs)],
            ["minutes until the backlog was in Xero", *(f"{x.backlog_seconds / 60:.1f}" for x in runs)],
            ["backlog records per minute", *(f"{x.backlog_per_minute():,.0f}" for x in runs)],
            ["vs one sidecar", *(fig(_ratio(x.backlog_per_minute(), one.backlog_per_minute() if one else None), "x")
                                for x in runs)],
            ["the steady load's edits p95", *(_q(x, "edits") for x in runs)],
            ["the steady load's bills p95", *(_q(x, "bills") for x in runs)],
            ["organisations served", *(f"{x.organisations_served} of {x.organisations_with_work}" for x in runs)],
            ["writes sent twice", *(str(x.twice) for x in runs)],
            [f"machine busy ({os.cpu_count()} cores, everything)", *(f"{x.machine_busy:.0%}" for x in runs)],
            ["sidecars' CPU s per 1,000 records", *(f"{x.sidecar_cpu / x.done * 1000:.1f}" if x.done else "-"
                                                    for x in runs)],
            ["429s (simulator's log)", *(str(x.too_many) for x in runs)],
            ["429s by limit (metrics)", *(_limits(x) for x in runs)],
        ]))  # fmt: skip


def _rows(loads: list[Load | None]) -> list[list[str]]:
    def each(value: Any) -> list[str]:
        return [value(x) if x is not None else "-" for x in loads]

    def q(kind: str, at: float) -> Any:
        return lambda x: "-" if x.p(kind, at) is None else f"{x.p(kind, at):.2f} s"

    return [
        ["records in the window", *each(lambda x: f"{x.records:,}")],
        ["edit → Xero p50 / p95", *each(lambda x: f"{q('edits', 0.5)(x)} / {q('edits', 0.95)(x)}")],
        ["bill → Xero p50 / p95", *each(lambda x: f"{q('bills', 0.5)(x)} / {q('bills', 0.95)(x)}")],
        ["edits within 5 s (metrics)", *each(lambda x: _share(x, "edits", 0))],
        ["bills within 10 s (metrics, a backlog too)", *each(lambda x: _share(x, "bills", 1))],
        ["429s (simulator / metrics)", *each(lambda x: f"{x.too_many} / {sum(x.limited.values())}")],
        ["Xero calls (simulator / metrics)", *each(lambda x: f"{x.calls:,} / {x.metric_calls:,.0f}")],
        ["calls per record", *each(lambda x: f"{x.calls / x.records:.2f}" if x.records else "-")],
        ["writes sent twice", *each(lambda x: str(x.twice))],
        [f"machine busy ({os.cpu_count()} cores, everything)", *each(lambda x: f"{x.machine_busy:.0%}")],
    ]


def _q(load: Load, kind: str) -> str:
    value = load.p(kind, 0.95)
    return "-" if value is None else f"{value:.2f} s"


def _share(load: Load, kind: str, index: int) -> str:
    got = load.within.get(kind)
    return "-" if got is None else f"{got[index]:.1%}"


def _limits(load: Load) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(load.limited.items())) or "none"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b
