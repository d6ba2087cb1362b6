"""The document push plan (pure): which Xero write each claimed document change becomes, and what needs no call."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.documents.lookup import matches
from core.documents.plan import DocumentFacts, NeedsContact, Refuse, Settle, Write, plan, result_cause
from core.documents.preflight import ContactFacts
from core.models.platform import DocumentKind
from core.sync.outbox import Claimed
from core.xero import resources
from tests.unit.documents.test_preflight import LOOKUPS, doc, line

CONTACT = ContactFacts(3, "Ely Eggs Ltd", "xero-3", "ACTIVE")
SALES = DocumentKind.SALES_INVOICE
FRESH = DocumentFacts(9, SALES, "INV-1", date(2026, 11, 2), None, None, None, False, False, CONTACT)
IN_XERO = replace(FRESH, xero_id="inv-9", xero_status="AUTHORISED", amount_paid=Decimal(0))


def entry(operation: str, payload: dict[str, Any] | None = None, *, attempts: int = 1, version: int = 1) -> Claimed:
    body = payload if payload is not None else {**doc(line()), "issue_date": "2026-11-02", "due_date": "2026-12-02"}
    return Claimed(11, 1, 2, "document", "9", version, operation, body, f"document:9:v{version}", attempts)


def one(operation: str, facts: DocumentFacts, payload: dict[str, Any] | None = None) -> object:
    decided = plan([entry(operation, payload)], {9: facts}, LOOKUPS)
    (outcome,) = decided.writes + decided.settles + decided.refusals + decided.waits
    return outcome


def test_a_new_invoice_is_created_with_contact_id_codes_and_exclusive_lines() -> None:
    write = one("create", FRESH)
    assert isinstance(write, Write) and write.create and write.resource is resources.INVOICES
    assert write.element == {
        "Type": "ACCREC",
        "InvoiceNumber": "INV-1",
        "Contact": {"ContactID": "xero-3"},
        "Date": "2026-11-02",
        "DueDate": "2026-12-02",
        "CurrencyCode": "GBP",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Sourdough",
                "Quantity": 1,
                "UnitAmount": 10,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
                "TaxAmount": 2,
                "LineAmount": 10,
            }
        ],
    }


@pytest.mark.parametrize(
    ("operation", "facts", "expected"),
    [
        pytest.param("update", IN_XERO, ("write", False, "InvoiceID"), id="update-by-invoice-id"),
        pytest.param("update", FRESH, ("write", True, None), id="update-never-sent-is-a-create"),
        pytest.param("void", IN_XERO, ("write", False, "VOIDED"), id="void-approved"),
        pytest.param("void", replace(IN_XERO, xero_status="DRAFT"), ("write", False, "DELETED"), id="void-draft"),
        pytest.param("void", FRESH, ("settle", "nothing to void"), id="void-never-sent"),
        pytest.param("void", replace(IN_XERO, xero_status="VOIDED"), ("settle", "Already voided"), id="void-twice"),
        pytest.param("create", replace(FRESH, voided=True), ("settle", "Voided before"), id="create-of-voided"),
        pytest.param("create", IN_XERO, ("settle", "Already in Xero"), id="create-already-adopted"),
        pytest.param(
            "update", replace(IN_XERO, xero_status="PAID"), ("refuse", "document_locked"), id="update-of-paid"
        ),
        pytest.param(
            "void", replace(IN_XERO, amount_paid=Decimal("5")), ("refuse", "document_locked"), id="void-part-paid"
        ),
        pytest.param(
            "create", replace(FRESH, contact=replace(CONTACT, xero_contact_id=None)), ("wait",), id="contact-missing"
        ),
    ],
)
def test_each_change_becomes_the_right_outcome(operation: str, facts: DocumentFacts, expected: tuple) -> None:  # type: ignore[type-arg]
    outcome = one(operation, facts)
    if expected[0] == "write":
        assert isinstance(outcome, Write) and outcome.create is expected[1]
        if expected[2] == "InvoiceID":
            assert outcome.element["InvoiceID"] == "inv-9" and outcome.element["LineItems"]
        elif expected[2]:
            assert outcome.element == {"InvoiceID": "inv-9", "Status": expected[2]}
    elif expected[0] == "settle":
        assert isinstance(outcome, Settle) and expected[1] in outcome.reason
    elif expected[0] == "refuse":
        assert isinstance(outcome, Refuse) and outcome.refusal.cause == expected[1]
        assert "Remove the payment in Xero" in outcome.refusal.detail
    else:
        assert isinstance(outcome, NeedsContact) and outcome.contact_id == 3


def test_a_missing_mapping_is_refused_before_any_call_and_wins_over_a_missing_contact() -> None:
    facts = replace(FRESH, contact=replace(CONTACT, xero_contact_id=None))
    outcome = one("create", facts, {**doc(line(tax_rate="VAT5")), "issue_date": "2026-11-02"})
    assert isinstance(outcome, Refuse) and outcome.refusal.cause == "missing_tax_mapping"


@pytest.mark.parametrize(
    ("kind", "resource", "number_field", "xero_type"),
    [
        (DocumentKind.BILL, resources.INVOICES, "InvoiceNumber", "ACCPAY"),
        (DocumentKind.CUSTOMER_CREDIT_NOTE, resources.CREDIT_NOTES, "CreditNoteNumber", "ACCRECCREDIT"),
        (DocumentKind.SUPPLIER_CREDIT_NOTE, resources.CREDIT_NOTES, "CreditNoteNumber", "ACCPAYCREDIT"),
    ],
)
def test_bills_and_credit_notes_go_to_their_endpoints(
    kind: DocumentKind, resource: resources.Resource, number_field: str, xero_type: str
) -> None:
    lookups = replace(
        LOOKUPS,
        accounts={**LOOKUPS.accounts, (kind.value, "Bread"): LOOKUPS.accounts[("sales_invoice", "Bread")]},
        taxes={**LOOKUPS.taxes, (kind.value, "VAT20", "Bread"): LOOKUPS.taxes[("sales_invoice", "VAT20", "Bread")]},
    )
    decided = plan([entry("create")], {9: replace(FRESH, kind=kind)}, lookups)
    (write,) = decided.writes
    assert write.resource is resource and write.element["Type"] == xero_type and write.element[number_field] == "INV-1"


def test_discounts_and_four_decimal_prices_are_sent_as_given() -> None:
    payload = doc(line(quantity="3", unit_amount="1.3333", discount_rate="10", line_amount="3.60", tax_amount="0.72"))
    write = one("create", FRESH, payload)
    assert isinstance(write, Write)
    (item,) = write.element["LineItems"]
    assert (item["UnitAmount"], item["DiscountRate"], item["LineAmount"], item["TaxAmount"]) == (1.3333, 10, 3.6, 0.72)


def test_an_uncertain_create_is_looked_up_first_and_updates_are_not() -> None:
    uncertain = replace(FRESH, uncertain=True)
    decided = plan([entry("create")], {9: uncertain}, LOOKUPS)
    assert decided.writes[0].lookup
    decided = plan([entry("update")], {9: replace(IN_XERO, uncertain=True)}, LOOKUPS)
    assert not decided.writes[0].lookup


@pytest.mark.parametrize(
    ("messages", "cause"),
    [
        (("Invoice not of valid status for modification",), "document_locked"),
        (
            ("The status VOIDED cannot be applied to the invoice because it has payments or credit notes allocated",),
            "document_locked",
        ),
        (("The contact with the specified contact details has been archived.",), "contact_archived"),
        (("Account code '999' is not a valid code for this document.",), "validation"),
    ],
)
def test_xero_messages_name_the_cause(messages: tuple[str, ...], cause: str) -> None:
    assert result_cause(messages) == cause


@pytest.mark.parametrize(
    ("kind", "record", "found"),
    [
        (SALES, {"Type": "ACCREC", "InvoiceNumber": "INV-1", "Status": "AUTHORISED"}, True),
        (SALES, {"Type": "ACCREC", "InvoiceNumber": "INV-1", "Status": "DELETED"}, False),
        (SALES, {"Type": "ACCREC", "InvoiceNumber": "INV-2", "Status": "AUTHORISED"}, False),
        (
            DocumentKind.BILL,
            {
                "Type": "ACCPAY",
                "InvoiceNumber": "INV-1",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": "xero-3"},
                "DateString": "2026-11-02T00:00:00",
            },
            True,
        ),
        (
            DocumentKind.BILL,
            {
                "Type": "ACCPAY",
                "InvoiceNumber": "INV-1",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": "xero-4"},
                "DateString": "2026-11-02T00:00:00",
            },
            False,
        ),
        (
            DocumentKind.BILL,
            {
                "Type": "ACCPAY",
                "InvoiceNumber": "INV-1",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": "xero-3"},
                "DateString": "2026-11-03T00:00:00",
            },
            False,
        ),
    ],
    ids=[
        "sales-by-number",
        "deleted-ignored",
        "other-number",
        "bill-number-contact-date",
        "bill-other-contact",
        "bill-other-date",
    ],
)
def test_the_lookup_matches_sales_by_number_and_bills_by_number_contact_and_date(
    kind: DocumentKind, record: dict[str, Any], found: bool
) -> None:
    write = Write(entry("create"), 9, kind, "INV-1", date(2026, 11, 2), "xero-3", resources.INVOICES, True, {})
    assert matches(write, record) is found
