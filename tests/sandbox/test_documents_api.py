"""Invoices, credit notes, allocations and payments over real HTTP, every answer checked against strict Xero OpenAPI."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from demodata import orgs as seed
from sandbox import loader, records
from sandbox.documents import contacts as document_contacts
from sandbox.documents import writes
from sandbox.documents.calc import Books
from sandbox.documents.seed import seed_documents
from sandbox.documents.spec import INVOICE
from sandbox.store import Store
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator, ms_of
from tests.sandbox.openapi_strict import check_accounting, checked

# Harbour Bakery's chart (GB): 090 bank, 200 sales (OUTPUT2, 20%), 310 cost of sales (INPUT2), 400 advertising,
# 455 archived, 615 a clearing account with payments enabled; TAX001 = VAT 20% + Sugar Levy 2.5%; TAX003 deleted.


@pytest.fixture
def api(sim: Simulator) -> httpx.Client:
    return sim.api(sim.connect()["access_token"])


def ok(response: httpx.Response, plural: str) -> list[dict]:
    assert response.status_code == 200, response.text
    return checked(response)[plural]


def refused(response: httpx.Response) -> list[str]:
    """The messages of a 400 ValidationException (schema-checked)."""
    assert response.status_code == 400, response.text
    body = checked(response)
    assert body["Type"] == "ValidationException"
    return [e["Message"] for element in body["Elements"] for e in element["ValidationErrors"]]


class Org:
    """Contacts of the demo organisation the tests raise documents for."""

    def __init__(self, api: httpx.Client) -> None:
        everyone = api.get("/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
        active = [c for c in everyone if c["ContactStatus"] == "ACTIVE"]
        self.customer = next(c for c in active if c["IsCustomer"])
        self.other_customer = next(c for c in active if c["IsCustomer"] and c is not self.customer)
        self.supplier = next(c for c in active if c["IsSupplier"] and not c["IsCustomer"])
        self.nobody = [c for c in active if not c["IsSupplier"] and not c["IsCustomer"]]
        self.archived = next(c for c in everyone if c["ContactStatus"] == "ARCHIVED")


@pytest.fixture
def org(api: httpx.Client) -> Org:
    return Org(api)


def line(amount: float = 100.0, **extra: Any) -> dict:
    return {"Description": "Sourdough loaves", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200"} | extra


def sale(contact: dict, *lines: dict, **fields: Any) -> dict:
    body = {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2024-05-01"}
    return body | {"DueDate": "2024-05-31", "LineItems": list(lines) or [line()], "Status": "AUTHORISED"} | fields


def bill(contact: dict, amount: float = 50.0, **fields: Any) -> dict:
    lines = [{"Description": "Flour", "Quantity": 2, "UnitAmount": amount / 2, "AccountCode": "310"}]
    body = {"Type": "ACCPAY", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2024-05-01"}
    return body | {"DueDate": "2024-05-31", "LineItems": lines, "Status": "AUTHORISED"} | fields


def create(api: httpx.Client, *invoices: dict, path: str = "/Invoices", plural: str = "Invoices") -> list[dict]:
    return ok(api.put(path, json={plural: list(invoices)}), plural)


def pay(api: httpx.Client, invoice: dict, amount: float, code: str = "090", **extra: Any) -> httpx.Response:
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": code}, "Date": "2024-05-10"}
    return api.put("/Payments", json={"Payments": [payment | {"Amount": amount} | extra]})


def get_invoice(api: httpx.Client, key: str) -> dict:
    return ok(api.get(f"/Invoices/{key}"), "Invoices")[0]


TOTALS = [
    # (LineAmountTypes, lines, (SubTotal, TotalTax, Total), [(LineAmount, TaxAmount) per line])
    ("Exclusive", [line(10.0, Quantity=3)], (30.0, 6.0, 36.0), [(30.0, 6.0)]),
    ("Inclusive", [line(120.0)], (100.0, 20.0, 120.0), [(120.0, 20.0)]),
    ("NoTax", [line(50.0, Quantity=2)], (100.0, 0.0, 100.0), [(100.0, 0.0)]),
    ("Exclusive", [line(25.0, Quantity=4, DiscountRate=10)], (90.0, 18.0, 108.0), [(90.0, 18.0)]),
    ("Exclusive", [line(100.0, TaxType="TAX001")], (100.0, 22.5, 122.5), [(100.0, 22.5)]),
    ("Inclusive", [line(122.5, TaxType="TAX001")], (100.0, 22.5, 122.5), [(122.5, 22.5)]),
    ("Exclusive", [line(3.33, Quantity=3)], (9.99, 2.0, 11.99), [(9.99, 2.0)]),
    ("Exclusive", [line(0.05), line(0.05)], (0.1, 0.02, 0.12), [(0.05, 0.01), (0.05, 0.01)]),
    ("Exclusive", [{"Description": "Delivery", "LineAmount": 12.5, "AccountCode": "200"}], (12.5, 2.5, 15.0),
     [(12.5, 2.5)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("amounts", "lines", "totals", "per_line"),
    TOTALS,
    ids=["exclusive", "inclusive", "no-tax", "discount", "multi-component", "multi-inclusive", "rounding",
         "per-line-rounding", "line-amount-only"],
)  # fmt: skip
def test_totals(api: httpx.Client, org: Org, amounts: str, lines: list, totals: tuple, per_line: list) -> None:
    created = create(api, sale(org.customer, *lines, LineAmountTypes=amounts))[0]
    assert (created["SubTotal"], created["TotalTax"], created["Total"]) == totals
    assert [(li["LineAmount"], li["TaxAmount"]) for li in created["LineItems"]] == per_line
    assert created["AmountDue"] == totals[2] and created["AmountPaid"] == 0 and created["AmountCredited"] == 0
    assert created["IsDiscounted"] is any("DiscountRate" in li for li in lines)
    assert created["InvoiceNumber"].startswith("INV-") and created["CurrencyCode"] == "GBP"
    assert created["CurrencyRate"] == 1.0 and created["Status"] == "AUTHORISED"
    assert created["DateString"] == "2024-05-01T00:00:00" and created["DueDateString"] == "2024-05-31T00:00:00"
    assert created["Date"] == "/Date(1714521600000+0000)/"
    again = get_invoice(api, created["InvoiceID"])
    assert again["Total"] == totals[2] and again["LineItems"] == created["LineItems"]
    assert get_invoice(api, created["InvoiceNumber"])["InvoiceID"] == created["InvoiceID"]


BAD = [
    ("no-contact-id", lambda o: sale(o.customer) | {"Contact": {}},
     "must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber"),
    ("archived-contact", lambda o: sale(o.archived),
     "has been archived. The contact must be un-archived before creating new invoices or credit notes."),
    ("unknown-contact", lambda o: sale(o.customer) | {"Contact": {"ContactID": "00000000-0000-4000-8000-000000000000"}},
     "An existing Contact with the specified ContactID could not be found"),
    ("unknown-account", lambda o: sale(o.customer, line(AccountCode="999")),
     "Account code '999' is not a valid code for this document."),
    ("archived-account", lambda o: sale(o.customer, line(AccountCode="455")),
     "Account code '455' has been archived, or has been deleted."),
    ("bank-account-on-line", lambda o: sale(o.customer, line(AccountCode="090")), "is not a valid code"),
    ("unknown-tax", lambda o: sale(o.customer, line(TaxType="BOGUS")), "The TaxType code 'BOGUS' does not exist"),
    ("deleted-tax", lambda o: sale(o.customer, line(TaxType="TAX003")), "has been deleted or archived"),
    ("bill-discount", lambda o: bill(o.supplier) | {"LineItems": [line(DiscountRate=5, AccountCode="310")]},
     "Discounts can only be applied"),
    ("no-type", lambda o: {k: v for k, v in sale(o.customer).items() if k != "Type"}, "Type must be ACCREC or ACCPAY"),
    ("paid-on-create", lambda o: sale(o.customer, Status="PAID"), "must be DRAFT, SUBMITTED or AUTHORISED"),
    ("unknown-field", lambda o: sale(o.customer) | {"Colour": "red"}, "'Colour' is not a field"),
    ("unknown-line-field", lambda o: sale(o.customer, line(Colour="red")), "'Colour' is not a field of a line item"),
    ("bad-date", lambda o: sale(o.customer, Date="31/05/2024"), "Date must be a date"),
    ("bad-amount-types", lambda o: sale(o.customer, LineAmountTypes="Gross"), "LineAmountTypes must be"),
    ("lines-not-a-list", lambda o: sale(o.customer) | {"LineItems": "bread"}, "LineItems must be a list"),
    ("quantity-not-number", lambda o: sale(o.customer, line(Quantity="lots")), "Quantity must be a number"),
    ("approved-without-account", lambda o: sale(o.customer, {"Description": "x", "UnitAmount": 5}),
     "needs an account code"),
    ("negative-total", lambda o: sale(o.customer, line(-5.0)), "cannot be negative"),
    ("line-amount-mismatch", lambda o: sale(o.customer, line(10.0, LineAmount=99)), "does not equal the quantity"),
    ("id-on-put", lambda o: sale(o.customer) | {"InvoiceID": "00000000-0000-4000-8000-000000000000"},
     "InvoiceID cannot be given when creating"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_invoices_are_refused_in_xeros_shape(api: httpx.Client, org: Org, build: Any, message: str) -> None:
    messages = refused(api.put("/Invoices", json={"Invoices": [build(org)]}))
    assert any(message in m for m in messages), messages


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "text"),
    [
        ("GET", "/Invoices", {"params": {"IDs": "nope"}}, 400, "not a valid GUID"),
        ("GET", "/Invoices", {"params": {"ContactIDs": "nope"}}, 400, "not a valid GUID"),
        ("GET", "/Invoices", {"params": {"where": 'Status=="'}}, 400, "could not be read"),
        ("GET", "/Invoices", {"params": {"unitdp": "3"}}, 400, "unitdp"),
        ("GET", "/Invoices/INV-9999", {}, 404, "cannot be found"),
        ("GET", "/Payments/00000000-0000-4000-8000-000000000000", {}, 404, "cannot be found"),
        ("POST", "/Invoices/00000000-0000-4000-8000-000000000000", {"json": {"Invoices": [{"Reference": "x"}]}}, 404,
         "cannot be found"),
        ("PUT", "/Invoices", {"content": b"{nope"}, 400, "not valid JSON"),
        ("PUT", "/Payments", {"json": {"Payments": [{"Amount": 5}]}}, 400, "must be applied to an Invoice"),
        ("PUT", "/CreditNotes/00000000-0000-4000-8000-000000000000/Allocations",
         {"json": {"Allocations": [{"Invoice": {"InvoiceID": "00000000-0000-4000-8000-000000000000"}, "Amount": 1}]}},
         404, "cannot be found"),
    ],
    ids=["bad-ids", "bad-contact-ids", "bad-where", "bad-unitdp", "unknown-number", "unknown-payment",
         "update-unknown", "bad-json", "payment-without-document", "allocate-unknown-credit-note"],
)  # fmt: skip
def test_bad_requests(api: httpx.Client, method: str, path: str, kwargs: dict, status: int, text: str) -> None:
    response = api.request(method, path, **kwargs)
    assert response.status_code == status and text in response.text, response.text
    if status == 400 and method != "GET":  # Xero's spec declares no 400 for its GET operations
        checked(response)


def post(api: httpx.Client, document: dict, path: str = "/Invoices", **fields: Any) -> httpx.Response:
    key = document.get("InvoiceID") or document["CreditNoteID"]
    return api.post(f"{path}/{key}", json={path.strip("/"): [fields]})


def test_sales_numbers_are_unique_and_generated_bill_numbers_are_free(api: httpx.Client, org: Org) -> None:
    first = create(api, sale(org.customer, InvoiceNumber="HB-1001"))[0]
    assert first["InvoiceNumber"] == "HB-1001"
    assert refused(api.put("/Invoices", json={"Invoices": [sale(org.other_customer, InvoiceNumber="HB-1001")]})) == [
        "Invoice # must be unique."
    ]
    bills = create(api, bill(org.supplier, InvoiceNumber="SUP-77"), bill(org.supplier, InvoiceNumber="SUP-77"))
    assert [b["InvoiceNumber"] for b in bills] == ["SUP-77", "SUP-77"] and bills[0]["InvoiceID"] != bills[1][
        "InvoiceID"
    ]
    auto = [int(i["InvoiceNumber"].removeprefix("INV-")) for i in create(api, sale(org.customer), sale(org.customer))]
    assert auto[1] == auto[0] + 1
    create(api, sale(org.customer, InvoiceNumber=f"INV-{auto[1] + 10:04d}"))
    assert create(api, sale(org.customer))[0]["InvoiceNumber"] == f"INV-{auto[1] + 11:04d}"
    updated = ok(api.post("/Invoices", json={"Invoices": [{"InvoiceNumber": "HB-1001", "Reference": "by number"}]}),
                 "Invoices")[0]  # fmt: skip
    assert updated["InvoiceID"] == first["InvoiceID"] and updated["Reference"] == "by number"


def test_summarize_errors_false_answers_each_element_and_the_default_undoes_the_batch(
    api: httpx.Client, org: Org
) -> None:
    bad = sale(org.archived, Reference="batch-bad")
    mixed = ok(api.put("/Invoices", params={"summarizeErrors": "false"},
                       json={"Invoices": [sale(org.customer, Reference="batch-good"), bad]}), "Invoices")  # fmt: skip
    assert [r["StatusAttributeString"] for r in mixed] == ["OK", "ERROR"]
    assert mixed[1]["HasErrors"] is True and "has been archived" in mixed[1]["ValidationErrors"][0]["Message"]
    assert refused(api.put("/Invoices", json={"Invoices": [sale(org.customer, Reference="batch-two"), bad]}))
    for reference, count in (("batch-good", 1), ("batch-two", 0), ("batch-bad", 0)):
        found = ok(api.get("/Invoices", params={"where": f'Reference=="{reference}"'}), "Invoices")
        assert len(found) == count, reference


def test_idempotency_key_replays_the_first_answer(api: httpx.Client, org: Org) -> None:
    body, key = {"Invoices": [sale(org.customer, Reference="idem-1")]}, {"Idempotency-Key": "invoice-idem-1"}
    first, again = api.put("/Invoices", json=body, headers=key), api.put("/Invoices", json=body, headers=key)
    assert ok(first, "Invoices")[0]["InvoiceID"] == ok(again, "Invoices")[0]["InvoiceID"]
    assert len(api.get("/Invoices", params={"where": 'Reference=="idem-1"'}).json()["Invoices"]) == 1
    other = api.put("/Invoices", json={"Invoices": [sale(org.customer, Reference="idem-2")]}, headers=key)
    assert other.status_code == 400 and "different request" in other.text


def test_status_rules(api: httpx.Client, org: Org) -> None:
    draft = create(api, sale(org.customer, Status="DRAFT"))[0]
    assert ok(post(api, draft, Status="SUBMITTED"), "Invoices")[0]["Status"] == "SUBMITTED"
    assert ok(post(api, draft, Status="AUTHORISED"), "Invoices")[0]["Status"] == "AUTHORISED"
    assert "cannot go back to DRAFT" in refused(post(api, draft, Status="DRAFT"))[0]
    assert "Only DRAFT or SUBMITTED" in refused(post(api, draft, Status="DELETED"))[0]
    assert "cannot be set" in refused(post(api, draft, Status="PAID"))[0]
    voided = ok(post(api, draft, Status="VOIDED"), "Invoices")[0]
    assert voided["Status"] == "VOIDED" and voided["AmountDue"] == 0
    assert refused(post(api, draft, Reference="too late")) == ["Invoice not of valid status for modification"]

    doomed = create(api, sale(org.customer, Status="SUBMITTED"))[0]
    assert "Only approved" in refused(post(api, doomed, Status="VOIDED"))[0]
    assert ok(post(api, doomed, Status="DELETED"), "Invoices")[0]["Status"] == "DELETED"
    assert refused(post(api, doomed, Status="AUTHORISED")) == ["Invoice not of valid status for modification"]

    part_paid = create(api, sale(org.customer))[0]
    ok(pay(api, part_paid, 10.0), "Payments")
    assert (
        "cannot be applied to the invoice because it has payments" in refused(post(api, part_paid, Status="VOIDED"))[0]
    )
    assert "cannot be edited as it has a payment" in refused(post(api, part_paid, LineItems=[line(5.0)]))[0]


def test_edits_recompute_and_due_date_edits_on_part_paid_documents_do_not_move_updated_date(
    api: httpx.Client, org: Org
) -> None:
    draft = create(api, sale(org.customer, line(10.0), Status="DRAFT"))[0]
    kept_line = draft["LineItems"][0]["LineItemID"]
    edited = ok(post(api, draft, LineAmountTypes="Inclusive"), "Invoices")[0]
    assert (edited["SubTotal"], edited["TotalTax"], edited["Total"]) == (8.33, 1.67, 10.0)
    assert edited["LineItems"][0]["LineItemID"] == kept_line
    relined = ok(post(api, draft, LineItems=[line(20.0, LineItemID=kept_line), line(5.0)]), "Invoices")[0]
    assert relined["Total"] == 25.0 and relined["LineItems"][0]["LineItemID"] == kept_line
    approved = ok(post(api, draft, Status="AUTHORISED"), "Invoices")[0]
    ok(pay(api, approved, 5.0), "Payments")
    paid_once = get_invoice(api, draft["InvoiceID"])
    moved = ok(post(api, draft, DueDate="2024-07-01"), "Invoices")[0]
    assert moved["DueDateString"] == "2024-07-01T00:00:00" and moved["UpdatedDateUTC"] == paid_once["UpdatedDateUTC"]
    referenced = ok(post(api, draft, Reference="PO 7"), "Invoices")[0]
    assert ms_of(referenced["UpdatedDateUTC"]) > ms_of(paid_once["UpdatedDateUTC"])


def test_unitdp_keeps_four_decimal_places(api: httpx.Client, org: Org) -> None:
    body = {"Invoices": [sale(org.customer, line(1.23456, Quantity=10))]}
    created = ok(api.put("/Invoices", params={"unitdp": "4"}, json=body), "Invoices")[0]
    assert created["LineItems"][0]["UnitAmount"] == 1.2346 and created["SubTotal"] == 12.35
    assert get_invoice(api, created["InvoiceID"])["LineItems"][0]["UnitAmount"] == 1.23
    four = ok(api.get(f"/Invoices/{created['InvoiceID']}", params={"unitdp": "4"}), "Invoices")[0]
    assert four["LineItems"][0]["UnitAmount"] == 1.2346
    rounded = create(api, sale(org.customer, line(1.23456, Quantity=10)))[0]
    assert rounded["LineItems"][0]["UnitAmount"] == 1.23 and rounded["SubTotal"] == 12.3


def test_a_new_contact_name_creates_the_contact(api: httpx.Client, org: Org) -> None:
    created = create(api, sale(org.customer) | {"Contact": {"Name": "Tideway Oyster Bar"}})[0]
    contact = ok(api.get(f"/Contacts/{created['Contact']['ContactID']}"), "Contacts")[0]
    assert contact["Name"] == "Tideway Oyster Bar" and contact["IsCustomer"] is True
    by_name = create(api, sale(org.customer) | {"Contact": {"Name": org.customer["Name"].upper()}})[0]
    assert by_name["Contact"]["ContactID"] == org.customer["ContactID"]
    failed = sale(org.customer, line(AccountCode="999")) | {"Contact": {"Name": "Never Created Ltd"}}
    answer = ok(api.put("/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [failed]}), "Invoices")
    assert answer[0]["StatusAttributeString"] == "ERROR"
    names = {c["Name"] for c in api.get("/Contacts", params={"searchTerm": "Never Created"}).json()["Contacts"]}
    assert "Never Created Ltd" not in names


def test_partial_then_full_payment_turns_the_invoice_paid(api: httpx.Client, org: Org) -> None:
    invoice = create(api, sale(org.customer, line(100.0)))[0]
    first = ok(pay(api, invoice, 20.0, Reference="deposit"), "Payments")[0]
    assert (first["PaymentType"], first["Status"], first["Amount"], first["Reference"]) == (
        "ACCRECPAYMENT", "AUTHORISED", 20.0, "deposit")  # fmt: skip
    assert first["Invoice"]["InvoiceID"] == invoice["InvoiceID"] and first["Invoice"]["AmountDue"] == 100.0
    part = get_invoice(api, invoice["InvoiceID"])
    assert (part["Status"], part["AmountPaid"], part["AmountDue"]) == ("AUTHORISED", 20.0, 100.0)
    assert [p["PaymentID"] for p in part["Payments"]] == [first["PaymentID"]] and "FullyPaidOnDate" not in part
    assert ms_of(part["UpdatedDateUTC"]) > ms_of(invoice["UpdatedDateUTC"])
    assert refused(pay(api, invoice, 100.01)) == ["Payment amount exceeds the amount outstanding on this document"]
    by_number = {"Invoice": {"InvoiceNumber": invoice["InvoiceNumber"]}, "Account": {"Code": "615"}}
    ok(api.put("/Payments", json={"Payments": [by_number | {"Date": "2024-05-20", "Amount": 100}]}), "Payments")
    paid = get_invoice(api, invoice["InvoiceID"])
    assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == ("PAID", 0.0, 120.0)
    assert paid["FullyPaidOnDate"] == "/Date(1716163200000+0000)/"
    assert refused(pay(api, invoice, 1.0)) == ["Payments can only be made against Authorised documents"]
    again = ok(api.get(f"/Payments/{first['PaymentID']}"), "Payments")[0]
    assert again["Invoice"]["InvoiceNumber"] == invoice["InvoiceNumber"] and again["Account"]["Code"] == "090"
    supplier_bill = create(api, bill(org.supplier))[0]
    assert ok(pay(api, supplier_bill, 60.0), "Payments")[0]["PaymentType"] == "ACCPAYPAYMENT"
    assert get_invoice(api, supplier_bill["InvoiceID"])["Status"] == "PAID"


PAYMENT_BAD = [
    ("non-bank-account", {"Account": {"Code": "200"}}, "must be a BANK account or have EnablePaymentsToAccount"),
    ("unknown-account", {"Account": {"Code": "999"}}, "Account could not be found"),
    ("no-account", {"Account": None}, "Account could not be found"),
    ("archived-account", {"Account": {"Code": "455"}}, "is archived"),
    ("foreign-bank", {"Account": {"Code": "092"}}, "does not match the document's"),
    ("zero", {"Amount": 0}, "must be greater than zero"),
    ("text-amount", {"Amount": "lots"}, "Amount must be given as a number"),
    ("unknown-invoice", {"Invoice": {"InvoiceID": "00000000-0000-4000-8000-000000000000"}},
     "An existing Invoice with the specified InvoiceID could not be found"),
    ("bad-date", {"Date": "soon"}, "Date must be a date"),
    ("unknown-field", {"Colour": "red"}, "'Colour' is not a field of a payment"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), [b[1:] for b in PAYMENT_BAD], ids=[b[0] for b in PAYMENT_BAD])
def test_bad_payments_are_refused(api: httpx.Client, org: Org, change: dict, message: str) -> None:
    invoice = create(api, sale(org.customer))[0]
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 10} | change
    messages = refused(api.put("/Payments", json={"Payments": [payment]}))
    assert any(message in m for m in messages), messages
    assert get_invoice(api, invoice["InvoiceID"])["AmountPaid"] == 0


def test_payments_to_drafts_and_mixed_batches(api: httpx.Client, org: Org) -> None:
    draft, approved = create(api, sale(org.customer, Status="DRAFT"), sale(org.customer))
    answers = ok(api.put("/Payments", params={"summarizeErrors": "false"}, json={"Payments": [
        {"Invoice": {"InvoiceID": approved["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 30},
        {"Invoice": {"InvoiceID": draft["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 30},
    ]}), "Payments")  # fmt: skip
    assert [a["StatusAttributeString"] for a in answers] == ["OK", "ERROR"]
    assert answers[1]["HasValidationErrors"] is True
    assert answers[1]["ValidationErrors"] == [{"Message": "Payments can only be made against Authorised documents"}]
    assert get_invoice(api, approved["InvoiceID"])["AmountPaid"] == 30.0


def test_deleting_a_payment_reverses_it(api: httpx.Client, org: Org) -> None:
    invoice = create(api, sale(org.customer, line(100.0)))[0]
    payment = ok(pay(api, invoice, 120.0), "Payments")[0]
    assert get_invoice(api, invoice["InvoiceID"])["Status"] == "PAID"
    reversal = api.post(f"/Payments/{payment['PaymentID']}", json={"Payments": [{"Status": "DELETED"}]})
    deleted = ok(reversal, "Payments")[0]
    assert deleted["Status"] == "DELETED" and deleted["Invoice"]["Status"] == "AUTHORISED"
    back = get_invoice(api, invoice["InvoiceID"])
    assert (back["Status"], back["AmountDue"], back["AmountPaid"], back["Payments"]) == ("AUTHORISED", 120.0, 0, [])
    assert "FullyPaidOnDate" not in back
    assert ok(api.get(f"/Payments/{payment['PaymentID']}"), "Payments")[0]["Status"] == "DELETED"
    again = api.post(f"/Payments/{payment['PaymentID']}", json={"Payments": [{"Status": "DELETED"}]})
    assert refused(again) == ["This payment has already been deleted."]
    other = ok(pay(api, invoice, 10.0), "Payments")[0]
    edit = api.post(f"/Payments/{other['PaymentID']}", json={"Payments": [{"Amount": 5}]})
    assert "can only be changed to Status DELETED" in refused(edit)[0]


def credit_note(contact: dict, amount: float, **fields: Any) -> dict:
    body = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2024-05-02"}
    return body | {"LineItems": [line(amount)], "Status": "AUTHORISED"} | fields


def allocate(api: httpx.Client, credit: dict, invoice: dict, amount: float) -> httpx.Response:
    allocation = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": amount, "Date": "2024-05-03"}
    return api.put(f"/CreditNotes/{credit['CreditNoteID']}/Allocations", json={"Allocations": [allocation]})


def test_credit_note_allocation(api: httpx.Client, org: Org) -> None:
    invoice = create(api, sale(org.customer, line(100.0)))[0]
    credit = create(api, credit_note(org.customer, 50.0), path="/CreditNotes", plural="CreditNotes")[0]
    assert credit["CreditNoteNumber"].startswith("CN-") and credit["ID"] == credit["CreditNoteID"]
    assert (credit["Total"], credit["RemainingCredit"]) == (60.0, 60.0)
    allocation = ok(allocate(api, credit, invoice, 40.0), "Allocations")[0]
    assert allocation["Amount"] == 40.0 and allocation["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    credited = get_invoice(api, invoice["InvoiceID"])
    assert (credited["AmountDue"], credited["AmountCredited"], credited["Status"]) == (80.0, 40.0, "AUTHORISED")
    assert [c["CreditNoteID"] for c in credited["CreditNotes"]] == [credit["CreditNoteID"]]
    shown = ok(api.get(f"/CreditNotes/{credit['CreditNoteID']}"), "CreditNotes")[0]
    assert shown["RemainingCredit"] == 20.0 and [a["Amount"] for a in shown["Allocations"]] == [40.0]
    assert "exceeds the credit remaining" in refused(allocate(api, credit, invoice, 30.0))[0]
    elsewhere = create(api, sale(org.other_customer))[0]
    assert "same contact" in refused(allocate(api, credit, elsewhere, 5.0))[0]
    purchase = create(api, bill(org.customer))[0]
    assert "can only be allocated to an ACCREC invoice" in refused(allocate(api, credit, purchase, 5.0))[0]
    ok(allocate(api, credit, invoice, 20.0), "Allocations")
    assert ok(api.get(f"/CreditNotes/{credit['CreditNoteID']}"), "CreditNotes")[0]["Status"] == "PAID"
    ok(pay(api, invoice, 60.0), "Payments")
    settled = get_invoice(api, invoice["InvoiceID"])
    assert (settled["Status"], settled["AmountDue"], settled["AmountCredited"]) == ("PAID", 0.0, 60.0)
    draft = create(api, credit_note(org.customer, 5.0, Status="DRAFT"), path="/CreditNotes", plural="CreditNotes")[0]
    assert "Only AUTHORISED credit notes" in refused(allocate(api, draft, elsewhere, 1.0))[0]
    listed = ok(api.get("/CreditNotes", params={"page": 1}), "CreditNotes")
    assert {credit["CreditNoteID"], draft["CreditNoteID"]} <= {c["CreditNoteID"] for c in listed}
    supplier_credit = credit_note(org.supplier, 10.0, Type="ACCPAYCREDIT") | {
        "LineItems": [line(10.0, AccountCode="310", DiscountRate=5)]}  # fmt: skip
    assert (
        "Discounts can only be applied" in refused(api.put("/CreditNotes", json={"CreditNotes": [supplier_credit]}))[0]
    )


def test_reads_filters_and_paging(api: httpx.Client, org: Org) -> None:
    made = create(api, sale(org.customer, Reference="needle-one"), sale(org.other_customer, Status="DRAFT"),
                  bill(org.supplier))  # fmt: skip
    oldest = min(ms_of(m["UpdatedDateUTC"]) for m in made)
    since = datetime.fromtimestamp(oldest / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    recent = ok(api.get("/Invoices", headers={"If-Modified-Since": since}), "Invoices")
    assert {m["InvoiceID"] for m in made} <= {r["InvoiceID"] for r in recent}
    assert all(ms_of(r["UpdatedDateUTC"]) >= oldest - 1000 for r in recent)
    assert all(r["LineItems"] == [] for r in recent)  # unpaged lists come without line items
    drafts = ok(api.get("/Invoices", params={"Statuses": "DRAFT,SUBMITTED"}), "Invoices")
    assert made[1]["InvoiceID"] in {d["InvoiceID"] for d in drafts} and {d["Status"] for d in drafts} <= {
        "DRAFT", "SUBMITTED"}  # fmt: skip
    theirs = ok(api.get("/Invoices", params={"ContactIDs": org.customer["ContactID"]}), "Invoices")
    assert made[0]["InvoiceID"] in {t["InvoiceID"] for t in theirs}
    assert {t["Contact"]["ContactID"] for t in theirs} == {org.customer["ContactID"]}
    one = ok(api.get("/Invoices", params={"InvoiceNumbers": made[0]["InvoiceNumber"]}), "Invoices")
    assert [o["InvoiceID"] for o in one] == [made[0]["InvoiceID"]]
    assert [s["InvoiceID"] for s in ok(api.get("/Invoices", params={"searchTerm": "NEEDLE-ONE"}), "Invoices")] == [
        made[0]["InvoiceID"]]  # fmt: skip
    bills = ok(api.get("/Invoices", params={"where": 'Type=="ACCPAY"'}), "Invoices")
    assert bills and {b["Type"] for b in bills} == {"ACCPAY"}
    mine = ok(api.get("/Invoices", params={"createdByMyApp": "true"}), "Invoices")
    assert {m["InvoiceID"] for m in mine} == {m["InvoiceID"] for m in made}
    first = checked(api.get("/Invoices", params={"page": 1, "pageSize": 2}))
    assert first["pagination"]["pageSize"] == 2 and len(first["Invoices"]) == 2
    assert all(i["LineItems"] for i in first["Invoices"])  # paged lists carry line items
    size = max(2, first["pagination"]["itemCount"] // 4 + 1)  # a few pages, whatever the demo seed holds
    walked = [ok(api.get("/Invoices", params={"page": p, "pageSize": size}), "Invoices") for p in range(1, 6)]
    seen = [i["InvoiceID"] for page in walked for i in page]
    assert len(seen) == len(set(seen)) == first["pagination"]["itemCount"] and walked[-1] == []
    lean = ok(api.get("/Invoices", params={"page": 1, "summaryOnly": "true"}), "Invoices")
    assert all(i["LineItems"] == [] for i in lean)
    newest = ok(api.get("/Invoices", params={"order": "UpdatedDateUTC DESC", "page": 1}), "Invoices")
    assert [ms_of(n["UpdatedDateUTC"]) for n in newest] == sorted((ms_of(n["UpdatedDateUTC"]) for n in newest),
                                                                   reverse=True)  # fmt: skip
    by_number = ok(api.get("/Invoices", params={"order": "InvoiceNumber DESC", "where": 'Type=="ACCREC"'}), "Invoices")
    assert [b["InvoiceNumber"] for b in by_number] == sorted((b["InvoiceNumber"] for b in by_number), reverse=True)
    ok(pay(api, made[0], 5.0), "Payments")
    payments = checked(api.get("/Payments", params={"page": 1, "pageSize": 5}))
    assert payments["pagination"]["itemCount"] >= 1
    assert ok(api.get("/Payments", params={"where": 'Status=="AUTHORISED"'}), "Payments")
    assert ok(api.get("/Payments", headers={"If-Modified-Since": since}), "Payments")


def test_customer_and_supplier_flags_and_balances_do_not_move_the_contact_updated_date(
    api: httpx.Client, org: Org
) -> None:
    contact = org.nobody[0]
    create(api, sale(contact, Status="DRAFT"))
    assert ok(api.get(f"/Contacts/{contact['ContactID']}"), "Contacts")[0]["IsCustomer"] is False
    invoice = create(api, sale(contact, line(100.0), DueDate="2024-05-31"))[0]
    create(api, bill(contact, 50.0))
    after = ok(api.get(f"/Contacts/{contact['ContactID']}"), "Contacts")[0]
    assert after["IsCustomer"] is True and after["IsSupplier"] is True
    assert after["UpdatedDateUTC"] == contact["UpdatedDateUTC"]
    assert after["Balances"]["AccountsReceivable"] == {"Outstanding": 120.0, "Overdue": 120.0}
    assert after["Balances"]["AccountsPayable"] == {"Outstanding": 60.0, "Overdue": 60.0}  # 50 + 20% VAT
    since = datetime.fromtimestamp(ms_of(invoice["UpdatedDateUTC"]) / 1000 - 1, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    changed = api.get("/Contacts", headers={"If-Modified-Since": since}).json()["Contacts"]
    assert contact["ContactID"] not in {c["ContactID"] for c in changed}
    ok(pay(api, invoice, 20.0), "Payments")
    paid = ok(api.get(f"/Contacts/{contact['ContactID']}"), "Contacts")[0]
    assert paid["Balances"]["AccountsReceivable"]["Outstanding"] == 100.0


def test_a_batch_to_one_contact_reads_its_documents_once_and_sums_them(tmp_path: Path) -> None:
    """A supplier with a deep backlog of bills: each write of 50 recomputes its balances once, not once per bill
    (which made every batch slower than the one before, and held every other organisation's calls behind it)."""
    organisation = seed.generate(name="Batch Bakery Ltd", country="GB", contacts=5, seed=3)
    store = Store(tmp_path)
    loader.load_org(store, organisation)
    tenant, today = organisation.tenant_id, datetime(2024, 6, 1, tzinfo=UTC).date()
    contact = records.find(store._db, tenant, "Contact", statuses=("ACTIVE",))[0]
    statements: list[str] = []
    with store.tx() as db:
        books = Books.load(db, tenant)
        code = next(code for code, a in books.accounts.items() if a.get("Type") == "REVENUE")
        db.set_trace_callback(statements.append)
        for n in range(50):
            element = sale({"ContactID": contact.id}, line(10.0 + n, AccountCode=code), LineAmountTypes="NoTax")
            outcome = writes.write(db, books, INVOICE, element, existing=None, now_ms=store.now_ms(), today=today)
            assert outcome.errors == []
        document_contacts.refresh_stale(db, books, today)
        db.set_trace_callback(None)
    reads = [s for s in statements if "FROM records" in s and f"name = '{contact.id}'" in s and "Invoice" in s]
    assert len(reads) == 1, reads
    balances = records.get(store._db, tenant, "Contact", contact.id).data["Balances"]
    assert balances["AccountsReceivable"] == {"Outstanding": sum(10.0 + n for n in range(50)), "Overdue": 1725.0}


def test_control_api_voids_and_pays_as_a_xero_user(api: httpx.Client, org: Org, sim: Simulator) -> None:
    def owed() -> float:
        return ok(api.get(f"/Contacts/{org.customer['ContactID']}"), "Contacts")[0]["Balances"]["AccountsReceivable"][
            "Outstanding"
        ]

    invoice = create(api, sale(org.customer, line(100.0)))[0]
    base = f"/orgs/{HARBOUR}/invoices/{invoice['InvoiceID']}"
    before = owed()
    assert sim.control("POST", f"{base}/payments", amount=20, date="2024-05-09")["AmountDue"] == 100.0
    assert owed() == round(before - 20, 2)  # the contact's balance moves with a payment made in Xero's screens
    shown = get_invoice(api, invoice["InvoiceID"])
    assert shown["AmountPaid"] == 20.0 and shown["Payments"][0]["Date"] == "/Date(1715212800000+0000)/"
    refused_void = control.post(f"{sim.url}/_sandbox{base}/void", timeout=30)
    assert refused_void.status_code == 400 and "payments" in refused_void.json()["error"]
    too_much = control.post(f"{sim.url}/_sandbox{base}/payments", json={"amount": 1000}, timeout=30)
    assert too_much.status_code == 400 and "exceeds" in too_much.json()["error"]
    other = create(api, sale(org.customer))[0]
    before = owed()
    assert sim.control("POST", f"/orgs/{HARBOUR}/invoices/{other['InvoiceNumber']}/void")["Status"] == "VOIDED"
    assert owed() == round(before - other["Total"], 2)  # and with a void
    assert get_invoice(api, other["InvoiceID"])["Status"] == "VOIDED"
    missing = control.post(f"{sim.url}/_sandbox/orgs/{HARBOUR}/invoices/INV-9999/void", timeout=30)
    assert missing.status_code == 404


def test_document_changes_are_recorded_for_webhooks(api: httpx.Client, org: Org, sim: Simulator) -> None:
    invoice = create(api, sale(org.customer))[0]
    ok(pay(api, invoice, 10.0), "Payments")
    credit = create(api, credit_note(org.customer, 5.0), path="/CreditNotes", plural="CreditNotes")[0]
    with sqlite3.connect(sim.data / "sandbox.db") as db:
        rows = db.execute(
            "SELECT category, resource_id, event_type FROM events WHERE resource_id IN (?, ?) ORDER BY seq",
            (invoice["InvoiceID"], credit["CreditNoteID"]),
        ).fetchall()
    assert rows == [
        ("INVOICE", invoice["InvoiceID"], "CREATE"),
        ("INVOICE", invoice["InvoiceID"], "UPDATE"),
        ("CREDITNOTE", credit["CreditNoteID"], "CREATE"),
    ]


def test_seeded_documents_are_deterministic_consistent_and_xero_shaped(tmp_path: Path) -> None:
    organisation = seed.generate(name="Seeded Bakery Ltd", country="GB", contacts=40, seed=3)
    runs = []
    for folder in ("first", "second"):
        store = Store(tmp_path / folder)
        loader.load_org(store, organisation)  # (which may seed documents of its own: these come on top)
        before = store.row("SELECT count(*) AS n FROM records WHERE kind = 'Invoice'")["n"]
        made = seed_documents(store, organisation.tenant_id, 60, 7)
        rows = store.rows(
            "SELECT id, status, data, doc FROM records WHERE tenant_id = ? AND kind = 'Invoice' ORDER BY id",
            (organisation.tenant_id,),
        )
        runs.append([(r["id"], r["status"], json.loads(r["data"])["Total"]) for r in rows])
    assert runs[0] == runs[1] and made == 60 and len(rows) == before + 60
    invoices = [json.loads(r["doc"]) for r in rows]
    assert {"PAID", "AUTHORISED", "DRAFT"} <= {i["Status"] for i in invoices} and {"ACCREC", "ACCPAY"} == {
        i["Type"] for i in invoices}  # fmt: skip
    for invoice in invoices:
        assert round(invoice["SubTotal"] + invoice["TotalTax"], 2) == invoice["Total"]
        if invoice["Status"] in ("AUTHORISED", "PAID"):
            assert round(invoice["Total"] - invoice["AmountPaid"], 2) == invoice["AmountDue"]
            assert round(sum(p["Amount"] for p in invoice["Payments"]), 2) == invoice["AmountPaid"]
        assert (invoice["Status"] == "PAID") == ("FullyPaidOnDate" in invoice)
    numbers = sorted(i["InvoiceNumber"] for i in invoices if i["Type"] == "ACCREC")
    assert numbers == [f"INV-{n:04d}" for n in range(1, len(numbers) + 1)]
    envelope = {"Id": "6f1c7e43-3fd8-4a4e-a2a4-9f5a8a0c8f00", "Status": "OK", "ProviderName": "x",
                "DateTimeUTC": "/Date(1714521600000)/"}  # fmt: skip
    check_accounting("GET", "/Invoices", status=200, body=json.dumps(envelope | {"Invoices": invoices}).encode())
    payments = [json.loads(r["doc"]) for r in store.rows("SELECT doc FROM records WHERE kind = 'Payment'")]
    assert payments
    check_accounting("GET", "/Payments", status=200, body=json.dumps(envelope | {"Payments": payments}).encode())
    owed: dict[str, float] = {}
    for invoice in invoices:
        if invoice["Status"] == "AUTHORISED" and invoice["Type"] == "ACCREC":
            key = invoice["Contact"]["ContactID"]
            owed[key] = round(owed.get(key, 0) + invoice["AmountDue"], 2)
    for row in store.rows("SELECT data FROM records WHERE kind = 'Contact' AND status = 'ACTIVE'"):
        contact = json.loads(row["data"])
        expected = owed.get(contact["ContactID"], 0)
        assert contact["Balances"]["AccountsReceivable"]["Outstanding"] == expected, contact["Name"]


def test_credit_note_updates_and_cash_refunds(api: httpx.Client, org: Org) -> None:
    draft = create(api, credit_note(org.customer, 10.0, Status="DRAFT"), path="/CreditNotes", plural="CreditNotes")[0]
    approved = ok(post(api, draft, "/CreditNotes", Status="AUTHORISED"), "CreditNotes")[0]
    assert approved["Status"] == "AUTHORISED" and approved["RemainingCredit"] == 12.0
    refund = {"CreditNote": {"CreditNoteID": draft["CreditNoteID"]}, "Account": {"Code": "090"}, "Amount": 12}
    paid = ok(api.put("/Payments", json={"Payments": [refund]}), "Payments")[0]
    assert paid["PaymentType"] == "ARCREDITPAYMENT" and paid["Invoice"]["Type"] == "ACCRECCREDIT"
    assert paid["CreditNote"]["CreditNoteID"] == draft["CreditNoteID"]
    shown = ok(api.get(f"/CreditNotes/{draft['CreditNoteNumber']}"), "CreditNotes")[0]
    assert (shown["Status"], shown["RemainingCredit"]) == ("PAID", 0.0)
    assert refused(post(api, draft, "/CreditNotes", Reference="late")) == [
        "Credit Note not of valid status for modification"
    ]


def test_a_line_read_back_from_xero_can_be_sent_again(api: httpx.Client, org: Org) -> None:
    created = create(api, sale(org.customer, Status="DRAFT"))[0]
    again = ok(post(api, created, **{k: v for k, v in created.items() if k != "InvoiceID"}), "Invoices")[0]
    assert again["Total"] == created["Total"] and again["LineItems"][0]["LineItemID"] == created["LineItems"][0][
        "LineItemID"]  # fmt: skip


def test_line_tracking_is_matched_by_name_or_id_stored_with_both_and_refused_when_unknown_or_archived(
    api: httpx.Client, org: Org, sim: Simulator
) -> None:
    region = next(c for c in api.get("/TrackingCategories").json()["TrackingCategories"] if c["Name"] == "Region")
    north, south = region["Options"]
    tracked = line(Tracking=[{"Name": "region", "Option": "NORTH"}])
    invoice = ok(api.put("/Invoices", json={"Invoices": [sale(org.customer, tracked)]}), "Invoices")[0]
    assert invoice["LineItems"][0]["Tracking"] == [
        {
            "Name": "Region",
            "Option": "North",
            "TrackingCategoryID": region["TrackingCategoryID"],
            "TrackingOptionID": north["TrackingOptionID"],
        }
    ]
    by_id = line(
        Tracking=[{"TrackingCategoryID": region["TrackingCategoryID"], "TrackingOptionID": south["TrackingOptionID"]}]
    )
    stored = ok(api.put("/Invoices", json={"Invoices": [sale(org.customer, by_id)]}), "Invoices")[0]
    assert stored["LineItems"][0]["Tracking"][0]["Option"] == "South"
    cases = {
        "unknown": ([{"Name": "Region", "Option": "West"}], "does not exist in the tracking category 'Region'"),
        "twice": ([{"Name": "Region", "Option": "North"}, {"Name": "Region", "Option": "South"}], "only have one"),
    }
    for sent, said in cases.values():
        messages = refused(api.put("/Invoices", json={"Invoices": [sale(org.customer, line(Tracking=sent))]}))
        assert any(said in m for m in messages), messages
    sim.control("POST", f"/orgs/{HARBOUR}/tracking-options/{north['TrackingOptionID']}/archive")
    messages = refused(api.put("/Invoices", json={"Invoices": [sale(org.customer, tracked)]}))
    assert messages == ["The tracking option 'North' of 'Region' is archived."]
