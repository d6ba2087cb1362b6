"""Document push throughput (issue 7, Performance).

With Xero's real limits on in the simulator (60 calls a minute and 5 in flight per organisation, 5,000 a day):
N invoices for one organisation, then N spread over K organisations — time until every one is in Xero, API calls
per document (the floor is 1/50 with batching), 429s seen (target 0), and the share of the per-minute budget used
while a backlog exists (target at least 90%). With limits off: documents per second the hub itself prepares and
pushes, and where the time goes (a cProfile summary).

    .venv/bin/python bench/documents_push.py [--documents 10000] [--orgs 20] [--free 5000] [--database-url URL]

The push runs in this process exactly as the sidecar's push_documents job does (document_push.push_for, back to
back). Starts its own simulator and a fresh database (SQLite in a temporary folder by default; with --database-url
postgresql+psycopg://…/postgres, a throwaway database on that server), and removes them at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

from core.auth import Actor
from core.contacts import push as contact_push
from core.documents import push as document_push
from core.hub import Hub
from core.models.platform import PlatformDocument
from core.models.sync import OutboxEntry, OutboxState
from core.platform_api import events as platform
from core.xero.resources import BATCH_SIZE
from tests import beside
from tests.sandbox.conftest import Simulator

LINE = {"description": "Sourdough loaves", "quantity": 12, "unit_amount": 3.4567, "category": "GOODS",
        "tax_rate": "VAT20", "tax_amount": 8.30}  # fmt: skip


# Invoices go round-robin to this many customers per organisation (as a business's do; the simulator, like Xero,
# recomputes a contact's balances on every document, so one contact with thousands of them would slow it down).
CUSTOMERS = 50


def setup_company(sim: Simulator, hub: Hub, actor: Actor, name: str) -> tuple[int, str]:
    """A company connected to a new organisation, its reference data read (suggested mappings), its customers."""
    company_id, tenant, _ = beside.ready_company(sim, hub, actor, name, 5)
    with hub.db.write() as session:
        for n in range(CUSTOMERS):
            platform.handle(
                session, company_id=company_id, event_id=f"{name}-customer-{n}", kind="supplier.changed",
                data={"supplier_id": f"CUST-{n}", "name": f"{name} Customer {n} Ltd"},
            )  # fmt: skip
    while contact_push.push_due(hub, worker="bench-setup").sent:
        pass
    return company_id, tenant


def issue(hub: Hub, company_id: int, count: int, prefix: str) -> None:
    """Issue `count` invoices through the platform's entry point, 500 to a transaction."""
    for start in range(0, count, 500):
        with hub.db.write() as session:
            for n in range(start, min(count, start + 500)):
                platform.handle(
                    session, company_id=company_id, event_id=f"{prefix}-{n}", kind="document.issued",
                    data={"document_id": f"{prefix}-{n}", "kind": "sales_invoice", "number": f"{prefix}-{n:05d}",
                          "contact_id": f"CUST-{n % CUSTOMERS}", "issue_date": "2026-11-02", "currency": "GBP",
                          "lines": [LINE]},
                )  # fmt: skip


def analyze(hub: Hub) -> None:
    """PostgreSQL: fresh planner statistics after the bulk issue, as autovacuum keeps them in a running hub. Without
    them the planner takes the brand-new outbox for empty and the claim's anti-join degrades to seconds a call (see
    the closing note of issue 7); SQLite has no such step."""
    if hub.db.dialect == "postgresql":
        with hub.db.write() as session:
            session.execute(text("ANALYZE outbox_entries"))
            session.execute(text("ANALYZE platform_documents"))


def waiting(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(
            select(func.count()).where(
                OutboxEntry.entity_type == "document",
                OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED)),
            )
        ) or 0  # fmt: skip


def drain(hub: Hub, timeout: float) -> float:
    """Push as the sidecar does until nothing waits; the seconds it took."""
    began = time.monotonic()
    while waiting(hub) and time.monotonic() - began < timeout:
        tally = document_push.push_for(hub, worker="bench", seconds=1.8)
        if tally.sent + tally.failed == 0:
            time.sleep(0.2)  # every organisation waits for its budget window
    return time.monotonic() - began


def in_xero(hub: Hub, companies: list[int]) -> int:
    with hub.db.read() as session:
        done = PlatformDocument.xero_id.is_not(None)
        return session.scalar(select(func.count()).where(PlatformDocument.company_id.in_(companies), done)) or 0


def limited(sim: Simulator, hub: Hub, actor: Actor, label: str, orgs: int, total: int) -> list[object]:
    made = [setup_company(sim, hub, actor, f"{label} {k}") for k in range(orgs)]
    companies, tenants = [m[0] for m in made], {m[1] for m in made}
    for k, company_id in enumerate(companies):
        issue(hub, company_id, total // orgs + (1 if k < total % orgs else 0), f"{label[:2].upper()}{k}")
    analyze(hub)
    beside.restart_limits(sim, hub, beside.LIMITS_XERO)
    since = beside.last_seq(sim)
    seconds = drain(hub, timeout=max(600.0, total / BATCH_SIZE / orgs * 3))
    beside.set_limits(sim, beside.LIMITS_OFF)
    calls = [r for r in beside.request_log(sim, since) if r["tenant_id"] in tenants and "/api.xro/" in r["path"]]
    pushed = in_xero(hub, companies)
    per_org = [c.budget_use([r for r in calls if r["tenant_id"] == t], seconds) for t in tenants]
    full = [u["full_windows"] for u in per_org if u["full_windows"] is not None]
    overall = sum(u["overall"] for u in per_org) / len(per_org)
    kinds = Counter(f"{r['method']} {r['path'].rsplit('/', 1)[-1]} {r['status']}" for r in calls)
    print(f"  {label}: calls by kind: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())), flush=True)
    for refused in (r for r in calls if r["status"] == 429):  # what led up to a 429, for finding its cause
        same = [r for r in calls if r["tenant_id"] == refused["tenant_id"] and r["seq"] < refused["seq"]]
        recent = [r for r in same if refused["at_ms"] - r["at_ms"] < 60_000]
        gaps = [f"{(b['at_ms'] - a['at_ms']) / 1000:.1f}" for a, b in pairwise([*same[-4:], refused])]
        print(
            f"    429 at call {len(same) + 1} of its organisation: {len(recent)} calls in the 60 s before it; "
            f"seconds between the last calls: {', '.join(gaps)}; query {refused['query']!r}",
            flush=True,
        )
    return [
        f"{total:,} invoices, {orgs} organisation{'s' if orgs > 1 else ''}",
        f"{pushed:,}",
        f"{seconds:.1f}",
        len(calls),
        f"{len(calls) / max(1, pushed):.4f}",
        sum(1 for r in calls if r["status"] == 429),
        f"{overall:.0%}" if seconds >= 60 else "- (< 1 window)",
        f"{sum(full) / len(full):.0%}" if full else "-",
    ]


def unlimited(sim: Simulator, hub: Hub, actor: Actor, total: int) -> tuple[list[object], str]:
    company_id, _ = setup_company(sim, hub, actor, "Free 0")
    issue(hub, company_id, total, "F")
    analyze(hub)
    profile = cProfile.Profile()
    began = time.monotonic()
    profile.enable()
    drain(hub, timeout=3600)
    profile.disable()
    seconds = time.monotonic() - began
    pushed = in_xero(hub, [company_id])
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"/core/", 18)  # the hub's own functions, by time spent in them
    stats.sort_stats("tottime").print_stats(10)  # and the leaves: where the time finally goes
    summary = "\n".join(line for line in out.getvalue().splitlines() if line.strip())
    # Time blocked reading Xero's (the simulator's) answers; the rest is the hub's own work.
    recv = "<method 'recv' of '_socket.socket' objects>"
    waited = sum(v[2] for k, v in stats.stats.items() if k[2] == recv)  # type: ignore[attr-defined]
    own = max(seconds - waited, 1e-9)
    return [
        f"{total:,} invoices, 1 organisation",
        f"{pushed:,}",
        f"{seconds:.1f}",
        f"{pushed / seconds:.0f}",
        f"{waited:.1f}",
        f"{pushed / own:.0f}",
    ], summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000, help="invoices per limited scenario (N)")
    parser.add_argument("--orgs", type=int, default=20, help="organisations in the spread scenario (K)")
    parser.add_argument("--free", type=int, default=5_000, help="invoices for the limits-off measurement")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made there)")
    args = parser.parse_args()
    print(c.command_line())
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as name:
        folder = Path(name)
        sim = beside.start_simulator(folder / "sandbox")
        try:
            with beside.hub_beside(sim, args.database_url, folder) as setup:
                rows = [
                    limited(sim, setup.hub, setup.actor, "Single", 1, args.documents),
                    limited(sim, setup.hub, setup.actor, "Spread", args.orgs, args.documents),
                ]
                free, profile = unlimited(sim, setup.hub, setup.actor, args.free)
                setup.hub.db.dispose()
        finally:
            sim.stop()
    print("\nDocument push with Xero's limits on (60 calls a minute per organisation, 5 in flight)")
    print(
        c.table(
            [
                "scenario",
                "in Xero",
                "seconds",
                "API calls",
                "calls/doc (floor 0.02)",
                "429s",
                "budget used",
                "full windows",
            ],
            rows,
        )
    )
    print("\nbudget used: calls per elapsed minute / 60, averaged over the organisations; full windows: the same over")
    print("each organisation's complete 60-second windows before its last (the last one only holds the remainder).")
    print("\nLimits off: what the hub itself prepares and pushes")
    print(c.table(["scenario", "in Xero", "seconds", "documents/s", "waiting for Xero, s", "hub-only docs/s"], [free]))
    print("\nWhere the time goes (cProfile, top functions by own time, limits off):")
    print(profile)


if __name__ == "__main__":
    main()
