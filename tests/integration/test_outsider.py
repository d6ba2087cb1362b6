"""An outsider's probes of a running demo stack: oversized and chunked bodies without a key, rapid wrong sign-ins for
known and unknown emails, malformed numbers and nesting, and the simulator's control API without its token. Every
answer is fast, bounded and gives nothing away, and the web process's memory stays flat."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.stack import Stack, children_of

CHUNK = b"x" * 65536
KNOWN, UNKNOWN = "fiona@harbourbakery.example", "nobody@harbourbakery.example"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("outsider") / "data").start()
    yield running
    running.stop()


def web_memory(stack: Stack) -> int:
    """Resident memory of the web process (uvicorn), in bytes."""
    assert stack.process is not None
    for pid in children_of(stack.process.pid):
        if b"uvicorn" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
            status = (Path("/proc") / str(pid) / "status").read_text()
            kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
            return int(kb) * 1024
    raise AssertionError("no web process")


def chunked(megabytes: int) -> Iterator[bytes]:
    for _ in range(megabytes * 16):
        yield CHUNK


def probe(method: str, url: str, **kwargs: object) -> tuple[int | None, float]:
    """The status (None when the hub cut the upload off before answering) and how long it took."""
    started = time.monotonic()
    try:
        status: int | None = httpx.request(method, url, timeout=30, **kwargs).status_code  # type: ignore[arg-type]
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        status = None
    return status, time.monotonic() - started


def declared_but_not_sent(url: str, length: int) -> tuple[int, float]:
    """A request that declares a huge body and sends two bytes of it: the hub must answer without waiting for more."""
    parts = urlsplit(url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {length}\r\n\r\n{{}}"
        conn.sendall(head.encode())
        answer = conn.recv(4096)
    return int(answer.split(b" ", 2)[1]), time.monotonic() - started


def test_an_outsiders_probes_get_fast_bounded_indistinguishable_answers(stack: Stack) -> None:
    events = f"{stack.url}/api/v1/companies/1/events"
    httpx.get(f"{stack.url}/healthz", timeout=30)
    before = web_memory(stack)

    for _ in range(3):  # three times 64 MB streamed at the API with no key, and at the webhook
        status, took = probe("POST", events, content=chunked(64))
        assert status in (401, None) and took < 10
        status, took = probe("POST", f"{stack.url}/webhooks/xero", content=chunked(64))
        assert status in (413, None) and took < 10
        status, took = declared_but_not_sent(events, 256 * 2**20)
        assert status == 401 and took < 10

    for body in (b'{"n": ' + b"9" * 5000 + b"}", b"[" * 100_000, b'{"n": Infinity}', b'{"n": NaN}'):
        response = httpx.post(events, content=body, headers={"Content-Type": "application/json"}, timeout=30)
        assert response.status_code == 401 and response.headers["content-type"].startswith("application/json")

    answers: dict[str, list[dict[str, list[str]]]] = {KNOWN: [], UNKNOWN: []}
    for email in (KNOWN, UNKNOWN):
        for n in range(12):
            started = time.monotonic()
            response = httpx.post(
                f"{stack.url}/auth/sign-in", data={"email": email, "password": f"guess {n}"}, timeout=30
            )
            assert response.status_code == 303 and time.monotonic() - started < 5
            query = parse_qs(urlsplit(response.headers["location"]).query)
            query.pop("email")
            answers[email].append(query)
    # The same words, in the same order, whether the account exists or not (a wait that runs out between two tries
    # may let one more through, so only the first six are compared exactly).
    assert answers[KNOWN][:6] == answers[UNKNOWN][:6]
    assert [q["signin"] for q in answers[KNOWN][:6]] == [["wrong"]] * 5 + [["slow_down"]]
    assert {q["signin"][0] for q in answers[KNOWN] + answers[UNKNOWN]} == {"wrong", "slow_down"}

    for path in ("/_sandbox/reset", "/_sandbox/apps"):
        refused = httpx.post(f"{stack.sandbox_url}{path}", content=b'{"seed": "empty"}', timeout=30)
        assert refused.status_code == 401
        form = httpx.post(f"{stack.sandbox_url}{path}", data={"seed": "empty"}, timeout=30)
        assert form.status_code == 401

    grown = web_memory(stack) - before
    assert grown < 40 * 2**20, f"the web process grew by {grown / 2**20:.0f} MiB"
