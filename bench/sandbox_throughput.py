"""How fast the Xero simulator serves: a full 100,000-contact read at pageSize=1000, and small requests a second.

    .venv/bin/python bench/sandbox_throughput.py [--contacts 100000] [--small 2000]

Starts a real simulator process on a free port with a fresh data folder, so the figures include real HTTP.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox import apps
from tests.sandbox.conftest import Simulator
from tests.stack import free_port


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=2000, help="small requests for the requests-a-second figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        sim = Simulator(f"http://127.0.0.1:{free_port()}", Path(folder)).start()
        try:
            assert sim.process is not None
            started = time.perf_counter()
            org = sim.control(
                "POST",
                "/orgs",
                name="Benchmark Wholesale Ltd",
                country="GB",
                contacts=args.contacts,
                users=[{"email": "bench@wholesale.example", "role": "admin"}],
            )
            seeded = time.perf_counter() - started
            token = httpx.post(
                f"{sim.url}/connect/token",
                data={"grant_type": "client_credentials"},
                auth=(apps.DEMO_CUSTOM_CLIENT_ID, apps.DEMO_CUSTOM_CLIENT_SECRET),
            ).json()
            # The custom connection reaches the demo organisation; connect the benchmark one through consent.
            code = sim.consent("bench@wholesale.example", [org["tenantId"]])
            token = sim.token(
                grant_type="authorization_code", code=code, redirect_uri=apps.DEMO_REDIRECT_URIS[0]
            ).json()
            api = sim.api(token["access_token"], org["tenantId"])

            # Throughput, not Xero's limits, is measured here: lift them (60 a minute would stop the small requests).
            sim.control("POST", "/limits", minute=10**9, day=10**9, app_minute=10**9, concurrent=1000)
            rss_before = rss_kib(sim.process.pid)
            started, page, read = time.perf_counter(), 1, 0
            while True:
                batch = api.get("/Contacts", params={"page": page, "pageSize": 1000, "includeArchived": "true"})
                batch.raise_for_status()
                got = len(batch.json()["Contacts"])
                read += got
                if got < 1000:
                    break
                page += 1
            full_read = time.perf_counter() - started

            started = time.perf_counter()
            for _ in range(args.small):
                api.get("/Organisation").raise_for_status()
            small_rate = args.small / (time.perf_counter() - started)
            rss_mid = rss_kib(sim.process.pid)
            for _ in range(args.small):
                api.get("/Organisation").raise_for_status()
            rss_after = rss_kib(sim.process.pid)
        finally:
            sim.stop()

    print(f"Simulator throughput ({args.contacts:,} contacts, real HTTP on loopback)")
    print(f"  seed the organisation (generate + store)      {seeded:8.2f} s")
    print(
        f"  full read, pageSize=1000 ({page} pages, {read:,} contacts) {full_read:8.2f} s"
        f"   ({read / full_read:,.0f} contacts/s; aim: under 10 s)"
    )
    print(f"  small requests (GET /Organisation), one client {small_rate:8.0f} requests/s")
    print(
        f"  simulator memory: before reads {rss_before / 1024:.0f} MiB, after {args.small:,} small requests "
        f"{rss_mid / 1024:.0f} MiB, after {2 * args.small:,} {rss_after / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
