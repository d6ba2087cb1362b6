"""Every implemented Accounting API operation with hostile values in each of its parameters, headers, path keys and
body fields (JSON and XML, answered in JSON and in XML): Xero answers a 400 ValidationException (or 404 for an
unknown key), never a 5xx."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from tests.sandbox.conftest import Simulator

BIG = "420947247065654755328"
HOSTILE: list[str] = [
    BIG,
    "-" + BIG,
    "2147483648",
    "-1",
    "0",
    "1.5",
    "1e9",
    "",
    " ",
    "NaN",
    "null",
    "true",
    "'",
    '"',
    "\\",
    "\x00",
    "\u00e9\u00e8",
    "\U0001f4a5",
    "A" * 5000,
    "(" * 3000 + 'Name=="x"' + ")" * 3000,
    'Name=="\\x"',
    'Name=="\\u12"',
    "Date>=DateTime(" + BIG + ",1,1)",
    "Date>=DateTime(2024,13,45)",
    "Date>=DateTime()",
    'Contact.ContactID==Guid("zzz")',
    'Guid("' + "0" * 36 + '")==Name',
    "Name.Contains(1)",
    "Name.Contains()",
    "Name==",
    "AND",
    "Name DESC DESC",
    "Name ASC,",
    "..",
    "a.b.c.d.e.f",
    "00000000-0000-0000-0000-000000000000",
    "0" * 32,
    "{00000000-0000-0000-0000-000000000000}",
    ",,,",
    ",".join(["00000000-0000-0000-0000-000000000000"] * 300),
    ",".join(["A"] * 2000),
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "0000-00-00",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 99 Foo 2024 25:61:61 GMT",
    "/Date(" + BIG + ")/",
    "/Date(-" + BIG + "+9999)/",
]
LIST_QUERY = ("page", "pageSize", "where", "order", "IDs", "ContactIDs", "InvoiceNumbers", "Statuses",
              "includeArchived", "summaryOnly", "searchTerm", "unitdp", "createdByMyApp")  # fmt: skip
WRITE_QUERY = ("summarizeErrors", "unitdp")
HEADERS = ("If-Modified-Since", "Idempotency-Key")
KEYS = [BIG, "x" * 2000, "..", "%00", "%FF%FE", "%ED%A0%80", "\U0001f4a5", "' OR 1=1 --", "0" * 32,
        "00000000-0000-0000-0000-0"]  # fmt: skip


class Books:
    """Ids of one of each record of the demo organisation, and a valid write body for each write."""

    def __init__(self, api: httpx.Client) -> None:
        def first(collection: str, key: str, **params: Any) -> str:
            return api.get(f"/{collection}", params=params).json()[collection][0][key]

        contact = first("Contacts", "ContactID")
        line = {"Description": "Rye", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}
        document = {"Contact": {"ContactID": contact}, "Date": "2024-05-01", "LineItems": [line]}
        credit = {"Type": "ACCRECCREDIT", "Status": "AUTHORISED", **document}
        created = api.put("/CreditNotes", json={"CreditNotes": [credit]})
        assert created.status_code == 200, created.text
        self.ids = {
            "contact": contact,
            "group": first("ContactGroups", "ContactGroupID"),
            "account": first("Accounts", "AccountID"),
            "tax": first("TaxRates", "TaxType"),
            "invoice": first("Invoices", "InvoiceID", Statuses="AUTHORISED"),
            "credit": created.json()["CreditNotes"][0]["CreditNoteID"],
            "payment": first("Payments", "PaymentID"),
        }
        self.bodies: dict[str, dict[str, Any]] = {
            "Contacts": {"Name": "Hostile Mill", "EmailAddress": "a@b.example", "Phones": [{"PhoneType": "MOBILE"}]},
            "ContactGroups": {"Name": "Hostile group"},
            "Invoices": {"Type": "ACCREC", "Status": "DRAFT", **document},
            "CreditNotes": {"Type": "ACCRECCREDIT", "Status": "DRAFT", **document},
            "Payments": {"Invoice": {"InvoiceID": self.ids["invoice"]}, "Account": {"Code": "090"}, "Amount": 1},
            "Allocations": {"Invoice": {"InvoiceID": self.ids["invoice"]}, "Amount": 1, "Date": "2024-05-01"},
        }


# (method, path with {placeholders}, query parameters read, the plural a body carries or None)
OPERATIONS = [
    ("GET", "/Organisation", (), None),
    ("GET", "/Accounts", ("where", "order"), None),
    ("GET", "/Accounts/{account}", (), None),
    ("GET", "/TaxRates", ("where", "order"), None),
    ("GET", "/TaxRates/{tax}", (), None),
    ("GET", "/Currencies", ("where", "order"), None),
    ("GET", "/ContactGroups", ("where", "order"), None),
    ("GET", "/ContactGroups/{group}", (), None),
    ("GET", "/Contacts", LIST_QUERY, None),
    ("GET", "/Contacts/{contact}", (), None),
    ("GET", "/Invoices", LIST_QUERY, None),
    ("GET", "/Invoices/{invoice}", ("unitdp",), None),
    ("GET", "/CreditNotes", LIST_QUERY, None),
    ("GET", "/CreditNotes/{credit}", ("unitdp",), None),
    ("GET", "/Payments", LIST_QUERY, None),
    ("GET", "/Payments/{payment}", (), None),
    ("PUT", "/Contacts", WRITE_QUERY, "Contacts"),
    ("POST", "/Contacts", WRITE_QUERY, "Contacts"),
    ("POST", "/Contacts/{contact}", WRITE_QUERY, "Contacts"),
    ("PUT", "/ContactGroups", WRITE_QUERY, "ContactGroups"),
    ("PUT", "/ContactGroups/{group}/Contacts", (), "Contacts"),
    ("DELETE", "/ContactGroups/{group}/Contacts", (), None),
    ("DELETE", "/ContactGroups/{group}/Contacts/{contact}", (), None),
    ("PUT", "/Invoices", WRITE_QUERY, "Invoices"),
    ("POST", "/Invoices", WRITE_QUERY, "Invoices"),
    ("POST", "/Invoices/{invoice}", WRITE_QUERY, "Invoices"),
    ("PUT", "/CreditNotes", WRITE_QUERY, "CreditNotes"),
    ("POST", "/CreditNotes/{credit}", WRITE_QUERY, "CreditNotes"),
    ("PUT", "/CreditNotes/{credit}/Allocations", (), "Allocations"),
    ("PUT", "/Payments", WRITE_QUERY, "Payments"),
    ("POST", "/Payments/{payment}", (), "Payments"),
]
JSON_VALUES: list[Any] = [None, True, -1, 10**30, 1e308, -1e308, "x" * 5000, "", [], {}, [[[[]]]], {"a": {"b": {}}},
                          "NaN", "9999-99-99", "/Date(" + BIG + ")/", "/Date(999999999999999+9999)/",
                          "\U0001f4a5", "\ud800", [None], [{"x": 1}]]  # fmt: skip
RAW_BODIES = [b"", b"null", b"[]", b"NaN", b"Infinity", b'{"a": NaN}', b"[" * 100_000, b'{"Contacts": [' * 20_000,
              b"\xff\xfe", b'"\\ud800"', b"1" * 5000, b'{"Contacts": [1e999]}']  # fmt: skip


XML_BODIES = [b"<x/>", b"<Contact><Name><b>x</b></Name></Contact>", b"<Invoice><LineItems>text</LineItems></Invoice>",
              b"<Invoice><LineItems><LineItem><Quantity>" + b"9" * 60 + b"</Quantity></LineItem></LineItems></Invoice>",
              b'<Contact xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>',
              b"<?xml version='1.0' encoding='latin-1'?><Contact><Name>\xe9</Name></Contact>",
              b"<Payment><Amount>1e999</Amount><Date>0000-00-00T00:00:00</Date></Payment>",
              b"<Contacts>text</Contacts>",
              b"<ContactGroups><ContactGroup /></ContactGroups>", b"<Allocation><Invoice /></Allocation>",
              b"<Contacts><Contact><Phones><Phone><Phone /></Phone></Phones></Contact></Contacts>"]  # fmt: skip


def _allowed(response: httpx.Response) -> bool:
    if response.status_code >= 500:
        return False
    if response.status_code == 400 and response.headers.get("content-type", "").startswith("text/xml"):
        return ElementTree.fromstring(response.content).findtext("Type") == "ValidationException"
    if response.status_code == 400:
        return response.json().get("Type") == "ValidationException"
    return True


def _base(books: Books, path: str, plural: str) -> dict[str, Any]:
    if path.startswith("/ContactGroups/"):
        return {"ContactID": books.ids["contact"]}
    if path == "/Payments/{payment}":
        return {"Status": "DELETED"}
    return books.bodies[plural]


def _body(base: dict[str, Any], plural: str, field: str | None, value: Any, *, line: bool = False) -> dict[str, Any]:
    item = dict(base)
    if field is not None and line:
        item["LineItems"] = [{**item["LineItems"][0], field: value}]
    elif field is not None:
        item[field] = value
    return {plural: [item]}


@pytest.mark.parametrize(
    ("method", "path", "query", "plural"), OPERATIONS, ids=[f"{m} {p}" for m, p, _, _ in OPERATIONS]
)
def test_no_hostile_value_gets_a_server_error(
    sim: Simulator, method: str, path: str, query: tuple[str, ...], plural: str | None
) -> None:
    sim.control("POST", "/limits", concurrent=50, minute=1_000_000, day=10_000_000, appMinute=10_000_000)
    api = sim.api(sim.connect()["access_token"])
    books = Books(api)
    target = path.format(**books.ids)
    base = _base(books, path, plural) if plural else {}
    valid = _body(base, plural, None, None) if plural else None
    failures: list[str] = []

    def send(url: str, label: str, **kwargs: Any) -> None:
        if valid is not None and "content" not in kwargs and "json" not in kwargs:
            kwargs["json"] = valid
        if "json" in kwargs:  # encoded here, so that lone surrogates go out as \ud800 escapes
            kwargs["content"] = json.dumps(kwargs.pop("json")).encode()
            kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
        try:
            response = api.request(method, url, **kwargs)
        except httpx.HTTPError as exc:  # a dropped connection is as bad as a 500
            failures.append(f"{label}: {exc!r}")
            return
        if not _allowed(response):
            failures.append(f"{label}: {response.status_code} {response.text[:160]!r}")

    for name in query:
        for value in HOSTILE:
            send(target, f"?{name}={value[:40]!r}", params={name: value})
            send(target, f"XML ?{name}={value[:40]!r}", params={name: value}, headers={"Accept": "*/*"})
    for name in HEADERS:
        for value in HOSTILE:
            if value.isprintable() and value.isascii() and value == value.strip():  # httpx sends no other
                send(target, f"{name}: {value[:40]!r}", headers={name: value})
    for placeholder in ("{" + k + "}" for k in books.ids):
        if placeholder in path:
            for key in KEYS:
                send(path.format(**{**books.ids, placeholder[1:-1]: key}), f"key {key[:40]!r}")
    if plural:
        fields = list(base)
        for field in fields:
            for value in JSON_VALUES:
                send(target, f"{field}={json.dumps(value)[:40]}", json=_body(base, plural, field, value))
                xml = {"Accept": "application/xml"}
                send(
                    target, f"XML {field}={json.dumps(value)[:40]}", json=_body(base, plural, field, value), headers=xml
                )
        if "LineItems" in fields:
            for field in ("Quantity", "UnitAmount", "AccountCode", "TaxType", "DiscountRate", "Tracking"):
                for value in JSON_VALUES:
                    body = _body(base, plural, field, value, line=True)
                    send(target, f"line {field}={json.dumps(value)[:40]}", json=body)
        for raw in RAW_BODIES:
            send(target, f"body {raw[:40]!r}", content=raw, headers={"Content-Type": "application/json"})
        for raw in XML_BODIES:
            xml = {"Content-Type": "application/xml", "Accept": "application/xml"}
            send(target, f"XML body {raw[:40]!r}", content=raw, headers=xml)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:40])
