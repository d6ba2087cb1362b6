"""Requests the platform API once answered with a 5xx on one database or both (or took, keeping a value its column
cannot hold): each now gets a JSON 4xx saying what is wrong, naming the field, and records nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.hub import Hub
from tests.integration.platform_api.drive import Records, digest
from web.routes import ROUTES

FLOUR = {"description": "Flour", "quantity": 1, "unit_amount": 5, "category": "c", "tax_rate": "t"}


@pytest.fixture
def client(served: tuple[Hub, Records]) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=ROUTES), raise_server_exceptions=True) as test_client:
        yield test_client


def document(records: Records, **line: object) -> dict[str, object]:
    return {
        "document_id": "D-new",
        "kind": "sales_invoice",
        "number": "INV-1",
        "contact_id": records.suppliers[0],
        "issue_date": "2026-11-02",
        "lines": [FLOUR | line],
    }


def event(kind: str, data: object) -> bytes:
    return json.dumps({"event_id": "e-1", "type": kind, "data": data}).encode()


LARGEST = 999_999_999_999.99
PAYMENT = {"payment_id": "p", "document_id": "D-0", "date": "2026-11-02"}
SURROGATE_NAME = b'{"event_id": "e-1", "type": "supplier.changed", "data": {"supplier_id": "n", "name": "\\ud800"}}'
SURROGATE_FIELD = b'{"event_id": "e-1", "type": "supplier.changed", "data": {"\\ud800": 1}}'

# What each got before, on SQLite / PostgreSQL.
BODIES: dict[str, tuple[Callable[[Records], bytes], str]] = {
    # 500 / 500: decimal.InvalidOperation, quantize cannot hold 1e27 to the cent.
    "amount-1e27": (lambda r: event("payment.recorded", PAYMENT | {"amount": 1e27}), "data.amount"),
    # 503 / 503: is_customer is NOT NULL, an IntegrityError twice.
    "is-customer-null": (
        lambda r: event("supplier.changed", {"supplier_id": r.suppliers[0], "is_customer": None}),
        "data.is_customer",
    ),
    # 201 (kept) / 503: PostgreSQL keeps no NUL in text.
    "nul-in-text": (lambda r: event("supplier.changed", {"supplier_id": "n", "name": "Nul\x00Ltd"}), "data.name"),
    # 201 (a total of 999999999999980000000000.00 kept in a numeric(14, 2)) / 503: PostgreSQL's column overflows.
    "line-too-large": (
        lambda r: event("document.issued", document(r, quantity=LARGEST, unit_amount=LARGEST)),
        "data.lines[0]",
    ),
    "total-too-large": (
        lambda r: event(
            "document.issued", document(r, unit_amount=LARGEST) | {"lines": [FLOUR | {"unit_amount": LARGEST}] * 2}
        ),
        "data.lines",
    ),
    # 500 / 500: no database keeps an unpaired surrogate (UnicodeEncodeError).
    "surrogate-in-text": (lambda r: SURROGATE_NAME, "data.name"),
    # 500 / 500: the refusal quoted the field's name, and JSON written with ensure_ascii=False cannot encode it.
    "surrogate-in-field-name": (lambda r: SURROGATE_FIELD, "data.\ud800"),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_values_no_database_keeps_are_refused_naming_the_field(
    client: TestClient, served: tuple[Hub, Records], name: str
) -> None:
    hub, records = served
    body, field = BODIES[name]
    with hub.db.read() as session:
        before = digest(session)
    response = client.post(
        f"/api/v1/companies/{records.company_id}/events",
        content=body(records),
        headers={"Authorization": f"Bearer {records.key}", "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (400, "invalid", field)
    assert response.content.isascii()  # whatever the request held, the answer encodes
    with hub.db.read() as session:
        assert digest(session) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=2026-01-01T00:00:00_5", "cursor"),  # no UTC offset: the UTC column refused it (500 / 500)
        ("cursor=2026-01-01T00:00:00%2B00:00_99999999999999999999", "cursor"),  # past the ids kept (500 / 503)
        ("cursor=0001-01-01T00:00:00%2B05:00_1", "cursor"),  # before year 1 in UTC: OverflowError (500 / 500)
        ("limit=%C2%B2", "limit"),  # "²" is a digit to str.isdigit, not to int() (500 / 500)
    ],
    ids=["cursor-without-offset", "cursor-id-too-large", "cursor-before-year-one", "limit-superscript-two"],
)
def test_a_feed_query_it_cannot_read_is_a_400_naming_it(
    client: TestClient, served: tuple[Hub, Records], query: str, field: str
) -> None:
    _, records = served
    response = client.get(
        f"/api/v1/companies/{records.company_id}/contacts/changes?{query}",
        headers={"Authorization": f"Bearer {records.key}"},
    )
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (400, "invalid", field)


@pytest.mark.parametrize(
    "company",  # "²" 500 / 500, a 20-digit id 500 / 503, zero 404 as ever
    ["%C2%B2", "99999999999999999999", "0"],
    ids=["superscript-two", "past-the-id-column", "zero"],
)
def test_a_company_id_that_cannot_be_one_is_a_json_404(
    client: TestClient, served: tuple[Hub, Records], company: str
) -> None:
    _, records = served
    auth = {"Authorization": f"Bearer {records.key}"}
    for response in (
        client.post(f"/api/v1/companies/{company}/events", content=event("document.voided", {}), headers=auth),
        client.get(f"/api/v1/companies/{company}/contacts/changes", headers=auth),
    ):
        assert (response.status_code, response.json()["error"]) == (404, "unknown_company")
