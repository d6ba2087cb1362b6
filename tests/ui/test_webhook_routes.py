"""POST /webhooks/xero over HTTP: Xero's intent-to-receive check, events kept, and every bad input answered in time."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.config.xero import DEMO_WEBHOOK_KEY as DEMO_XERO_WEBHOOK_KEY
from core.contacts import webhooks
from core.db import Database
from core.hub import Hub
from core.models.contacts import WebhookEvent
from sandbox.webhooks import sign
from web import webhook_routes
from web.routes import ROUTES

URL = "/webhooks/xero"
ITR = b'{"events": [], "lastEventSequence": 0, "firstEventSequence": 0, "entropy": "S0MEENTR0PY"}'
TENANT = "fb2f6c2e-1111-4a8e-9a71-3c5ef2d7a001"


@pytest.fixture
def client(ui_hub: Hub) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=ROUTES)) as test_client:
        yield test_client


def post(client: TestClient, body: bytes, signature: str | None = "sign", **headers: str):  # type: ignore[no-untyped-def]
    if signature == "sign":
        signature = sign(DEMO_XERO_WEBHOOK_KEY, body)
    if signature is not None:
        headers["x-xero-signature"] = signature
    return client.post(URL, content=body, headers={"Content-Type": "application/json", **headers})


def batch(*events: dict) -> bytes:
    return json.dumps(
        {"events": list(events), "firstEventSequence": 7, "lastEventSequence": 8, "entropy": "E"}
    ).encode()


def contact_event(resource_id: str = "c0ffee00-0000-4000-8000-000000000001", tenant: str = TENANT, **more: str) -> dict:
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": "2024-06-21T01:15:39.902",
        "eventType": "UPDATE",
        "eventCategory": "CONTACT",
        "tenantId": tenant,
        "tenantType": "ORGANISATION",
        **more,
    }


def kept(hub: Hub) -> list[WebhookEvent]:
    with hub.db.read() as session:
        return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


@pytest.mark.parametrize(
    ("signature", "status"),
    [("sign", 200), (sign("not-the-key", ITR), 401), (None, 401), ("", 401), ("bm9wZQ==", 401)],
    ids=["signed", "wrong-key", "no-header", "empty-header", "other-bytes"],
)
def test_intent_to_receive(client: TestClient, ui_hub: Hub, signature: str | None, status: int) -> None:
    response = post(client, ITR, signature)
    assert response.status_code == status
    assert response.content == b"" and "set-cookie" not in response.headers  # Xero: no body, no cookies
    assert kept(ui_hub) == []


def test_a_signed_event_is_kept_in_the_inbox(client: TestClient, ui_hub: Hub) -> None:
    other = contact_event("c0ffee00-0000-4000-8000-000000000002", eventType="CREATE")
    response = post(client, batch(contact_event(), other))
    assert response.status_code == 200 and response.content == b""
    rows = kept(ui_hub)
    assert [(r.tenant_id, r.category, r.event_type, r.resource_id) for r in rows] == [
        (TENANT, "CONTACT", "UPDATE", "c0ffee00-0000-4000-8000-000000000001"),
        (TENANT, "CONTACT", "CREATE", "c0ffee00-0000-4000-8000-000000000002"),
    ]
    assert rows[0].processed_at is None and rows[0].event_date is not None and rows[0].received_at is not None


def test_a_wrongly_signed_event_is_refused_and_not_kept(client: TestClient, ui_hub: Hub) -> None:
    body = batch(contact_event())
    assert post(client, body, sign("not-the-key", body)).status_code == 401
    assert post(client, body, sign(DEMO_XERO_WEBHOOK_KEY, body + b" ")).status_code == 401
    assert kept(ui_hub) == []


def test_an_unknown_tenant_is_still_kept(client: TestClient, ui_hub: Hub) -> None:
    assert post(client, batch(contact_event(tenant="no-such-organisation"))).status_code == 200
    assert [r.tenant_id for r in kept(ui_hub)] == ["no-such-organisation"]
    assert webhooks.process(ui_hub).startswith("1 webhook events processed")
    assert kept(ui_hub)[0].outcome == webhooks.NO_COMPANY


@pytest.mark.parametrize(
    ("body", "expected_kept"),
    [
        (b"{this is not json", 0),
        (b"[]", 0),
        (b'{"events": "none"}', 0),
        (batch(contact_event(), {"eventCategory": "CONTACT"}, "junk"), 1),
    ],
    ids=["not-json", "a-list", "events-not-a-list", "some-events-malformed"],
)
def test_a_signed_malformed_body_gets_200_and_keeps_only_good_events(
    client: TestClient, ui_hub: Hub, caplog: pytest.LogCaptureFixture, body: bytes, expected_kept: int
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = post(client, body)
    assert response.status_code == 200  # Xero would only resend the same bytes, then disable the webhook
    assert len(kept(ui_hub)) == expected_kept
    assert "accepted with problems" in caplog.text
    assert sign(DEMO_XERO_WEBHOOK_KEY, body) not in caplog.text and DEMO_XERO_WEBHOOK_KEY not in caplog.text


def test_an_oversized_body_is_refused(client: TestClient, ui_hub: Hub) -> None:
    big = b'{"events": [], "pad": "' + b"x" * webhook_routes.MAX_BODY + b'"}'
    declared = post(client, big)
    assert declared.status_code == 413 and "1024 KB" in declared.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds while streaming
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = client.post(URL, content=chunks(), headers={"x-xero-signature": sign(DEMO_XERO_WEBHOOK_KEY, big)})
    assert streamed.status_code == 413
    assert kept(ui_hub) == []


def test_a_database_outage_is_503_so_xero_retries(
    client: TestClient, ui_hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    down = Hub(settings=ui_hub.settings, db=Database("postgresql+psycopg://hub:pw-secret@127.0.0.1:1/hub"))
    monkeypatch.setattr(webhook_routes, "get_hub", lambda: down)
    with caplog.at_level(logging.DEBUG):
        assert post(client, ITR).status_code == 200  # the intent-to-receive check needs no database
        response = post(client, batch(contact_event()))
    assert response.status_code == 503 and "retry later" in response.text
    assert "pw-secret" not in caplog.text and DEMO_XERO_WEBHOOK_KEY not in caplog.text


def test_a_stuck_database_is_answered_within_xeros_5_seconds(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(*_args: object, **_kwargs: object) -> webhooks.Outcome:
        time.sleep(2)
        return webhooks.Outcome(signed=True, recorded=1)

    monkeypatch.setattr(webhook_routes, "ANSWER_WITHIN_SECONDS", 0.3)
    monkeypatch.setattr(webhooks, "receive", stuck)
    started = time.monotonic()
    response = post(client, batch(contact_event()))
    assert response.status_code == 503 and time.monotonic() - started < 1.5


def test_an_unexpected_failure_is_503_never_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> webhooks.Outcome:
        raise RuntimeError("a bug")

    monkeypatch.setattr(webhooks, "receive", broken)
    assert post(client, batch(contact_event())).status_code == 503


def test_only_post_is_served(client: TestClient) -> None:
    assert client.get(URL).status_code == 405
