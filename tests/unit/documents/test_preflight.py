"""The pre-flight check before a document goes to Xero (pure): what passes, and what each refusal says to fix."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.documents.preflight import ContactFacts, Lookups, Refusal, check
from core.mappings.store import Problem, Resolved
from core.models.platform import DocumentKind

SALES, BILL = DocumentKind.SALES_INVOICE, DocumentKind.BILL
LINKED = ContactFacts(3, "Ely Eggs Ltd", "xero-3", "ACTIVE")
LOOKUPS = Lookups(
    accounts={
        ("sales_invoice", "Bread"): Resolved("200"),
        ("sales_invoice", "Cakes"): Resolved("205"),
        ("bill", "Flour"): Resolved("310"),
        ("sales_invoice", "Stale"): Problem("mapping_stale", "Account 260 was archived in Xero."),
    },
    taxes={
        ("sales_invoice", "VAT20", "Bread"): Resolved("OUTPUT2"),
        ("sales_invoice", "VAT20", "Cakes"): Resolved("OUTPUT2"),
        ("sales_invoice", "ZERO", "Bread"): Resolved("ZERORATEDOUTPUT"),
        ("bill", "VAT20", "Flour"): Resolved("INPUT2"),
        ("sales_invoice", "VAT20", "Stale"): Resolved("OUTPUT2"),
        ("sales_invoice", "VAT5", "Bread"): Problem("missing_tax_mapping", "Tax rate 'VAT5' has no Xero tax type."),
    },
    rates={"OUTPUT2": Decimal(20), "INPUT2": Decimal(20), "ZERORATEDOUTPUT": Decimal(0)},
    currencies=frozenset({"GBP", "EUR"}),
)


def line(**values: Any) -> dict[str, Any]:
    base = {
        "description": "Sourdough",
        "quantity": "1",
        "unit_amount": "10",
        "discount_rate": "0",
        "category": "Bread",
        "tax_rate": "VAT20",
        "tax_amount": "2.00",
        "line_amount": "10.00",
    }
    return base | values


def doc(*lines: dict[str, Any], currency: str = "GBP", total: str | None = None) -> dict[str, Any]:
    if total is None:
        total = str(sum(Decimal(x["line_amount"]) + Decimal(x["tax_amount"]) for x in lines))
    return {"number": "INV-1", "currency": currency, "lines": list(lines), "total": total}


@pytest.mark.parametrize(
    ("kind", "payload", "codes"),
    [
        pytest.param(SALES, doc(line()), [("200", "OUTPUT2", "10.00")], id="one-line"),
        pytest.param(
            SALES,
            doc(line(quantity="3", unit_amount="1.3333", line_amount="4.00", tax_amount="0.80")),
            [("200", "OUTPUT2", "4.00")],
            id="four-decimal-unit-price",
        ),
        pytest.param(
            SALES,
            doc(line(quantity="2", unit_amount="9.99", discount_rate="12.5", line_amount="17.48", tax_amount="3.50")),
            [("200", "OUTPUT2", "17.48")],
            id="discount-rounded-half-up",
        ),
        pytest.param(
            SALES,
            doc(
                line(),
                line(category="Cakes", unit_amount="4.5", line_amount="4.50", tax_amount="0.90"),
                line(tax_rate="ZERO", tax_amount="0"),
            ),
            [("200", "OUTPUT2", "10.00"), ("205", "OUTPUT2", "4.50"), ("200", "ZERORATEDOUTPUT", "10.00")],
            id="multi-line-mixed-tax",
        ),
        pytest.param(
            SALES,
            doc(line(unit_amount="10.005", line_amount="10.01", tax_amount="2.00")),
            [("200", "OUTPUT2", "10.01")],
            id="exclusive-tax-within-a-cent",
        ),
        pytest.param(
            BILL, doc(line(category="Flour"), currency="EUR"), [("310", "INPUT2", "10.00")], id="bill-expense-side"
        ),
    ],
)
def test_documents_that_pass(kind: DocumentKind, payload: dict[str, Any], codes: list[tuple[str, str, str]]) -> None:
    lines = check(kind, payload, LINKED, LOOKUPS)
    assert not isinstance(lines, Refusal), lines
    assert [(x.account_code, x.tax_type, str(x.line_amount)) for x in lines] == codes


@pytest.mark.parametrize(
    ("contact", "payload", "cause", "words"),
    [
        pytest.param(LINKED, doc(), "preflight_failed", ["no lines", "at least one"], id="zero-lines"),
        pytest.param(
            LINKED, doc(line(category="Pies")), "preflight_failed", ["line 1", "'Pies'"], id="category-not-looked-up"
        ),
        pytest.param(
            LINKED,
            doc(line(), line(tax_rate="VAT5", tax_amount="0.50")),
            "missing_tax_mapping",
            ["line 2", "'VAT5'", "has no Xero tax type"],
            id="missing-tax-mapping-names-the-line",
        ),
        pytest.param(
            LINKED, doc(line(category="Stale")), "mapping_stale", ["line 1", "archived"], id="mapping-to-archived"
        ),
        pytest.param(
            ContactFacts(3, "Ely Eggs Ltd", "xero-3", "ARCHIVED"),
            doc(line()),
            "contact_archived",
            ["Ely Eggs Ltd", "Restore"],
            id="archived-contact",
        ),
        pytest.param(
            ContactFacts(3, "Erased contact", "xero-3", "GDPRREQUEST"),
            doc(line()),
            "contact_erased",
            ["erased at the contact's request", "another contact"],
            id="contact-erased-in-xero",
        ),
        pytest.param(
            ContactFacts(3, "Ely Eggs Ltd", None, None, create_failed=True),
            doc(line()),
            "preflight_failed",
            ["could not be created", "Sync errors page"],
            id="contact-create-failed",
        ),
        pytest.param(
            LINKED, doc(line(), currency="USD"), "preflight_failed", ["USD", "Settings → Currencies"], id="currency"
        ),
        pytest.param(
            LINKED,
            doc(line(unit_amount="-10", line_amount="-10.00", tax_amount="0")),
            "preflight_failed",
            ["negative", "credit note"],
            id="negative-unit",
        ),
        pytest.param(
            LINKED,
            doc(line(quantity="1", unit_amount="250000000", line_amount="250000000.00", tax_amount="0")),
            "preflight_failed",
            ["implausibly large"],
            id="absurd-amount",
        ),
        pytest.param(
            LINKED, doc(line(unit_amount="1.23456")), "preflight_failed", ["4 decimal places"], id="five-decimals"
        ),
        pytest.param(
            LINKED, doc(line(line_amount="11.00")), "preflight_failed", ["line amount 11.00", "10.00"], id="line-sum"
        ),
        pytest.param(LINKED, doc(line(), total="13.00"), "preflight_failed", ["total 13.00", "12.00"], id="total"),
        pytest.param(
            LINKED,
            doc(line(tax_amount="1.67")),
            "preflight_failed",
            ["tax-inclusive price", "2.00"],
            id="inclusive-rounding-on-exclusive-line",
        ),
        pytest.param(
            LINKED, doc(line(tax_amount="3.00")), "preflight_failed", ["does not match", "Mappings page"], id="bad-tax"
        ),
        pytest.param(
            LINKED, doc(line(quantity="lots")), "preflight_failed", ["quantity 'lots' is not a number"], id="not-number"
        ),
    ],
)
def test_refusals_say_what_to_fix(contact: ContactFacts, payload: dict[str, Any], cause: str, words: list[str]) -> None:
    refused = check(SALES, payload, contact, LOOKUPS)
    assert isinstance(refused, Refusal)
    assert refused.cause == cause
    for word in words:
        assert word in refused.detail


def test_a_mix_of_problems_lists_every_one_under_the_general_cause() -> None:
    refused = check(SALES, doc(line(category="Stale"), line(tax_rate="VAT5"), currency="USD"), LINKED, LOOKUPS)
    assert isinstance(refused, Refusal) and refused.cause == "preflight_failed"
    assert "line 1" in refused.detail and "line 2" in refused.detail and "USD" in refused.detail


def test_currencies_are_not_checked_before_reference_data_was_read() -> None:
    lookups = Lookups(LOOKUPS.accounts, LOOKUPS.taxes, LOOKUPS.rates, frozenset())
    assert not isinstance(check(SALES, doc(line(), currency="USD"), LINKED, lookups), Refusal)


def inclusive(*lines: dict[str, Any], amounts: str = "Inclusive", total: str | None = None) -> dict[str, Any]:
    """A document whose unit amounts include tax: its total is the lines' amounts (the tax is inside them)."""
    if total is None:
        total = str(sum(Decimal(x["line_amount"]) for x in lines))
    return {"number": "INV-2", "currency": "GBP", "lines": list(lines), "total": total, "line_amount_types": amounts}


@pytest.mark.parametrize(
    ("unit", "quantity", "tax", "line_amount"),
    [
        ("12", "1", "2.00", "12.00"),  # 12 including 20% VAT holds 2.00
        ("9.99", "3", "5.00", "29.97"),  # 29.97 * 20 / 120 = 4.995, which Xero rounds half up to 5.00
        ("0.10", "7", "0.12", "0.70"),  # 0.1166… to 0.12
    ],
)
def test_tax_inclusive_lines_hold_their_tax_to_the_cent_as_xero_rounds(
    unit: str, quantity: str, tax: str, line_amount: str
) -> None:
    payload = inclusive(line(unit_amount=unit, quantity=quantity, tax_amount=tax, line_amount=line_amount))
    found = check(SALES, payload, LINKED, LOOKUPS)
    assert not isinstance(found, Refusal), found
    assert (found[0].line_amount, found[0].tax_amount) == (Decimal(line_amount), Decimal(tax))


def test_a_tax_inclusive_document_whose_tax_was_worked_out_exclusive_is_refused_with_the_reason() -> None:
    refused = check(SALES, inclusive(line(unit_amount="12", tax_amount="2.40", line_amount="12.00")), LINKED, LOOKUPS)
    assert isinstance(refused, Refusal)
    assert "worked out on a tax-exclusive price" in refused.detail and "line_amount_types" in refused.detail
    wrong_total = check(SALES, inclusive(line(unit_amount="12", line_amount="12.00"), total="14.00"), LINKED, LOOKUPS)
    assert isinstance(wrong_total, Refusal) and "not the lines plus their tax (12.00)" in wrong_total.detail


def test_a_no_tax_document_carries_no_tax() -> None:
    none = line(tax_amount="0", line_amount="10.00")
    assert not isinstance(check(SALES, inclusive(none, amounts="NoTax"), LINKED, LOOKUPS), Refusal)
    taxed = check(SALES, inclusive(line(), amounts="NoTax", total="10.00"), LINKED, LOOKUPS)
    assert isinstance(taxed, Refusal) and "carry no tax" in taxed.detail
