"""The demo's child processes (the simulator, the sidecar, the web app): start them so none outlives the launcher,
keep everything each one says in its own log file under the data folder, and show in the terminal only what a
person should see there (warnings, errors and tracebacks), not every request.

Each child writes straight to its log file (no pipe that could fill while the launcher is busy seeding the demo),
and the terminal's copy is read back from that file once every child has started."""

from __future__ import annotations

import contextlib
import ctypes
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# A line worth the terminal: Python's logging levels above INFO, and tracebacks.
RELAY_POLL_SECONDS = 0.2
NOTEWORTHY = re.compile(r"\b(WARNING|ERROR|CRITICAL|FATAL)\b|^Traceback \(most recent call last\)")


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the launcher dies, even by SIGKILL, so no process is orphaned (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class TerminalFilter:
    """Which lines of one child's output the terminal shows: noteworthy lines, and a traceback to its last line."""

    def __init__(self) -> None:
        self.in_traceback = False

    def shows(self, line: str) -> bool:
        if self.in_traceback:
            self.in_traceback = line[:1].isspace() or line.startswith("Traceback")
            return True
        self.in_traceback = line.startswith("Traceback")
        return bool(NOTEWORTHY.search(line))


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path | None = None
    log_start: int = 0  # where this run's lines begin in the log file

    def start(self, env: dict[str, str], cwd: Path, log_dir: Path) -> None:
        """Spawn the child writing to its log file (call before the launcher starts any thread: see preexec_fn)."""
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        with self.log_path.open("ab") as log:
            self.log_start = log.tell()
            self.process = subprocess.Popen(
                self.args,
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def relay_output(self) -> None:
        """Copy what matters of the child's log to ours (started after every child is spawned)."""
        print(f"[{self.name}] started (pid {self.pid}); everything it says goes to {self.log_path}", flush=True)
        threading.Thread(target=self._relay, daemon=True).start()

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def _relay(self) -> None:
        assert self.log_path is not None
        with self.log_path.open("rb") as log:
            log.seek(self.log_start)
            self._copy(log)

    def _copy(self, source: IO[bytes]) -> None:
        """Follow the log file until the child has exited and every line it wrote has been read."""
        terminal, pending = TerminalFilter(), b""
        while True:
            done = self.exited() is not None  # asked before reading, so nothing written before the exit is missed
            chunk = source.read()
            pending += chunk
            *lines, pending = pending.split(b"\n")  # the last piece is a line still being written
            for raw in lines:
                line = raw.decode(errors="replace") + "\n"
                if terminal.shows(line):
                    sys.stdout.write(f"[{self.name}] {line}")
                    sys.stdout.flush()
            if done:
                break
            if not chunk:
                time.sleep(RELAY_POLL_SECONDS)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_or_kill(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        print(f"[{self.name}] stopped", flush=True)
