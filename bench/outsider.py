"""An outsider against a running demo stack: how fast and how alike the answers are, and what the web process's
memory does. Probes, each repeated: a 64 MB chunked body and a body that declares 256 MB at the platform API with no
key, a 64 MB chunked body at the webhook, malformed numbers and nesting, and rapid wrong sign-ins for a known and an
unknown email. Not part of the test suite (tests/integration/test_outsider.py asserts the bounds).

    .venv/bin/python bench/outsider.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from _common import command_line, median, percentile, table

from tests.integration.test_outsider import KNOWN, UNKNOWN, chunked, declared_but_not_sent, probe, web_memory
from tests.stack import Stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print(command_line())
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(Path(folder) / "data").start()
        try:
            run(stack, rounds)
        finally:
            stack.stop()


def run(stack: Stack, rounds: int) -> None:
    events = f"{stack.url}/api/v1/companies/1/events"
    httpx.get(f"{stack.url}/healthz", timeout=30)
    before = web_memory(stack)
    timings: dict[str, list[float]] = {}
    answers: dict[str, set[str]] = {}

    def note(name: str, status: object, seconds: float) -> None:
        timings.setdefault(name, []).append(seconds)
        answers.setdefault(name, set()).add(str(status))

    for _ in range(rounds):
        note("64 MB chunked, API, no key", *probe("POST", events, content=chunked(64)))
        note("64 MB chunked, webhook", *probe("POST", f"{stack.url}/webhooks/xero", content=chunked(64)))
        note("declares 256 MB, API, no key", *declared_but_not_sent(events, 256 * 2**20))
        for label, body in (("5,000-digit number", b'{"n": ' + b"9" * 5000 + b"}"), ("100,000 [", b"[" * 100_000)):
            started = time.monotonic()
            answer = httpx.post(events, content=body, headers={"Content-Type": "application/json"}, timeout=30)
            note(label, answer.status_code, time.monotonic() - started)
    sign_ins: dict[str, list[str]] = {KNOWN: [], UNKNOWN: []}
    for email in (KNOWN, UNKNOWN):
        for n in range(12):
            started = time.monotonic()
            answer = httpx.post(f"{stack.url}/auth/sign-in", data={"email": email, "password": f"guess {n}"})
            query = parse_qs(urlsplit(answer.headers["location"]).query)
            sign_ins[email].append(query["signin"][0])
            note(
                f"wrong sign-in, {'known' if email == KNOWN else 'unknown'} email",
                answer.status_code,
                time.monotonic() - started,
            )
    after = web_memory(stack)
    rows = [
        [
            name,
            len(values),
            ", ".join(sorted(answers[name])),
            f"{median(values) * 1000:.0f}",
            f"{percentile(values, 95) * 1000:.0f}",
            f"{max(values) * 1000:.0f}",
        ]
        for name, values in timings.items()
    ]
    print(table(["Probe", "Tries", "Answers", "Median ms", "p95 ms", "Max ms"], rows))
    print(f"\nSign-in answers, known email:   {' '.join(sign_ins[KNOWN])}")
    print(f"Sign-in answers, unknown email: {' '.join(sign_ins[UNKNOWN])}")
    print(
        f"\nWeb process memory: {before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB after "
        f"({(after - before) / 2**20:+.0f} MiB) for {rounds * (64 + 64 + 256)} MB sent or declared"
    )


if __name__ == "__main__":
    main()
