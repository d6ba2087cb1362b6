"""The chaos run's moving parts: the platform's traffic, the simulator's faults and the sidecars that get killed."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.hub import Hub
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError
from core.settings import PROJECT_ROOT

API = "/api.xro/2.0"
PATHS = [(f"{API}/Contacts", "POST"), (f"{API}/Contacts", "PUT"), (f"{API}/Invoices", "PUT"),
         (f"{API}/Invoices", "POST"), (f"{API}/CreditNotes", "PUT"), (f"{API}/Payments", "PUT"),
         (f"{API}/Invoices", "GET"), (f"{API}/Payments", "GET")]  # fmt: skip
SALES_LINE = {"description": "Sourdough loaves", "quantity": 3, "unit_amount": 12.5, "category": "GOODS",
              "tax_rate": "VAT20", "tax_amount": 7.5}  # fmt: skip
BILL_LINE = {"description": "Flour", "quantity": 2, "unit_amount": 40, "category": "STOCK", "tax_rate": "VAT20",
             "tax_amount": 16}  # fmt: skip


def faults(retry_after: int) -> list[dict[str, Any]]:
    """Every way a call fails: 429 (with its Retry-After), 500, 503, a slow answer, a timeout after the work is done
    (longer than the hub waits) and a reply cut off after the work is done."""
    return [{"kind": "status", "status": 429, "retryAfter": retry_after}, {"kind": "status", "status": 500},
            {"kind": "status", "status": 503}, {"kind": "latency", "seconds": 3}, {"kind": "timeout", "seconds": 25},
            {"kind": "drop"}]  # fmt: skip


def arm(rng: random.Random, retry_after: int) -> dict[str, Any]:
    """One fault switch for the next one or two matching calls."""
    path, method = rng.choice(PATHS)
    return {**rng.choice(faults(retry_after)), "path": path, "method": method, "count": rng.randint(1, 2)}


class Sidecars:
    """Sidecar processes as the launcher starts them (`python -m scheduler`), killed and started again on demand."""

    def __init__(self, env: dict[str, str], count: int, folder: Path) -> None:
        self.env, self.folder = {**env, "PYTHONUNBUFFERED": "1"}, folder
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0

    def start(self, slot: int) -> None:
        log = (self.folder / f"sidecar-{slot}.log").open("ab")
        self.processes[slot] = subprocess.Popen(
            [sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_all(self) -> None:
        for slot in range(len(self.processes)):
            self.start(slot)

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL one at random (no chance to release anything) and start another in its place."""
        slot = rng.randrange(len(self.processes))
        process = self.processes[slot]
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.kills += 1
        self.start(slot)

    def stop_all(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process is not None:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class Platform:
    """One company's platform traffic, and what it sent, so the books can be held against it."""

    def __init__(self, hub: Hub, company_id: int, name: str, rng: random.Random) -> None:
        self.hub, self.company_id, self.name, self.rng = hub, company_id, name, rng
        self.suppliers: dict[str, dict[str, Any]] = {}
        self.customers: list[str] = []
        self.invoices: dict[str, Decimal] = {}  # platform id → amount left to pay
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.refused: Counter[str] = Counter()
        self.n = 0

    def send(self, kind: str, data: dict[str, Any], event_id: str | None = None) -> None:
        self.n += 1
        event_id = event_id or f"{self.name}-{self.n}"
        try:
            with self.hub.db.write() as session:
                platform.handle(session, company_id=self.company_id, event_id=event_id, kind=kind, data=data)
        except PlatformInputError as exc:
            self.refused[f"{kind}: {exc.field}"] += 1
            return
        self.sent.append((event_id, kind, data))

    def one(self) -> None:
        """One event, picked as a platform's traffic would mix them."""
        roll = self.rng.random()
        if self.sent and roll < 0.05:  # the platform sends an event again (same id, same data)
            event_id, kind, data = self.rng.choice(self.sent)
            self.send(kind, data, event_id)
        elif not self.suppliers or roll < 0.20:
            self.new_supplier()
        elif roll < 0.50:
            self.edit_supplier()
        elif roll < 0.65 and self.customers:
            self.issue("sales_invoice", self.rng.choice(self.customers), SALES_LINE)
        elif roll < 0.75:
            self.issue("bill", self.rng.choice(list(self.suppliers)), BILL_LINE)
        elif roll < 0.80 and self.customers:
            self.issue("customer_credit_note", self.rng.choice(self.customers), SALES_LINE)
        elif self.invoices:
            self.pay()

    def new_supplier(self) -> None:
        supplier_id = f"{self.name}-S{len(self.suppliers) + 1}"
        values = {"name": f"{self.name} Supplier {len(self.suppliers) + 1} Ltd",
                  "email": f"a@{supplier_id.lower()}.example",
                  "bank_account": f"20-00-00 {self.rng.randrange(10**7, 10**8)}",
                  "is_customer": self.rng.random() < 0.5}  # fmt: skip
        self.suppliers[supplier_id] = dict(values)
        if values["is_customer"]:
            self.customers.append(supplier_id)
        self.send("supplier.changed", {"supplier_id": supplier_id, **values})

    def edit_supplier(self) -> None:
        """An edit, a third of them to the newest supplier (whose create may still be on its way); some are taken
        back a moment later, some followed at once by another edit."""
        newest = list(self.suppliers)[-1]
        supplier_id = newest if self.rng.random() < 0.33 else self.rng.choice(list(self.suppliers))
        before = dict(self.suppliers[supplier_id])
        field = self.rng.choice(["email", "bank_account", "last_name", "first_name"])
        value = f"N{self.rng.randrange(99)}"
        if field == "email":
            value = f"{self.rng.randrange(10**6)}@{supplier_id.lower()}.example"
        elif field == "bank_account":
            value = f"20-00-00 {self.rng.randrange(10**7, 10**8)}"
        self.suppliers[supplier_id][field] = value
        self.send("supplier.changed", {"supplier_id": supplier_id, field: value})
        follow = self.rng.random()
        if follow < 0.25:  # taken back a moment later, perhaps while the edit is on its way to Xero
            time.sleep(self.rng.uniform(0, 1.5))
            self.suppliers[supplier_id][field] = before.get(field)
            self.send("supplier.changed", {"supplier_id": supplier_id, field: before.get(field)})
        elif follow < 0.40:  # a quick follow-up edit
            self.suppliers[supplier_id]["email"] = f"f{self.rng.randrange(10**6)}@{supplier_id.lower()}.example"
            self.send("supplier.changed", {"supplier_id": supplier_id, "email": self.suppliers[supplier_id]["email"]})

    def issue(self, kind: str, contact: str, line: dict[str, Any]) -> None:
        number = f"{self.name}-{kind[:2].upper()}{self.n + 1:05d}"
        data = {"document_id": number, "kind": kind, "number": number, "contact_id": contact,
                "issue_date": "2026-11-20", "due_date": "2026-12-20", "lines": [line]}  # fmt: skip
        self.send("document.issued", data)
        if kind == "sales_invoice" and self.sent and self.sent[-1][2].get("document_id") == number:
            self.invoices[number] = Decimal("45.00")

    def pay(self) -> None:
        """A payment of the whole amount left or of a third of it (never more than the invoice's total)."""
        number = self.rng.choice(list(self.invoices))
        left = self.invoices[number]
        amount = left if self.rng.random() < 0.5 else (left / 3).quantize(Decimal("0.01"))
        self.invoices[number] = left - amount
        if self.invoices[number] <= 0:
            del self.invoices[number]
        self.send("payment.recorded", {"payment_id": f"{number}-P{self.n + 1}", "document_id": number,
                                       "amount": float(amount), "date": "2026-11-25"})  # fmt: skip
