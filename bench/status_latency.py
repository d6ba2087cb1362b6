"""Document status latency: a payment recorded in Xero -> the document shows as PAID in the hub.

P payments (each paying one invoice in full) across K organisations, recorded through the simulator's Accounting API
by a finance tool of its own (another app, so its calls do not count against the hub's budget, as a payment entered
in Xero or by another tool does not), at a steady rate, with Xero's real limits on (60 a minute, 5 in flight, 5,000
a day). Two paths, one after the other in the same run, each on invoices of its own:

  webhooks   the simulator sends its signed INVOICE events to the hub's real /webhooks/xero route (served here) and
             the real sidecar (`python -m scheduler`) reads them; its status poll is set far beyond the run.
  poll only  no webhook; the sidecar's status poll every --poll-seconds (default 300, what the hub polled at before
             the webhook carried status; companies' polls start spread over the interval).

A document counts as back when the hub's database holds Xero's status PAID for it (looked at every 0.2 s).

    .venv/bin/python bench/status_latency.py [--payments 500] [--orgs 10] [--rate 2] [--poll-seconds 300]
        [--webhook-interval 1.0] [--database-url URL]

Starts its own simulator, fresh database (SQLite in a temporary folder; with --database-url postgresql+psycopg://…
a throwaway database on that server), webhook endpoint and sidecar, and removes them at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import _common as c
from push_latency import start_sidecar
from sqlalchemy import select
from status_setup import (
    FINANCE,
    TOOL,
    Invoice,
    drain_inbox,
    finance_tool,
    hub_app,
    invoices_in_xero,
    serve_webhook_route,
)

from core import clock
from core.hub import Hub
from core.models.platform import PlatformDocument
from core.models.sync import Connection
from tests import beside
from tests.sandbox.conftest import REDIRECT, Simulator
from tests.stack import free_port

FAR = str(10**7)  # a poll interval beyond any run


@dataclass
class Phase:
    name: str
    paid_at: dict[int, float] = field(default_factory=dict)
    seen_at: dict[int, float] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    fired_seconds: float = 0.0
    refused: int = 0


def watch(hub: Hub, phase: Phase, ids: set[int], stop: threading.Event) -> None:
    """Note when each document first shows as PAID in the hub's database."""
    while not stop.is_set() and len(phase.seen_at) < len(ids):
        waiting = list(ids - set(phase.seen_at))
        with hub.db.read() as session:
            paid = session.scalars(
                select(PlatformDocument.id).where(
                    PlatformDocument.id.in_(waiting), PlatformDocument.xero_status == "PAID"
                )
            ).all()
        now = time.time()
        for document_id in paid:
            phase.seen_at.setdefault(document_id, now)
        time.sleep(0.2)


def run_phase(
    name: str, sim: Simulator, setup: beside.Setup, invoices: list[Invoice], args: argparse.Namespace, folder: Path
) -> Phase:
    hub, phase = setup.hub, Phase(name)
    webhook = name == "webhooks"
    poll_seconds = FAR if webhook else str(args.poll_seconds)
    with hub.db.write() as session:  # the polls' clocks: none due during the webhook path, spread for the poll's
        for connection in session.scalars(select(Connection)):
            spread = 0 if webhook else random.uniform(0, args.poll_seconds)
            connection.documents_polled_at = clock.now() - timedelta(seconds=spread)
    beside.restart_limits(sim, hub, beside.LIMITS_XERO)
    since = beside.last_seq(sim)
    env = {**setup.env, "HUB_DOCUMENTS_POLL_SECONDS": poll_seconds}
    sidecar = start_sidecar(env, folder / f"sidecar-{name.replace(' ', '-')}.log")
    tool = finance_tool(sim, sorted({i.tenant for i in invoices}))
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(hub, phase, {i.document_id for i in invoices}, stop), daemon=True)
    watcher.start()
    try:
        began = time.time()
        for n, invoice in enumerate(invoices):
            time.sleep(max(0.0, began + n / args.rate - time.time()))
            payment = {"Invoice": {"InvoiceID": invoice.xero_id}, "Account": {"Code": "090"}, "Date": "2026-11-21"}
            answer = tool.put(
                "/Payments",
                json={"Payments": [{**payment, "Amount": float(invoice.total)}]},
                headers={"xero-tenant-id": invoice.tenant},
            )
            if answer.status_code == 200:
                phase.paid_at[invoice.document_id] = time.time()
            else:
                phase.refused += 1
        phase.fired_seconds = time.time() - began
        deadline = time.time() + (args.settle if webhook else args.poll_seconds + args.settle)
        while len(phase.seen_at) < len(phase.paid_at) and time.time() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        watcher.join(timeout=10)
        sidecar.terminate()
        sidecar.wait(timeout=60)
        tool.close()
    tenants = {i.tenant for i in invoices}
    phase.calls = [r for r in beside.request_log(sim, since) if r["tenant_id"] in tenants and "/api.xro/" in r["path"]]
    return phase


def figures(phase: Phase) -> dict[str, str]:
    latencies = [phase.seen_at[d] - t for d, t in phase.paid_at.items() if d in phase.seen_at]
    hub_calls = [r for r in phase.calls if not (r["method"] in ("PUT", "POST") and r["path"].endswith("/Payments"))]
    status_calls = [r for r in hub_calls if r["path"].endswith(("/Invoices", "/CreditNotes"))]
    back = len(latencies)
    return {
        "payments recorded in Xero (achieved rate)": (
            f"{len(phase.paid_at):,} in {phase.fired_seconds:.0f} s "
            f"({len(phase.paid_at) / max(phase.fired_seconds, 1e-9):.2f}/s)"
        ),
        "shown as PAID in the hub": f"{back:,} of {len(phase.paid_at):,}",
        "latency p50, s": f"{c.percentile(latencies, 50):.2f}" if latencies else "-",
        "latency p95, s (goal < 5 with webhooks)": f"{c.percentile(latencies, 95):.2f}" if latencies else "-",
        "latency max, s": f"{max(latencies):.2f}" if latencies else "-",
        "429 answers, hub and finance tool (must be 0)": str(sum(1 for r in phase.calls if r["status"] == 429)),
        "payments refused": str(phase.refused),
        "hub's Accounting API calls": f"{len(hub_calls):,} ({len(status_calls):,} to Invoices/CreditNotes)",
        "hub's API calls per status change": f"{len(hub_calls) / max(1, back):.3f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=500, help="payments per path (P)")
    parser.add_argument("--orgs", type=int, default=10, help="organisations and connected companies (K)")
    parser.add_argument("--rate", type=float, default=2.0, help="payments a second, all organisations together")
    parser.add_argument("--poll-seconds", type=int, default=300, help="the status poll's interval, poll-only path")
    parser.add_argument(
        "--webhook-interval", type=float, default=1.0, help="seconds between the simulator's deliveries"
    )
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made there)")
    parser.add_argument("--settle", type=float, default=60.0, help="seconds to wait for the last payments")
    args = parser.parse_args()
    print(c.command_line())
    print(
        f"P = {args.payments:,} payments per path across K = {args.orgs} organisations at {args.rate:g}/s; "
        f"webhooks delivered every {args.webhook_interval:g} s; poll-only path polls every {args.poll_seconds} s"
    )
    results: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="bench-status-") as name:
        folder = Path(name)
        sim = Simulator(f"http://127.0.0.1:{free_port()}", folder / "sandbox", webhook_interval=args.webhook_interval)
        sim.start()
        try:
            with beside.hub_beside(sim, args.database_url, folder) as setup:
                hub, actor = setup.hub, setup.actor
                url = serve_webhook_route(setup.env)
                sim.control("POST", "/apps", client_id=TOOL[0], client_secret=TOOL[1], name="Bench finance tool",
                            redirect_uris=[REDIRECT])  # fmt: skip
                orgs: list[tuple[int, str]] = []
                for k in range(args.orgs):
                    email = f"status-{k}@bench.example"
                    tenant = beside.new_org(sim, f"Status {k} Ltd", 0, [email, FINANCE])
                    company = beside.add_company(hub, actor, f"Status {k} Ltd")
                    beside.connect(hub, actor, company, tenant, email)
                    orgs.append((company, tenant))
                hub_app(sim, hub, url)  # the setup's own events go to the hub too, and are acted on before the clock
                per_org = -(-args.payments // args.orgs)
                made = {
                    k: invoices_in_xero(hub, company, tenant, 2 * per_org) for k, (company, tenant) in enumerate(orgs)
                }
                drain_inbox(sim, hub)
                paths = {
                    "webhooks": [made[n % args.orgs][n // args.orgs] for n in range(args.payments)],
                    "poll only": [made[n % args.orgs][per_org + n // args.orgs] for n in range(args.payments)],
                }
                print(f"  setup: {args.orgs} companies connected, {2 * per_org * args.orgs:,} invoices in Xero\n")
                for path, invoices in paths.items():
                    hub_app(sim, hub, url if path == "webhooks" else None)
                    results.append(run_phase(path, sim, setup, invoices, args, folder))
                    print(f"  {path}: done", flush=True)
                hub.db.dispose()
        finally:
            sim.stop()
    rows = [figures(p) for p in results]
    print("\nPayment recorded in Xero -> PAID in the hub, Xero's limits on")
    print(c.table(["", *(p.name for p in results)], [[label, *(r[label] for r in rows)] for label in rows[0]]))
    print(f"\n{os.cpu_count()} CPU cores on this machine, shared with whatever else runs on it.")


if __name__ == "__main__":
    main()
