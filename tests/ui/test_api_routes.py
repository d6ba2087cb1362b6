"""The platform API over HTTP: keys, events, refusals with the field named, and the contacts changes feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import anyio
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.starlette import App

from core import clock
from core.auth import COMMAND_LINE
from core.hub import Hub
from core.models.platform import PlatformContact, PlatformEvent
from core.platform_api import keys as api_keys
from web import routes as web_routes
from web.api_routes import ROUTES

SUPPLIER = {"supplier_id": "sup-1", "name": "Fenland Flour Mill", "email": "orders@fenlandflour.example"}


@pytest.fixture
def client(ui_hub: Hub) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=ROUTES)) as test_client:
        yield test_client


@pytest.fixture
def key(ui_hub: Hub) -> str:
    with ui_hub.db.write() as session:
        return api_keys.create(session, COMMAND_LINE, "Platform production", company_id=None)[1]


def event(event_id: str, data: object = SUPPLIER, kind: str = "supplier.changed") -> dict:
    return {"event_id": event_id, "type": kind, "data": data}


def count(hub: Hub, model: type) -> int:
    """Rows these tests made (the demo seed's own platform contacts, ids P-…, are left out)."""
    from sqlalchemy import func, select

    query = select(func.count()).select_from(model)
    if model is PlatformContact:
        query = query.where(PlatformContact.platform_id.not_like("P-%"))
    with hub.db.read() as session:
        return session.scalar(query) or 0


def test_an_event_is_recorded_once(client: TestClient, key: str, ui_hub: Hub) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    first = client.post("/api/v1/companies/1/events", json=event("e-1"), headers=headers)
    assert first.status_code == 201 and first.json()["result"]["entity"] == "contact"
    again = client.post("/api/v1/companies/1/events", json=event("e-1"), headers=headers)
    assert again.status_code == 200 and again.json()["result"]["duplicate"] is True
    assert count(ui_hub, PlatformContact) == 1 and count(ui_hub, PlatformEvent) == 1


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "error", "field"),
    [
        ("/api/v1/companies/1/events", event("e"), {"Authorization": "Bearer hubk_wrong"}, 401, "unauthorised", None),
        ("/api/v1/companies/1/events", event("e"), {}, 401, "unauthorised", None),
        ("/api/v1/companies/999/events", event("e"), None, 404, "unknown_company", None),
        ("/api/v1/companies/x/events", event("e"), None, 404, "unknown_company", None),
        (
            "/api/v1/companies/1/events",
            {"type": "supplier.changed", "data": SUPPLIER},
            None,
            400,
            "invalid",
            "event_id",
        ),
        ("/api/v1/companies/1/events", event("e", {**SUPPLIER, "email": 7}), None, 400, "invalid", "data.email"),
        (
            "/api/v1/companies/1/events",
            event(
                "e",
                {
                    "document_id": "d",
                    "kind": "bill",
                    "number": "B1",
                    "contact_id": "sup-1",
                    "issue_date": "2026-11-01",
                    "lines": [
                        {"description": "Flour", "quantity": "2", "unit_amount": 5, "category": "c", "tax_rate": "t"}
                    ],
                },
                "document.issued",
            ),
            None,
            400,
            "invalid",
            "data.lines[0].quantity",
        ),
        ("/api/v1/companies/1/events", [1, 2], None, 400, "invalid", "body"),
    ],
    ids=[
        "bad-key",
        "no-key",
        "unknown-company",
        "non-numeric-company",
        "no-event-id",
        "wrong-type",
        "amount-as-string",
        "not-an-object",
    ],
)
def test_bad_requests_get_a_clear_4xx_and_record_nothing(
    client: TestClient,
    key: str,
    ui_hub: Hub,
    path: str,
    body: object,
    headers: dict | None,
    status: int,
    error: str,
    field: str | None,
) -> None:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"} if headers is None else headers)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json().get("field") == field
    assert response.json()["message"]
    assert count(ui_hub, PlatformEvent) == 0 and count(ui_hub, PlatformContact) == 0


def test_oversized_and_malformed_bodies(client: TestClient, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    big = client.post("/api/v1/companies/1/events", content=b"{" + b" " * 300_000 + b"}", headers=headers)
    assert big.status_code == 413 and big.json()["error"] == "too_large"
    broken = client.post("/api/v1/companies/1/events", content=b"{nope", headers=headers)
    assert broken.status_code == 400 and broken.json()["field"] == "body"


def pulled_chunks(key: str | None, chunks: int) -> tuple[int, int]:
    """POST a chunked body of `chunks` pieces of 64 KiB straight to the ASGI app; return the status and how many
    pieces the app pulled before answering."""
    app, pulled, status = Starlette(routes=ROUTES), [0], [0]

    async def receive() -> dict:
        pulled[0] += 1
        return {"type": "http.request", "body": b" " * 65_536, "more_body": pulled[0] < chunks}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    headers = [(b"content-type", b"application/json")]
    if key:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/companies/1/events", "raw_path": b"", "query_string": b"", "root_path": "",
             "headers": headers, "server": ("testserver", 80), "client": ("127.0.0.1", 1)}  # fmt: skip
    anyio.run(app, scope, receive, send)
    return status[0], pulled[0]


def test_a_body_is_never_read_without_a_live_key_and_a_chunked_one_stops_at_the_cap(ui_hub: Hub, key: str) -> None:
    assert pulled_chunks(None, 1024) == (401, 0)
    assert pulled_chunks("hubk_wrong", 1024) == (401, 0)
    status, pulled = pulled_chunks(key, 1024)  # 64 MiB, no length given
    assert status == 413 and pulled == 5  # given up just past the 256 KiB cap, not after buffering it all


@pytest.mark.parametrize(
    "body",
    [
        b'{"event_id": "n", "type": "payment.recorded", "data": {"amount": ' + b"9" * 5000 + b"}}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"event_id": "i", "type": "payment.recorded", "data": {"amount": Infinity}}',
        b'{"event_id": "i", "type": "payment.recorded", "data": {"amount": NaN}}',
    ],
    ids=["five-thousand-digits", "deeply-nested", "infinity", "nan"],
)
def test_malformed_numbers_and_nesting_are_a_json_400_naming_the_body(
    client: TestClient, key: str, ui_hub: Hub, body: bytes
) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    response = client.post("/api/v1/companies/1/events", content=body, headers=headers)
    assert response.status_code == 400 and response.json()["error"] == "invalid"
    assert response.json()["field"] == "body" and count(ui_hub, PlatformEvent) == 0


def test_a_reused_event_id_is_a_conflict(client: TestClient, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    client.post("/api/v1/companies/1/events", json=event("e-9"), headers=headers)
    clash = client.post("/api/v1/companies/1/events", json=event("e-9", {**SUPPLIER, "name": "Else"}), headers=headers)
    assert clash.status_code == 409 and clash.json()["error"] == "conflict"


def test_a_revoked_key_stops_working_at_once(client: TestClient, key: str, ui_hub: Hub) -> None:
    with ui_hub.db.write() as session:
        (row,) = api_keys.list_keys(session, COMMAND_LINE)
        api_keys.revoke(session, COMMAND_LINE, row.id)
    response = client.post("/api/v1/companies/1/events", json=event("e"), headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_the_contacts_changes_feed(client: TestClient, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    feed = client.get("/api/v1/companies/1/contacts/changes", headers=headers)
    assert feed.status_code == 200 and feed.json() == {"contacts": [], "cursor": None, "more": False}
    assert client.get("/api/v1/companies/1/contacts/changes?cursor=bad", headers=headers).json()["field"] == "cursor"
    assert client.get("/api/v1/companies/1/contacts/changes?limit=0", headers=headers).status_code == 400
    assert client.get("/api/v1/companies/1/contacts/changes").status_code == 401


def test_only_a_hash_of_the_key_is_stored(ui_hub: Hub, key: str) -> None:
    from sqlalchemy import select

    from core.models.platform import ApiKey

    with ui_hub.db.read() as session:
        row = session.scalar(select(ApiKey))
        assert row is not None and key not in (row.key_hash, row.prefix) and key.startswith(row.prefix)


def scoped_key(hub: Hub, *, company_id: int | None, write: bool = True, expires_in_days: int | None = None) -> str:
    expires = clock.now() + timedelta(days=expires_in_days) if expires_in_days is not None else None
    with hub.db.write() as session:
        return api_keys.create(session, COMMAND_LINE, "Scoped", company_id=company_id, write=write, expires_at=expires)[
            1
        ]


def test_a_key_for_one_company_reaches_only_that_company(client: TestClient, ui_hub: Hub) -> None:
    headers = {"Authorization": f"Bearer {scoped_key(ui_hub, company_id=1)}"}
    assert client.post("/api/v1/companies/1/events", json=event("s-1"), headers=headers).status_code == 201
    other = client.post("/api/v1/companies/2/events", json=event("s-2"), headers=headers)
    assert other.status_code == 403 and other.json()["error"] == "forbidden"
    assert "company 2" in other.json()["message"]
    assert client.get("/api/v1/companies/2/contacts/changes", headers=headers).status_code == 403
    assert client.get("/api/v1/companies/1/contacts/changes", headers=headers).status_code == 200
    assert count(ui_hub, PlatformEvent) == 1


def test_a_read_only_key_reads_the_feed_and_writes_nothing(client: TestClient, ui_hub: Hub) -> None:
    headers = {"Authorization": f"Bearer {scoped_key(ui_hub, company_id=None, write=False)}"}
    assert client.get("/api/v1/companies/1/contacts/changes", headers=headers).status_code == 200
    refused = client.post("/api/v1/companies/1/events", json=event("r-1"), headers=headers)
    assert refused.status_code == 403 and "read only" in refused.json()["message"]
    assert count(ui_hub, PlatformEvent) == 0


def test_an_expired_key_stops_working(client: TestClient, ui_hub: Hub) -> None:
    key = scoped_key(ui_hub, company_id=None, expires_in_days=1)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/companies/1/events", json=event("x-1"), headers=headers).status_code == 201
    clock.advance(timedelta(days=2))
    assert client.post("/api/v1/companies/1/events", json=event("x-2"), headers=headers).status_code == 401


def test_a_key_names_its_reach_when_it_is_made(ui_hub: Hub) -> None:
    with ui_hub.db.write() as session, pytest.raises(api_keys.ApiKeyError, match="no company"):
        api_keys.create(session, COMMAND_LINE, "Nowhere", company_id=999)
    with ui_hub.db.write() as session, pytest.raises(api_keys.ApiKeyError, match="in the past"):
        api_keys.create(session, COMMAND_LINE, "Old", company_id=None, expires_at=clock.now() - timedelta(days=1))


def test_the_openapi_document_is_served_without_a_key(client: TestClient) -> None:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json()["openapi"] == "3.1.0" and "/api/v1/companies/{company_id}/events" in answer.json()["paths"]


def test_in_the_running_app_nothing_under_api_v1_falls_through_to_the_pages(ui_hub: Hub) -> None:
    """The pages answer any other path with 200 and their HTML; under /api/v1 a platform gets JSON instead."""
    with TestClient(App("app.py", routes=web_routes.ROUTES)) as app:
        wrong_method = app.get("/api/v1/companies/1/events")
        assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")
        assert wrong_method.headers["allow"] == "POST"
        assert app.delete("/api/v1/companies/1/contacts/changes").json()["error"] == "method_not_allowed"
        for path in ("/api/v1/companies/1/event", "/api/v1", "/api/v1/"):
            nowhere = app.get(path)
            assert (nowhere.status_code, nowhere.json()["error"]) == (404, "not_found"), path
        assert app.get("/").status_code == 200 and "<html" in app.get("/").text.lower()  # the pages, as before
