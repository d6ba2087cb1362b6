"""The status latency benchmark's setup (bench/status_latency.py): organisations connected with invoices already in
Xero and their platform twins, the hub's webhook route served here, and the finance tool whose payments are timed."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
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
from tests.sandbox.conftest import REDIRECT, Simulator
from tests.stack import free_port
from web.routes import ROUTES

TOOL = ("bench-finance-tool", "bench-finance-tool-secret")
FINANCE = "finance@bench.example"
CUSTOMERS = 5  # per organisation: the balance check after a read covers the customers whose invoices changed


@dataclass(frozen=True)
class Invoice:
    company: int
    tenant: str
    document_id: int
    xero_id: str
    total: Decimal


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
