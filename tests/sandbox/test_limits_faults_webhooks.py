"""Rate limits, fault switches and signed webhooks, as the hub will meet them from the real Xero."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import apps
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.stack import free_port

KEY = "test-webhook-key"


def test_every_response_carries_the_remaining_budget(sim: Simulator) -> None:
    api = sim.api(sim.connect()["access_token"])
    first, second = api.get("/Organisation"), api.get("/Organisation")
    assert int(first.headers["X-MinLimit-Remaining"]) == 59 and int(second.headers["X-MinLimit-Remaining"]) == 58
    assert int(first.headers["X-DayLimit-Remaining"]) == 4999
    assert int(first.headers["X-AppMinLimit-Remaining"]) == 9999


@pytest.mark.parametrize(("limit", "problem"), [("minute", "minute"), ("day", "day"), ("appMinute", "appminute")])
def test_each_limit_answers_429_with_retry_after(sim: Simulator, limit: str, problem: str) -> None:
    sim.control("POST", "/limits", **{limit: 3})
    api = sim.api(sim.connect()["access_token"])
    statuses = [api.get("/Organisation").status_code for _ in range(3)]
    refused = api.get("/Organisation")
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == problem and int(refused.headers["Retry-After"]) >= 1
    window = 86400 if limit == "day" else 60
    sim.control("POST", "/clock/advance", seconds=window + 1)
    fresh = sim.api(sim.connect()["access_token"])  # the old access token expired meanwhile
    assert fresh.get("/Organisation").status_code == 200  # the window has reset


def test_calls_in_flight_are_capped(sim: Simulator) -> None:
    sim.control("POST", "/limits", concurrent=2)
    control.post(f"{sim.url}/_sandbox/faults", json={"kind": "latency", "seconds": 1.0, "count": 5})
    token = sim.connect()["access_token"]
    results: list[int] = []

    def call() -> None:
        with sim.api(token) as api:
            results.append(api.get("/Organisation").status_code)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 200, 429, 429]


@pytest.mark.parametrize(
    ("status", "header", "body"),
    [(503, None, "temporarily unavailable"), (500, None, "An error occurred"), (429, "Retry-After", "")],
)
def test_status_faults_hit_the_next_calls_only(sim: Simulator, status: int, header: str | None, body: str) -> None:
    api = sim.api(sim.connect()["access_token"])
    control.post(
        f"{sim.url}/_sandbox/faults",
        json={"kind": "status", "status": status, "count": 2, "path": "/api.xro/2.0/Contacts"},
    )
    failed = [api.get("/Contacts") for _ in range(2)]
    assert [r.status_code for r in failed] == [status, status] and body in failed[0].text
    if header:
        assert failed[0].headers[header] == "60"
    assert api.get("/Organisation").status_code == 200  # other paths untouched
    assert api.get("/Contacts").status_code == 200  # the switch is used up


def test_timeout_fault_does_the_work_but_answers_too_late(sim: Simulator) -> None:
    api = sim.api(sim.connect()["access_token"])
    control.post(f"{sim.url}/_sandbox/faults", json={"kind": "timeout", "seconds": 3, "method": "PUT"})
    with pytest.raises(httpx.ReadTimeout):
        api.put("/Contacts", json={"Contacts": [{"Name": "Uncertain Outcome Ltd"}]}, timeout=1)
    found = api.get("/Contacts", params={"where": 'Name=="Uncertain Outcome Ltd"'}).json()["Contacts"]
    assert len(found) == 1  # created, though the caller never heard


def test_a_request_still_held_at_a_reset_is_not_logged_after_it(sim: Simulator) -> None:
    api = sim.api(sim.connect()["access_token"])
    control.post(f"{sim.url}/_sandbox/faults", json={"kind": "timeout", "seconds": 2, "method": "PUT"})
    with pytest.raises(httpx.ReadTimeout):
        api.put("/Contacts", json={"Contacts": [{"Name": "Before The Reset Ltd"}]}, timeout=0.5)
    sim.control("POST", "/reset", seed="demo")
    time.sleep(2)  # the held answer is sent now, after the reset
    assert [r for r in sim.control("GET", "/requests") if r["method"] == "PUT"] == []


def test_dropped_connection_after_the_work(sim: Simulator) -> None:
    api = sim.api(sim.connect()["access_token"])
    control.post(f"{sim.url}/_sandbox/faults", json={"kind": "drop", "method": "PUT"})
    with pytest.raises(httpx.HTTPError):
        api.put("/Contacts", json={"Contacts": [{"Name": "Half Heard Ltd"}]})
    assert api.get("/Contacts", params={"where": 'Name=="Half Heard Ltd"'}).json()["Contacts"]


def test_bad_fault_switch_is_refused(sim: Simulator) -> None:
    response = control.post(f"{sim.url}/_sandbox/faults", json={"kind": "status", "status": 418})
    assert response.status_code == 400 and "429, 500 or 503" in response.text


@dataclass
class Receiver:
    """A webhook endpoint that checks x-xero-signature on the raw body, as the hub's will."""

    url: str = ""
    received: list[dict] = field(default_factory=list)
    answer: int | None = None

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            expected = base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()
            good = hmac.compare_digest(expected, request.headers.get("x-xero-signature", ""))
            if good and self.answer is None:
                self.received.append(json.loads(body))
            return Response(status_code=self.answer or (200 if good else 401))

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
def receiver(sim: Simulator) -> Iterator[Receiver]:
    hook = Receiver()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(hook.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    hook.url = f"http://127.0.0.1:{port}/hook"
    demo = apps.from_env()[0]
    sim.control("POST", "/apps", **{**demo.to_json(), "webhook_url": hook.url, "webhook_key": KEY})
    yield hook
    server.should_exit = True
    thread.join(timeout=10)


def wait_for(condition, seconds: float = 10):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_contact_changes_arrive_as_signed_thin_events(sim: Simulator, receiver: Receiver) -> None:
    api = sim.api(sim.connect()["access_token"])
    created = api.put("/Contacts", json={"Contacts": [{"Name": "Webhook Wholesale Ltd"}]}).json()["Contacts"][0]
    api.post(f"/Contacts/{created['ContactID']}", json={"Contacts": [{"EmailAddress": "hi@webhook.example"}]})
    assert wait_for(lambda: sum(len(b["events"]) for b in receiver.received) >= 2)
    events = [e for batch in receiver.received for e in batch["events"]]
    mine = [e for e in events if e["resourceId"] == created["ContactID"]]
    assert [e["eventType"] for e in mine] == ["CREATE", "UPDATE"]
    event = mine[0]
    assert (
        event["eventCategory"] == "CONTACT" and event["tenantId"] == HARBOUR and event["tenantType"] == "ORGANISATION"
    )
    assert event["resourceUrl"].endswith(f"/api.xro/2.0/Contacts/{created['ContactID']}")
    assert "Z" not in event["eventDateUtc"] and len(event["eventDateUtc"].split(".")[1]) == 3
    batch = receiver.received[0]
    assert batch["firstEventSequence"] <= batch["lastEventSequence"] and batch["entropy"]


def test_failed_deliveries_are_retried(sim: Simulator, receiver: Receiver) -> None:
    receiver.answer = 500
    api = sim.api(sim.connect()["access_token"])
    api.put("/Contacts", json={"Contacts": [{"Name": "Retry Me Ltd"}]})
    assert wait_for(lambda: any(not d["ok"] for d in control.get(f"{sim.url}/_sandbox/webhooks").json()))
    receiver.answer = None
    assert wait_for(lambda: receiver.received, seconds=15)


def test_intent_to_receive(sim: Simulator, receiver: Receiver) -> None:
    result = sim.control("POST", "/webhooks/intent-to-receive")
    assert result["passed"] is True
    assert [a["status"] for a in result["attempts"]] == ["200", "401", "200", "401"]
    receiver.answer = 200  # an endpoint that never checks signatures fails the check
    assert sim.control("POST", "/webhooks/intent-to-receive")["passed"] is False


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, None, 401),
        ({"Authorization": "Bearer not-the-token"}, None, 401),
        ({"Authorization": f"Bearer {control.TOKEN}x"}, None, 401),
        ({**control.HEADERS, "Content-Type": "text/plain"}, b'{"seed": "empty"}', 415),
        ({**control.HEADERS, "Content-Type": "application/x-www-form-urlencoded"}, b"seed=empty", 415),
    ],
    ids=["no-token", "wrong-token", "token-prefix", "text-plain-json", "form"],
)
def test_the_control_api_answers_only_this_runs_token_and_json(
    sim: Simulator, headers: dict[str, str], body: bytes | None, status: int
) -> None:
    """A page open in the presenter's browser can neither reset the simulator nor re-point the webhook."""
    before = sim.control("GET", "/orgs")
    for path in ("/reset", "/apps", "/clock/advance", "/faults"):
        refused = httpx.post(f"{sim.url}/_sandbox{path}", content=body, headers=headers, timeout=30)
        assert refused.status_code == status and "error" in refused.json()
    assert sim.control("GET", "/orgs") == before


def test_the_simulator_writes_its_token_for_local_tools(sim: Simulator) -> None:
    from sandbox.control import auth

    assert auth.read_token(sim.data) == control.TOKEN
    assert (sim.data / auth.TOKEN_FILE).stat().st_mode & 0o777 == 0o600
