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
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import _common as c
import httpx
import uvicorn
from push_latency import start_sidecar
from sqlalchemy import select
from starlette.applications import Starlette

from core import clock
from core.contacts import pull as contacts_sync
from core.contacts import webhooks
from core.documents import xero_events
from core.hub import Hub
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument
from core.models.sync import Connection
from core.xero import resources
from core.xero_access import gate
from sandbox import apps
from tests import beside
from tests.sandbox.conftest import REDIRECT, Simulator
from tests.stack import free_port
from web.routes import ROUTES

TOOL = ("bench-finance-tool", "bench-finance-tool-secret")
FINANCE = "finance@bench.example"
CUSTOMERS = 5  # per organisation: the balance check after a read covers the customers whose invoices changed
FAR = str(10**7)  # a poll interval beyond any run


@dataclass(frozen=True)
class Invoice:
    company: int
    tenant: str
    document_id: int
    xero_id: str
    total: Decimal


@dataclass
class Phase:
    name: str
    paid_at: dict[int, float] = field(default_factory=dict)
    seen_at: dict[int, float] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    fired_seconds: float = 0.0
    refused: int = 0


def serve_webhook_route(env: dict[str, str]) -> str:
    """The hub's own routes (web/routes.py) served by uvicorn in a thread, reading the hub from the environment."""
    os.environ.update(env)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=ROUTES), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the webhook endpoint did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/webhooks/xero"


def hub_app(sim: Simulator, hub: Hub, url: str | None) -> None:
    """Point the hub's app in the simulator at the hub's webhook route (or at nothing: webhooks off)."""
    app = {**apps.from_env()[0].to_json(), "webhook_url": url, "webhook_key": hub.settings.xero_webhook_key.value}
    sim.control("POST", "/apps", **app)


def finance_tool(sim: Simulator, tenants: list[str]) -> httpx.Client:
    """The finance tool's API client, consented to every organisation by their finance user."""
    code = sim.consent(FINANCE, tenants, client_id=TOOL[0])
    answer = sim.token(auth=TOOL, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    answer.raise_for_status()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}", "Accept": "application/json"}
    return httpx.Client(base_url=f"{sim.url}/api.xro/2.0", headers=headers, timeout=60)


def invoices_in_xero(hub: Hub, company: int, tenant: str, count: int) -> list[Invoice]:
    """`count` approved sales invoices in Xero over a few customers, and their platform twins as the push leaves
    them (created here in batches of 50, Xero's limits off, to keep the setup short)."""
    with hub.db.read() as session:
        connection_id = session.scalar(select(Connection.id).where(Connection.company_id == company))
    assert connection_id is not None
    made: list[dict[str, Any]] = []
    with gate.organisation(hub, connection_id, worker="bench-setup", max_wait_seconds=90) as xero:
        for start in range(0, count, resources.BATCH_SIZE):
            batch = [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": f"Bench Customer {company}-{n % CUSTOMERS}"},
                    "Date": "2026-11-20",
                    "DueDate": "2026-12-04",
                    "Status": "AUTHORISED",
                    "LineAmountTypes": "Exclusive",
                    "LineItems": [
                        {"Description": "Catering", "Quantity": 1, "UnitAmount": 10 + n, "AccountCode": "200"}
                    ],
                }
                for n in range(start, min(count, start + resources.BATCH_SIZE))
            ]
            results = xero.write(resources.INVOICES, batch, idempotency_key=f"bench-{company}-{start}")
            assert all(r.ok for r in results), [r.messages for r in results if not r.ok][:3]
            made += [r.element for r in results]
    now, out = clock.now(), []
    with hub.db.write() as session:
        contacts: dict[str, PlatformContact] = {}
        for element in made:
            name, xero_contact = element["Contact"]["Name"], element["Contact"]["ContactID"]
            if name not in contacts:
                contacts[name] = PlatformContact(
                    company_id=company, platform_id=f"BC-{xero_contact}", origin="platform", name=name,
                    is_customer=True, version=1, created_at=now, changed_at=now, phones=[], addresses=[], groups=[],
                    xero_contact_id=xero_contact,
                )  # fmt: skip
                session.add(contacts[name])
                session.flush()
            total = Decimal(str(element["Total"]))
            document = PlatformDocument(
                company_id=company, platform_id=element["InvoiceID"], kind=DocumentKind.SALES_INVOICE,
                number=element["InvoiceNumber"], contact_id=contacts[name].id, issue_date=date(2026, 11, 20),
                currency="GBP", lines=[], total=total, xero_id=element["InvoiceID"], xero_status="AUTHORISED",
                amount_due=total, amount_paid=Decimal(0), pushed_at=now, created_at=now, changed_at=now,
            )  # fmt: skip
            session.add(document)
            session.flush()
            out.append(Invoice(company, tenant, document.id, element["InvoiceID"], total))
    return out


def drain_inbox(sim: Simulator, hub: Hub) -> None:
    """Setup's own events (contacts and invoices created) delivered and acted on before the clock starts."""
    while control_deliver(sim):
        pass
    webhooks.process(hub)
    while contacts_sync.run_once(hub, worker="bench-setup") != "nothing to pull":
        pass
    while not xero_events.process(hub).startswith("no document events"):
        pass


def control_deliver(sim: Simulator) -> int:
    return int(sim.control("POST", "/webhooks/deliver")["delivered"])


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
