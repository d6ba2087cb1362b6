"""Chaos run (issue 15): platform events across two connected organisations while the simulator misbehaves and
sidecars are killed, then a drain, then the hub's books held against Xero's.

    .venv/bin/python bench/chaos.py [--events 400] [--seconds 120] [--sidecars 1] [--seed 7] [--database-url URL]

Events (through the platform's entry point, about 5% sent twice with the same event id): new suppliers (some also
customers), supplier edits (a third of them to the newest supplier, whose create may still be on its way), take-backs
of an edit a moment later, quick follow-up edits, sales invoices, bills, credit notes, payments. Faults (the
simulator's switches, one every few seconds): 429, 500 and 503 answers, slow answers, timeouts after the work is done
and replies cut off after the work is done. Sidecars (`python -m scheduler`, as the launcher starts them) are killed
with SIGKILL every 15-20 s and started again. Then the faults stop and the sidecars drain what waits; the table says
what differs between the hub and Xero. The test command runs a smaller one (tests/chaos/test_chaos.py).

Starts its own simulator and a fresh database (SQLite in a temporary folder by default; with --database-url
postgresql+psycopg://…/postgres, a throwaway database on that server), and removes them at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

from tests.chaos.run import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=120, help="how long the events and faults go on")
    parser.add_argument("--sidecars", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drain", type=float, default=300, help="the longest wait for the drain, in seconds")
    parser.add_argument("--retry-after", type=int, default=60, help="the Retry-After of the simulator's 429s")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(c.command_line(), flush=True)
    options = Options(args.events, args.seconds, args.sidecars, args.seed, args.drain, args.database_url,
                      args.retry_after)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="hub-chaos-") as tmp:
        outcome = run(options, Path(tmp), say=lambda line: print(line, flush=True))
    print(f"\n{outcome.sent} events in {outcome.events_took:.0f} s, {outcome.kills} sidecar kills "
          f"({args.sidecars} running), drained in {outcome.drain_took:.0f} s "
          f"({outcome.left} still waiting)\n")  # fmt: skip
    headers = [h for h in outcome.rows[0] if h != "details"]
    print(c.table(headers, [[row[h] for h in headers] for row in outcome.rows]))
    for row in outcome.rows:
        for line in row["details"][:10]:
            print(f"  {row['company']}: {line}")
    for name, refused in outcome.refused.items():
        for what, n in refused.items():
            print(f"refused at the entry point ({name}): {what}: {n}")


if __name__ == "__main__":
    main()
