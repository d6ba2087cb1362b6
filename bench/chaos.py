"""Chaos run (issue 15): platform events across two connected organisations while the simulator misbehaves and
sidecars are killed, then a drain, then the hub's books held against Xero's.

    .venv/bin/python bench/chaos.py [--events 400] [--seconds 120] [--sidecars 1] [--seed 7] [--database-url URL]

Events (through the platform's entry point, about 5% sent twice with the same event id): new suppliers (some also
customers), supplier edits, take-backs of an edit a moment later, quick follow-up edits, sales invoices, bills,
credit notes, payments. Faults (the simulator's switches, one every few seconds): 429, 500 and 503 answers, slow
answers, timeouts after the work is done and replies cut off after the work is done. Sidecars (`python -m
scheduler`, as the launcher starts them) are killed with SIGKILL every 15-20 s and started again. Then the faults
stop and the sidecars drain what waits; the table says what differs between the hub and Xero.

Starts its own simulator and a fresh database (SQLite in a temporary folder by default; with --database-url
postgresql+psycopg://…/postgres, a throwaway database on that server), and removes them at the end.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
import chaos_books as books

from core import clock
from core.hub import Hub
from core.models.sync import OutboxEntry, OutboxState
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError

ROOT = Path(__file__).resolve().parent.parent
API = "/api.xro/2.0"
PATHS = [(f"{API}/Contacts", "POST"), (f"{API}/Invoices", "PUT"), (f"{API}/Invoices", "POST"),
         (f"{API}/CreditNotes", "PUT"), (f"{API}/Payments", "PUT"), (f"{API}/Invoices", "GET")]  # fmt: skip
FAULTS = [{"kind": "status", "status": 429}, {"kind": "status", "status": 500}, {"kind": "status", "status": 503},
          {"kind": "latency", "seconds": 3}, {"kind": "timeout", "seconds": 25}, {"kind": "drop"}]  # fmt: skip
SALES_LINE = {"description": "Sourdough loaves", "quantity": 3, "unit_amount": 12.5, "category": "GOODS",
              "tax_rate": "VAT20", "tax_amount": 7.5}  # fmt: skip
BILL_LINE = {"description": "Flour", "quantity": 2, "unit_amount": 40, "category": "STOCK", "tax_rate": "VAT20",
             "tax_amount": 16}  # fmt: skip


class Sidecars:
    """Sidecar processes as the launcher starts them, killed and started again on demand."""

    def __init__(self, env: dict[str, str], count: int, folder: Path) -> None:
        self.env, self.folder = env, folder
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0

    def start(self, slot: int) -> None:
        log = (self.folder / f"sidecar-{slot}.log").open("ab")
        self.processes[slot] = subprocess.Popen(
            [sys.executable, "-m", "scheduler"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_all(self) -> None:
        for slot in range(len(self.processes)):
            self.start(slot)

    def kill_one(self, rng: random.Random) -> None:
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


class Platform:
    """The platform's side of the run: what it sent, so the books can be held against it."""

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
        supplier_id = self.rng.choice(list(self.suppliers))
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
        number = self.rng.choice(list(self.invoices))
        left = self.invoices[number]
        amount = left if self.rng.random() < 0.5 else (left / 3).quantize(Decimal("0.01"))
        self.invoices[number] = left - amount
        if self.invoices[number] <= 0:
            del self.invoices[number]
        self.send("payment.recorded", {"payment_id": f"{number}-P{self.n + 1}", "document_id": number,
                                       "amount": float(amount), "date": "2026-11-25"})  # fmt: skip


def waiting(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(
            select(func.count()).where(OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED)))
        ) or 0  # fmt: skip


def progress(hub: Hub) -> str:
    """What still waits, by kind and state, and how far off the last of it is due."""
    with hub.db.read() as session:
        rows = session.execute(
            select(OutboxEntry.entity_type, OutboxEntry.state, func.count(), func.max(OutboxEntry.not_before),
                   func.max(OutboxEntry.failures))
            .where(OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.LEASED)))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=120, help="how long the events and faults go on")
    parser.add_argument("--sidecars", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drain", type=float, default=300, help="the longest wait for the drain, in seconds")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(c.command_line(), flush=True)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="hub-chaos-") as tmp:
        folder = Path(tmp)
        sim = c.start_simulator(folder / "sandbox")
        try:
            with c.hub_beside(sim, args.database_url, folder) as setup:
                made = [c.ready_company(sim, setup.hub, setup.actor, name, 10) for name in ("North", "South")]
                sides = [
                    Platform(setup.hub, company_id, name, rng)
                    for (company_id, _, _), name in zip(made, ("N", "S"), strict=True)
                ]
                c.set_limits(sim, c.LIMITS_XERO)
                fleet = Sidecars({**setup.env, "PYTHONUNBUFFERED": "1"}, args.sidecars, folder)
                fleet.start_all()
                began = time.monotonic()
                next_fault, next_kill, sent = began, began + rng.uniform(15, 20), 0
                while sent < args.events and time.monotonic() - began < args.seconds * 2:
                    rng.choice(sides).one()
                    sent += 1
                    now = time.monotonic()
                    if now >= next_fault:
                        path, method = rng.choice(PATHS)
                        armed = {**rng.choice(FAULTS), "path": path, "method": method, "count": rng.randint(1, 2)}
                        httpx.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()
                        next_fault = now + rng.uniform(2, 5)
                    if now >= next_kill:
                        fleet.kill_one(rng)
                        next_kill = now + rng.uniform(15, 20)
                    time.sleep(max(0.0, args.seconds / args.events - (time.monotonic() - now)))
                events_took = time.monotonic() - began
                httpx.delete(f"{sim.url}/_sandbox/faults")
                drained = time.monotonic()
                while waiting(setup.hub) and time.monotonic() - drained < args.drain:
                    time.sleep(1)
                    if int(time.monotonic() - drained) % 10 == 0:
                        print(f"  drain {time.monotonic() - drained:5.0f} s: {progress(setup.hub)}", flush=True)
                drain_took = time.monotonic() - drained
                left = waiting(setup.hub)
                fleet.stop_all()
                c.set_limits(sim, c.LIMITS_OFF)
                rows = [books.compare(setup.hub, sim, company_id, tenant, email, side)
                        for (company_id, tenant, email), side in zip(made, sides, strict=True)]  # fmt: skip
        finally:
            sim.stop()
    print(f"\n{sent} events in {events_took:.0f} s, {fleet.kills} sidecar kills ({args.sidecars} running), "
          f"drained in {drain_took:.0f} s ({left} still waiting)\n")  # fmt: skip
    print(books.table(rows))
    for side in sides:
        for what, n in side.refused.items():
            print(f"refused at the entry point ({side.name}): {what}: {n}")


if __name__ == "__main__":
    main()
