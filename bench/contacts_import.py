"""Initial import of N Xero contacts (issue 6, Performance), side by side in one run:

  (a) the simulator alone serving the pages (a plain httpx loop at pageSize=1000): the baseline;
  (b) the hub's import (a company connected through a real consent, contacts_sync.run_once until done), twice,
      with the simulator's rate limits off: wall time, ratio to (a), and the import process's peak memory at
      10,000 and at N contacts (each import runs in a fresh child process, so its memory is its own);
  (c) a straightforward script on Xero's official Python SDK (get_contacts at its default page size, one INSERT
      and one commit per contact): wall time, and the hub's speed-up over it;
  (d) the hub's import with Xero's real limits on (60 a minute, 5 in flight, 5,000 a day): calls, wall time, 429s
      and the share of the per-minute budget used.

    .venv/bin/python bench/contacts_import.py [--contacts 100000] [--limited-contacts N] [--database-url URL]

Starts its own simulator process and its own fresh database (SQLite in a temporary folder by default; with
--database-url postgresql+psycopg://…/postgres, a throwaway database on that server), and removes both at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Boolean, Column, DateTime, MetaData, String, Table, create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

from core.contacts import pull as contacts_sync
from core.models.platform import PlatformContact
from core.models.sync import RunState, SyncRun
from core.xero import resources
from sandbox import apps
from tests import beside

CONTACTS_PATH = "/api.xro/2.0/Contacts"


def in_child(function: Any, *args: Any) -> Any:
    """Run one measurement in a fresh interpreter, so its time and memory are its own."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def serve_alone(sim_url: str, token: str, tenant: str) -> dict[str, float]:
    """(a) Every page at pageSize=1000 as the hub asks for them (archived included), until a short page."""
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant, "Accept": "application/json"}
    with httpx.Client(base_url=f"{sim_url}/api.xro/2.0", headers=headers, timeout=120) as api:
        started, page, read = time.perf_counter(), 1, 0
        while True:
            answer = api.get("/Contacts", params={"includeArchived": "true", "page": page, "pageSize": 1000})
            answer.raise_for_status()
            got = len(answer.json()["Contacts"])
            read += got
            if got < 1000:
                return {"seconds": time.perf_counter() - started, "calls": page, "contacts": read}
            page += 1


def hub_import(env: dict[str, str], company_id: int, tick: float) -> dict[str, Any]:
    """(b)/(d) Turns of contacts_sync.run_once until the company's import is done; when its run waits (a rate
    limit), check again after `tick` seconds, as the sidecar's 2-second job does."""
    hub = beside.open_hub(env)
    with hub.db.read() as session:  # warm the engine, so the first turn is not charged for connecting
        session.scalar(select(func.count()).select_from(SyncRun))
    rss_before = c.vm_kib("VmRSS")
    turns: list[float] = []
    said: list[str] = []
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        outcome = contacts_sync.run_once(hub, worker="bench")
        if outcome != "nothing to pull":
            turns.append(time.perf_counter() - began)
            said.append(outcome)
            continue
        with hub.db.read() as session:
            run = session.scalars(
                select(SyncRun)
                .where(SyncRun.company_id == company_id, SyncRun.job == "contacts_import")
                .order_by(SyncRun.id.desc())
            ).first()
            state = run.state if run else RunState.FAILED
        if state in (RunState.DONE, RunState.FAILED):
            break
        time.sleep(tick)
    wall = time.perf_counter() - started
    with hub.db.read() as session:
        stored = session.scalar(
            select(func.count()).select_from(PlatformContact).where(PlatformContact.company_id == company_id)
        )
    hub.db.dispose()
    return {
        "seconds": wall,
        "turns": turns,
        "said": said,
        "state": state.value,
        "stored": stored,
        "rss_before": rss_before,
        "hwm": c.vm_kib("VmHWM"),
    }


def sdk_import(sim_url: str, token: str, tenant: str, database_url: str) -> dict[str, Any]:
    """(c) What a developer writes with xero-python: page at the SDK's default size (it sends no pageSize, so
    Xero's 100), one INSERT per contact, commit each, until an empty page."""
    from xero_python.accounting import AccountingApi
    from xero_python.api_client import ApiClient, Configuration
    from xero_python.api_client.oauth2 import OAuth2Token

    engine = create_engine(database_url)
    metadata = MetaData()
    table = Table(
        "sdk_contacts",
        metadata,
        Column("contact_id", String(36), primary_key=True),
        Column("name", String(255)),
        Column("email", String(255)),
        Column("is_supplier", Boolean),
        Column("is_customer", Boolean),
        Column("updated", DateTime),
    )
    metadata.create_all(engine)
    saved = {"access_token": token, "scope": ["accounting.contacts"], "token_type": "Bearer", "expires_in": 1800}
    saved["expires_at"] = time.time() + 1800
    client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=apps.DEMO_CLIENT_ID, client_secret=apps.DEMO_CLIENT_SECRET)),
        pool_threads=1,
        oauth2_token_getter=lambda: saved,
        oauth2_token_saver=saved.update,
    )
    api = AccountingApi(client, base_url=f"{sim_url}/api.xro/2.0")
    started, page, inserted = time.perf_counter(), 1, 0
    with engine.connect() as connection:
        while True:
            contacts = api.get_contacts(tenant, page=page, include_archived=True).contacts or []
            if not contacts:
                break
            for contact in contacts:
                connection.execute(
                    table.insert().values(
                        contact_id=str(contact.contact_id),
                        name=contact.name,
                        email=contact.email_address,
                        is_supplier=contact.is_supplier,
                        is_customer=contact.is_customer,
                        updated=contact.updated_date_utc,
                    )
                )
                connection.commit()
                inserted += 1
            page += 1
    engine.dispose()
    return {"seconds": time.perf_counter() - started, "calls": page, "contacts": inserted}


def contact_calls(rows: list[dict[str, Any]], tenant: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["tenant_id"] == tenant and r["path"] == CONTACTS_PATH]


def pct(value: float | None) -> str:
    return "n/a (one window)" if value is None else f"{value:.0%}"


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts per organisation (N)")
    parser.add_argument("--limited-contacts", type=int, help="contacts for the run with Xero's limits on (N)")
    parser.add_argument("--memory-contacts", type=int, default=10_000, help="the small import for the memory check")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made there)")
    parser.add_argument("--policy", default="all", help="the companies' import policy (all: every contact)")
    parser.add_argument("--tick", type=float, default=2.0, help="seconds between turns while a run waits")
    args = parser.parse_args()
    limited = args.limited_contacts or args.contacts
    print(c.command_line())
    print(f"N = {args.contacts:,} contacts, import policy {args.policy!r}, page size {resources.PAGE_SIZE}")

    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        folder = Path(name)
        sim = beside.start_simulator(folder / "sandbox", SANDBOX_WEBHOOK_URL="")
        try:
            with beside.hub_beside(sim, args.database_url, folder) as setup:
                url, env, hub, actor = setup.url, setup.env, setup.hub, setup.actor

                def organisation(tag: str, size: int) -> tuple[int, str, str]:
                    """A simulator organisation, a company connected to it, and a plain token for it."""
                    emails = [f"hub-{tag}@bench.example", f"plain-{tag}@bench.example"]
                    began = time.perf_counter()
                    tenant = beside.new_org(sim, f"Bench {tag} Ltd", size, emails)
                    print(f"  organisation {tag}: {size:,} contacts made in {time.perf_counter() - began:.1f} s")
                    company = beside.add_company(hub, actor, f"Bench {tag} Ltd", policy=args.policy)
                    beside.connect(hub, actor, company, tenant, emails[0])
                    return company, tenant, beside.access_token(sim, emails[1], tenant)

                runs = []
                for tag in ("run1", "run2"):
                    company, tenant, token = organisation(tag, args.contacts)
                    alone = serve_alone(sim.url, token, tenant)
                    since = beside.last_seq(sim)
                    result = in_child(hub_import, env, company, args.tick)
                    result["calls"] = len(contact_calls(beside.request_log(sim, since), tenant))
                    runs.append((alone, result, tenant, token))
                    print(f"  {tag}: simulator alone {alone['seconds']:.1f} s, hub {result['seconds']:.1f} s")
                company, tenant, _ = organisation("small", args.memory_contacts)
                small = in_child(hub_import, env, company, args.tick)

                print("  SDK script …", flush=True)
                sdk_url = url if url.startswith("postgresql") else f"sqlite:///{folder / 'sdk.db'}"
                token = beside.access_token(sim, "plain-run1@bench.example", runs[0][2])
                sdk = in_child(sdk_import, sim.url, token, runs[0][2], sdk_url)

                company, tenant, _ = organisation("limited", limited)
                beside.set_limits(sim, beside.LIMITS_XERO)
                since = beside.last_seq(sim)
                capped = in_child(hub_import, env, company, args.tick)
                use = c.budget_use(contact_calls(beside.request_log(sim, since), tenant), capped["seconds"])
                hub.db.dispose()
        finally:
            sim.stop()

    first, last = runs[0][1], runs[-1][1]
    print("\n(a)+(b) Initial import with the simulator's rate limits off")
    rows: list[list[object]] = [["contacts in the organisation"] + [f"{r[0]['contacts']:,}" for r in runs]]
    rows.append(["(a) simulator alone, pageSize=1000, s"] + [f"{r[0]['seconds']:.2f}" for r in runs])
    rows.append(["(b) hub import, wall time, s"] + [f"{r[1]['seconds']:.2f}" for r in runs])
    rows.append(["    ratio to (a) (target <= 1.5x)"] + [f"{r[1]['seconds'] / r[0]['seconds']:.2f}x" for r in runs])
    rows.append(["    API calls (floor N/1000)"] + [f"{r[1]['calls']} ({-(-args.contacts // 1000)})" for r in runs])
    rows.append(["    contacts stored"] + [f"{r[1]['stored']:,}" for r in runs])
    rows.append(["    what the import did"] + [r[1]["said"][-1].split(": ", 1)[-1] for r in runs])
    rows.append(["    turns (10 pages each)"] + [len(r[1]["turns"]) for r in runs])
    rows.append(
        ["    first / last full turn, s"] + [f"{r[1]['turns'][0]:.2f} / {r[1]['turns'][-2:][0]:.2f}" for r in runs]
    )
    print(c.table(["", "run 1", "run 2"], rows))

    print("\n(b) Memory of the import process (a fresh child process per import)")
    memory = [("small", small), ("run 1", first), ("run 2", last)]
    sizes = [args.memory_contacts, args.contacts, args.contacts]
    print(
        c.table(
            ["", *(f"{n:,} ({label})" for n, (label, _) in zip(sizes, memory, strict=True))],
            [
                ["RSS before the import, MiB", *(mib(r["rss_before"]) for _, r in memory)],
                ["peak RSS (VmHWM), MiB", *(mib(r["hwm"]) for _, r in memory)],
                ["growth, MiB", *(mib(r["hwm"] - r["rss_before"]) for _, r in memory)],
            ],
        )
    )

    print("\n(c) Xero's Python SDK (xero-python), default page size, one INSERT + commit per contact")
    hubs = [r[1] for r in runs]
    print(
        c.table(
            ["", "SDK script", "hub run 1", "hub run 2"],
            [
                ["contacts", f"{sdk['contacts']:,}", *(f"{h['stored']:,}" for h in hubs)],
                ["API calls", sdk["calls"], *(h["calls"] for h in hubs)],
                ["wall time, s", f"{sdk['seconds']:.2f}", *(f"{h['seconds']:.2f}" for h in hubs)],
                ["hub speed-up (target >= 3x)", "", *(f"{sdk['seconds'] / h['seconds']:.1f}x" for h in hubs)],
            ],
        )
    )

    print("\n(d) Initial import with Xero's real limits on (60/min, 5 in flight, 5,000/day)")
    print(
        c.table(
            ["", "hub"],
            [
                ["contacts", f"{limited:,} ({capped['stored']:,} stored, run {capped['state']})"],
                ["API calls (floor N/1000)", f"{use['calls']} ({-(-limited // 1000)})"],
                ["wall time, s", f"{capped['seconds']:.1f}"],
                ["429 answers (must be 0)", use["429s"]],
                ["minute windows used", use["windows"]],
                ["longest pause between two calls, s", f"{use['pause']:.1f}"],
                ["calls per elapsed minute / 60", pct(use["overall"])],
                ["budget used in full windows (target >= 90%)", pct(use["full_windows"])],
            ],
        )
    )


if __name__ == "__main__":
    main()
