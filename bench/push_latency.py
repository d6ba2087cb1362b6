"""Supplier push latency, edit to visible in the simulator (issue 6, Performance).

M supplier edits (one per linked supplier) across K organisations, fired through platform.handle at a steady
rate, while the real sidecar (`python -m scheduler`, its push job every 2 s) sends them, with Xero's real limits
on in the simulator (60 a minute, 5 in flight, 5,000 a day). An edit is visible when the simulator records the
contact's update: the webhook event Xero would send carries that moment (eventDateUtc, to the millisecond); a
small HTTP endpoint here receives them. At the end every edited value is read back through the API.

    .venv/bin/python bench/push_latency.py [--edits 1000] [--orgs 10] [--rate 10] [--database-url URL]

Starts its own simulator process, its own fresh database (SQLite in a temporary folder by default; with
--database-url postgresql+psycopg://…/postgres, a throwaway database on that server) and its own sidecar, and
removes them at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

from core.contacts import pull as contacts_sync
from core.contacts import push as contact_push
from core.hub import Hub
from core.models.platform import PlatformContact
from core.models.sync import Connection
from core.platform_api import events as platform
from core.xero_access import gate
from tests import beside
from tests.stack import free_port


class Sink(ThreadingHTTPServer):
    """The app's webhook endpoint: keeps the first UPDATE event time (epoch seconds) per contact id."""

    def __init__(self) -> None:
        self.updates: dict[str, float] = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", free_port()), _Receive)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/webhooks/xero"
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Receive(BaseHTTPRequestHandler):
    server: Sink

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with self.server.lock:
            for event in body.get("events", []):
                if event.get("eventType") == "UPDATE":
                    moment = datetime.fromisoformat(event["eventDateUtc"]).replace(tzinfo=UTC).timestamp()
                    self.server.updates.setdefault(event["resourceId"], moment)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def drain(hub: Hub) -> None:
    """Setup, in this process: finish the initial imports, then send every queued supplier create."""
    while contacts_sync.run_once(hub, worker="bench-setup") != "nothing to pull":
        pass
    while (tally := contact_push.push_due(hub, worker="bench-setup", limit=500)).sent or tally.waiting:
        pass


def start_sidecar(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The real sidecar against the same database; returns once it has started its jobs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--log-level", "INFO"],
        cwd=c.ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 60
    while "started with jobs" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the sidecar did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return process


def read_back(hub: Hub, targets: dict[int, tuple[int, str, str]]) -> int:
    """How many edited suppliers hold their new email in Xero, read through the API (50 ids a call)."""
    wanted: dict[int, dict[str, str]] = {}
    for company, xero_id, email in targets.values():
        wanted.setdefault(company, {})[xero_id] = email
    matching = 0
    for company, emails in wanted.items():
        with hub.db.read() as session:
            connection_id = session.scalar(select(Connection.id).where(Connection.company_id == company))
        assert connection_id is not None
        ids = list(emails)
        with gate.organisation(hub, connection_id, worker="bench-check", max_wait_seconds=90) as xero:
            for start in range(0, len(ids), 50):
                found = xero.request("GET", "/Contacts", params={"IDs": ",".join(ids[start : start + 50])})
                matching += sum(1 for x in found["Contacts"] if x.get("EmailAddress") == emails[x["ContactID"]])
    return matching


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=1000, help="supplier edits (M), one per supplier")
    parser.add_argument("--orgs", type=int, default=10, help="organisations and connected companies (K)")
    parser.add_argument("--rate", type=float, default=10.0, help="edits a second, all organisations together")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made there)")
    parser.add_argument("--settle", type=float, default=120.0, help="seconds to wait for the last edits")
    args = parser.parse_args()
    print(c.command_line())
    print(f"M = {args.edits:,} edits across K = {args.orgs} organisations at {args.rate:g} edits/s")

    sink = Sink()
    with tempfile.TemporaryDirectory(prefix="bench-push-") as name:
        folder = Path(name)
        sim = beside.start_simulator(folder / "sandbox", SANDBOX_WEBHOOK_URL=sink.url)
        sidecar = None
        try:
            with beside.hub_beside(sim, args.database_url, folder) as setup:  # the measurement runs at Xero's limits
                env, hub, actor = setup.env, setup.hub, setup.actor
                companies, tenants = [], []
                for k in range(args.orgs):
                    email = f"push-{k}@bench.example"
                    tenants.append(beside.new_org(sim, f"Push {k} Ltd", 20, [email]))
                    companies.append(beside.add_company(hub, actor, f"Push {k} Ltd"))
                    beside.connect(hub, actor, companies[-1], tenants[-1], email)
                for i in range(args.edits):
                    with hub.db.write() as session:
                        platform.handle(
                            session,
                            company_id=companies[i % args.orgs],
                            event_id=f"create-{i}",
                            kind="supplier.changed",
                            data={"supplier_id": f"SUP-{i:05d}", "name": f"Bench Supplier {i} Ltd"},
                        )
                drain(hub)
                with hub.db.read() as session:
                    linked = {
                        p.platform_id: p.xero_contact_id
                        for p in session.scalars(
                            select(PlatformContact).where(PlatformContact.platform_id.like("SUP-%"))
                        )
                    }
                assert all(linked.values()) and len(linked) == args.edits, "setup: not every supplier reached Xero"
                print(f"  setup: {args.orgs} companies connected, {args.edits:,} suppliers linked in Xero")

                beside.set_limits(sim, beside.LIMITS_XERO)
                since = beside.last_seq(sim)
                sidecar = start_sidecar(env, folder / "sidecar.log")
                edited: dict[int, float] = {}
                targets: dict[int, tuple[int, str, str]] = {}
                began = time.time()
                for i in range(args.edits):
                    time.sleep(max(0.0, began + i / args.rate - time.time()))
                    company, email = companies[i % args.orgs], f"edited-{i}@supplier.example"
                    targets[i] = (company, str(linked[f"SUP-{i:05d}"]), email)
                    edited[i] = time.time()
                    with hub.db.write() as session:
                        platform.handle(
                            session,
                            company_id=company,
                            event_id=f"edit-{i}",
                            kind="supplier.changed",
                            data={"supplier_id": f"SUP-{i:05d}", "email": email},
                        )
                fired = time.time() - began
                deadline = time.time() + args.settle
                while len(sink.updates) < args.edits and time.time() < deadline:
                    time.sleep(0.2)
                sidecar.terminate()
                sidecar.wait(timeout=30)
                calls = [
                    r
                    for r in beside.request_log(sim, since)
                    if r["tenant_id"] in tenants and r["path"].startswith("/api.xro/")
                ]
                holding = read_back(hub, targets)
                hub.db.dispose()
        finally:
            if sidecar is not None and sidecar.poll() is None:
                sidecar.kill()
            sim.stop()
            sink.shutdown()

    seen = {i: sink.updates[x] - edited[i] for i, (_, x, _) in targets.items() if x in sink.updates}
    latencies = list(seen.values())
    writes = [r for r in calls if r["method"] in ("POST", "PUT") and r["path"].endswith("/Contacts")]
    print("\nSupplier push with Xero's limits on: platform event -> value stored in the simulator")
    print(
        c.table(
            ["", "figure"],
            [
                ["edits fired (achieved rate)", f"{args.edits:,} in {fired:.1f} s ({args.edits / fired:.1f}/s)"],
                ["edits visible in the simulator", f"{len(seen):,} of {args.edits:,}"],
                ["values read back through the API", f"{holding:,} of {args.edits:,} match"],
                ["latency p50, s", f"{c.percentile(latencies, 50):.2f}" if latencies else "-"],
                ["latency p95, s (target < 60, aim < 5)", f"{c.percentile(latencies, 95):.2f}" if latencies else "-"],
                ["latency max, s", f"{max(latencies):.2f}" if latencies else "-"],
                ["429 answers (must be 0)", sum(1 for r in calls if r["status"] == 429)],
                ["Accounting API calls", f"{len(calls)} ({len(writes)} contact writes)"],
                ["API calls per pushed edit", f"{len(calls) / max(1, len(seen)):.3f}"],
                ["edits per contact write", f"{len(seen) / max(1, len(writes)):.1f}"],
            ],
        )
    )


if __name__ == "__main__":
    main()
