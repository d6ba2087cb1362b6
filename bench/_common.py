"""Helpers the benchmarks share to measure and print: how the run was started, budget use, memory, percentiles and
plain-text tables. The hub and simulator they run against come from tests/beside.py."""

from __future__ import annotations

import itertools
import math
import os
import shlex
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent


def command_line() -> str:
    """How this benchmark was started, to print at the top of its output."""
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    script = os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)
    return "$ " + shlex.join([python, script, *sys.argv[1:]])


def budget_use(calls: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Calls, 429s, and how much of the 60-a-minute budget was used: overall (calls per elapsed minute / 60) and
    over the full windows before the last (the simulator's windows start with the first call after the
    previous window ended, as Xero's do; the last window only has the remainder of the work)."""
    admitted = [r for r in calls if r["status"] != 429]
    moments = [r["at_ms"] - r["duration_ms"] for r in admitted]
    starts: list[float] = []
    for moment in moments:
        if not starts or moment >= starts[-1] + 60_000:
            starts.append(moment)
    before_last = sum(1 for m in moments if m < starts[-1]) if starts else 0
    span = (starts[-1] - starts[0]) / 60_000 if len(starts) > 1 else 0
    return {
        "calls": len(calls),
        "429s": len(calls) - len(admitted),
        "windows": len(starts),
        "overall": len(admitted) / (seconds / 60) / 60,
        "full_windows": before_last / (span * 60) if span else None,
        "pause": max((b - a for a, b in itertools.pairwise(moments)), default=0) / 1000,
    }


def vm_kib(field: str) -> int:
    """VmRSS, VmHWM (peak RSS) … of this process, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 to 100), nearest-rank on the sorted values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])
