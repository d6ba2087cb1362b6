"""A fleet of organisations: what the sidecar costs while N connected organisations have nothing to sync.

For each N in --sizes: a fresh simulator with N organisations (--contacts each) and a fresh hub database with N
companies, connected through real consents as the Xero connections page connects them (a bookkeeper's one grant holds
--orgs-per-bookkeeper organisations, as one Xero user linking several companies does), initial imports and reference
data read. Then one real sidecar (`python -m scheduler`, as the launcher starts it) runs; once its first pass over every
job is done (every company's first status poll, then --warmup-seconds) the idle window of --idle-seconds is measured:

    sidecar CPU        user + system seconds of the sidecar process, from /proc/<pid>/stat
    statements         every statement (and transaction) the sidecar sent to the database, counted inside it by a
                       SQLAlchemy before_cursor_execute listener (HUB_STATEMENT_COUNTS_FILE), by job: exact, per
                       process and the same on SQLite and PostgreSQL, where pg_stat_database would count every
                       client's transactions and pg_stat_statements needs a server restart to load
    Xero calls         the simulator's request log over the window (identity and Accounting API)

each per minute and per minute per connected organisation, side by side for every N.

    .venv/bin/python bench/fleet.py [--sizes 10,100,1000] [--idle-seconds 300] [--database-url URL]

Starts its own simulators, databases (SQLite in a temporary folder by default; with --database-url
postgresql+psycopg://…/postgres, a throwaway database on that server) and sidecars, and removes them at the end.
Idle is the first phase; steady load, the app-wide limit, scale-out and a busy organisation follow on the same fleet
(bench/fleet_phases.py, measured as bench/fleet_load.py says).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c
import fleet_phases as phases
from fleet_sidecars import cpu_seconds
from sqlalchemy import func, select

from core.contacts import pull as contacts_sync
from core.hub import Hub
from core.mappings import catalog as platform_catalog
from core.mappings import refresh as reference
from core.models.base import Company
from core.models.sync import Connection, ConnectionState
from core.text import plural
from tests import beside
from tests.sandbox.conftest import Simulator


@dataclass
class Fleet:
    """N connected organisations beside a simulator, ready for a phase."""

    size: int
    sim: Simulator
    hub: Hub
    env: dict[str, str]
    folder: Path
    setup_seconds: float = 0.0
    companies: list[int] = field(default_factory=list)


@dataclass
class Figures:
    size: int
    seconds: float
    cpu: float
    statements: Counter[str] = field(default_factory=Counter)
    transactions: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    setup_seconds: float = 0.0
    rss_kib: int = 0

    def per_minute(self, value: float) -> float:
        return value / (self.seconds / 60)


def build(size: int, args: argparse.Namespace, folder: Path, sim: Simulator, setup: beside.Setup) -> Fleet:
    """N organisations and companies, connected and imported, with the bench process doing the setup work."""
    began = time.monotonic()
    env = {**setup.env, "XERO_CONNECTION_CAP": str(size + 10)}
    hub = beside.open_hub(env)
    groups = [list(range(start, min(size, start + args.orgs_per_bookkeeper)))
              for start in range(0, size, args.orgs_per_bookkeeper)]  # fmt: skip

    made: list[int] = []

    def one_bookkeeper(group: list[int]) -> None:  # one Xero user's consents go one after another (one grant)
        email = f"bookkeeper-{group[0]}@fleet.example"
        for k in group:
            name = f"Fleet {k:04d} Ltd"
            tenant = beside.new_org(sim, name, args.contacts, [email], seed_no=k + 1)
            company_id = beside.add_company(hub, setup.actor, name)
            with hub.db.write() as session:  # the platform's categories and tax rates, for the bills of a load
                company = session.get(Company, company_id)
                assert company is not None
                platform_catalog.seed(session, company)
            beside.connect(hub, setup.actor, company_id, tenant, email)
            made.append(company_id)

    _parallel(args.workers, one_bookkeeper, groups)
    who = plural(len(groups), "bookkeeper", "bookkeepers")
    print(f"  {size} organisations connected ({who}) in {time.monotonic() - began:.0f} s", flush=True)
    _parallel(args.workers, lambda i: _drain(hub, f"fleet-setup-{i}"), list(range(args.workers)))
    took = time.monotonic() - began
    print(f"  initial imports and reference data done in {took:.0f} s", flush=True)
    return Fleet(size, sim, hub, env, folder, took, sorted(made))


def _parallel(workers: int, work: Any, items: list[Any]) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(work, items):
            pass


def _drain(hub: Hub, worker: str) -> None:
    while contacts_sync.run_once(hub, worker=worker) != "nothing to pull":
        pass
    while reference.run_once(hub, worker=worker) != "nothing to refresh":
        pass


def start_sidecar(env: dict[str, str], folder: Path, counts: Path) -> subprocess.Popen[bytes]:
    log = folder / "sidecar.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--log-level", "WARNING"],
        cwd=c.ROOT,
        env={**os.environ, **env, "HUB_STATEMENT_COUNTS_FILE": str(counts), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 60
    while not counts.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the sidecar did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    return process


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def read_counts(path: Path) -> Counter[str]:
    """The sidecar's statement counts as last written (once a second): "job statements" / "job transactions"."""
    for _ in range(20):
        try:
            return Counter(json.loads(path.read_text())["counts"])
        except (OSError, ValueError):
            time.sleep(0.05)
    raise RuntimeError(f"cannot read {path}")


def kind_of_call(row: dict[str, Any]) -> str:
    path = str(row["path"])
    if path.startswith("/api.xro/2.0/"):
        return f"{row['method']} {path.removeprefix('/api.xro/2.0/').split('/')[0]}"
    return f"{row['method']} {path}"


def idle(fleet: Fleet, args: argparse.Namespace) -> Figures:
    """Nothing to sync: the sidecar's cost over the idle window, after its first pass."""
    counts_file = fleet.folder / "statements.json"
    sidecar = start_sidecar(fleet.env, fleet.folder, counts_file)
    try:
        first_pass = select(func.count()).where(Connection.state == ConnectionState.CONNECTED,
                                                Connection.documents_polled_at.is_(None))  # fmt: skip
        while _scalar(fleet.hub, first_pass):  # every company's first status poll (50 a turn) is not idle work
            time.sleep(1)
        time.sleep(args.warmup_seconds)
        since, cpu0, counts0 = beside.last_seq(fleet.sim), cpu_seconds(sidecar.pid), read_counts(counts_file)
        began = time.monotonic()
        time.sleep(args.idle_seconds)
        counts1, cpu1 = read_counts(counts_file), cpu_seconds(sidecar.pid)
        seconds = time.monotonic() - began
        calls = beside.request_log(fleet.sim, since)
        rss = rss_kib(sidecar.pid)
    finally:
        sidecar.terminate()
        sidecar.wait(timeout=30)
    counts1.subtract(counts0)
    statements = Counter({k.removesuffix(" statements"): v for k, v in counts1.items() if k.endswith(" statements")})
    transactions = sum(v for k, v in counts1.items() if k.endswith(" transactions"))
    return Figures(fleet.size, seconds, cpu1 - cpu0, +statements, transactions,
                   Counter(kind_of_call(r) for r in calls), fleet.setup_seconds, rss)  # fmt: skip


def _scalar(hub: Hub, query: Any) -> int:
    with hub.db.read() as session:
        return int(session.scalar(query) or 0)


def measure(size: int, args: argparse.Namespace) -> tuple[Figures, phases.Phases]:
    print(f"N = {size}:", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as name:
        folder = Path(name)
        sim = beside.start_simulator(folder / "sandbox", SANDBOX_CONNECTION_CAP="0")
        try:
            with beside.hub_beside(sim, args.database_url, folder) as setup:
                fleet = build(size, args, folder, sim, setup)
                figures = idle(fleet, args)
                print(f"  idle {figures.seconds:.0f} s: {figures.cpu:.2f} CPU s, {figures.statements.total()} "
                      f"statements, {figures.calls.total()} Xero calls", flush=True)  # fmt: skip
                loaded = phases.run(fleet, args)
                fleet.hub.db.dispose()
                setup.hub.db.dispose()
        finally:
            sim.stop()
    return figures, loaded


# The scheduled polls of every organisation (status every 10 minutes, contacts, reference data, the connection
# check): their cost is inherent and grows with N by design; the goal is what remains flat.
POLL_JOBS = ("poll_documents", "pull_contacts", "schedule_pulls", "reference_data", "connection_check")


def polls(figures: Figures) -> int:
    return sum(figures.statements[job] for job in POLL_JOBS)


def report(results: list[Figures]) -> None:
    def row(label: str, value: Any) -> list[str]:
        return [label, *(value(f) for f in results)]

    def fig(x: float) -> str:
        return f"{x:,.3f}" if x < 10 else f"{x:,.1f}"

    print("\nIdle: N connected organisations, nothing to sync (per minute of the idle window)")
    print(c.table(
        ["", *(f"N = {f.size:,}" for f in results)],
        [
            row("setup (connect, import), s", lambda f: f"{f.setup_seconds:,.0f}"),
            row("sidecar CPU s/min", lambda f: fig(f.per_minute(f.cpu))),
            row("  per organisation", lambda f: fig(f.per_minute(f.cpu) / f.size)),
            row("statements/min", lambda f: fig(f.per_minute(f.statements.total()))),
            row("  per organisation", lambda f: fig(f.per_minute(f.statements.total()) / f.size)),
            row("  without the scheduled polls", lambda f: fig(f.per_minute(f.statements.total() - polls(f)))),
            row("transactions/min", lambda f: fig(f.per_minute(f.transactions))),
            row("Xero calls/min", lambda f: fig(f.per_minute(f.calls.total()))),
            row("  per organisation", lambda f: fig(f.per_minute(f.calls.total()) / f.size)),
            row("sidecar RSS, MiB", lambda f: f"{f.rss_kib / 1024:.0f}"),
        ],
    ))  # fmt: skip
    jobs = sorted({j for f in results for j in f.statements}, key=lambda j: -max(f.statements[j] for f in results))
    print("\nStatements/min by job")
    print(c.table(["job", *(f"N = {f.size:,}" for f in results)],
                  [[j, *(fig(f.per_minute(f.statements[j])) for f in results)] for j in jobs]))  # fmt: skip
    kinds = sorted({k for f in results for k in f.calls})
    if kinds:
        print("\nXero calls/min by kind")
        print(c.table(["call", *(f"N = {f.size:,}" for f in results)],
                      [[k, *(fig(f.per_minute(f.calls[k])) for f in results)] for k in kinds]))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="numbers of organisations, comma-separated")
    parser.add_argument("--idle-seconds", type=float, default=300)
    parser.add_argument("--warmup-seconds", type=float, default=30, help="the sidecar's first pass, not measured")
    parser.add_argument("--contacts", type=int, default=50, help="contacts in each organisation")
    parser.add_argument("--orgs-per-bookkeeper", type=int, default=20, help="organisations one Xero user's grant holds")
    parser.add_argument("--workers", type=int, default=4, help="threads doing the setup")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made there)")
    parser.add_argument("--load-seconds", type=float, default=120, help="each load window's traffic (0: idle only)")
    parser.add_argument("--rate", type=float, default=2, help="platform events a second during a load window")
    parser.add_argument("--backlog", type=int, default=20_000, help="documents waiting in the busy organisation")
    parser.add_argument("--busy-seconds", type=float, default=2.0,
                        help="seconds Xero takes to answer each of the busy organisation's document calls")  # fmt: skip
    parser.add_argument("--spread-backlog", type=int, default=2_000, help="documents over every organisation")
    parser.add_argument("--scale", default="1,2,4", help="numbers of sidecars for scale-out (PostgreSQL only)")
    parser.add_argument("--scale-answer-seconds", type=float, default=0,
                        help="seconds Xero takes to answer every call during scale-out (0: at once)")  # fmt: skip
    parser.add_argument("--app-minute", type=int, default=150,
                        help="the simulator's app-wide minute, lowered (0: no app limit run)")  # fmt: skip
    parser.add_argument("--phases", default="steady,scale,busy", help="the load phases to run (scale: the app limit "
                        "and scale-out, PostgreSQL only)")  # fmt: skip
    args = parser.parse_args()
    print(c.command_line(), flush=True)
    args.phases = [p for p in args.phases.split(",") if p]
    args.scale = [int(k) for k in args.scale.split(",") if k]
    results = [measure(int(n), args) for n in args.sizes.split(",")]
    report([idle for idle, _ in results])
    phases.report([loaded for _, loaded in results], args.scale_answer_seconds)


if __name__ == "__main__":
    main()
