"""Sidecar processes for the fleet benchmark, started as the launcher starts them (`python -m scheduler`), each with
a metrics listener of its own that the benchmark scrapes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from core.settings import PROJECT_ROOT
from tests.stack import free_port

TOKEN = "fleet-bench-metrics-token-0123456789"
TICKS = os.sysconf("SC_CLK_TCK")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Sidecars:
    """k sidecar processes (`python -m scheduler`), each with a metrics listener of its own."""

    def __init__(self, env: dict[str, str], folder: Path, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "scheduler", "--log-level", "WARNING"],
                cwd=PROJECT_ROOT,
                env={
                    **os.environ,
                    **env,
                    "PYTHONUNBUFFERED": "1",
                    "HUB_METRICS_TOKEN": TOKEN,
                    "HUB_SIDECAR_METRICS_PORT": str(port),
                },
                stdout=subprocess.DEVNULL,
                stderr=(folder / f"sidecar-{k}.log").open("ab"),
            )
            for k, port in enumerate(self.ports)
        ]
        deadline = time.monotonic() + 60
        while not all(self._up(port) for port in self.ports):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.stop()
                raise RuntimeError(f"a sidecar did not start; see {folder}/sidecar-*.log")
            time.sleep(0.3)

    @staticmethod
    def _up(port: int) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/metrics", headers=_auth(), timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def scrape(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        total: Counter[tuple[str, frozenset[tuple[str, str]]]] = Counter()
        for port in self.ports:
            answer = httpx.get(f"http://127.0.0.1:{port}/metrics", headers=_auth(), timeout=10)
            total.update(samples(answer.text))
        return dict(total)

    def cpu(self) -> float:
        """The sidecars' CPU seconds so far (user and system), while they still run."""
        return sum(cpu_seconds(p.pid) for p in self.processes if p.poll() is None)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every core since boot, from /proc/stat: their change over a window is how busy the
    machine was (the sidecars, the simulator, the database and this benchmark together)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """A scrape's samples by name and labels."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def pick(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, have), v in found.items() if n == name and wanted <= have)
