"""Off balance (DESIGN's Decisions): outstanding totals per currency in the platform and in Xero, compared to 0.01."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.documents.balance import Balance, Doc, compare, platform_outstanding, xero_outstanding
from core.models.platform import DocumentKind
from core.settings import load
from tests.conftest import TEST_ENV

D = Decimal
INV, CN, BILL = DocumentKind.SALES_INVOICE, DocumentKind.CUSTOMER_CREDIT_NOTE, DocumentKind.BILL


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        pytest.param([], {}, id="no-documents"),
        pytest.param([Doc(INV, "GBP", D("120.00"))], {"GBP": D("120.00")}, id="one-unpaid-invoice"),
        pytest.param([Doc(INV, "GBP", D("120.00"), paid=D("50.00"))], {"GBP": D("70.00")}, id="part-paid"),
        pytest.param([Doc(INV, "GBP", D("120.00"), voided=True)], {}, id="voided-counts-nil"),
        pytest.param(
            [Doc(INV, "GBP", D("120.00")), Doc(CN, "GBP", D("20.00"))], {"GBP": D("100.00")}, id="credit-note-reduces"
        ),
        pytest.param([Doc(BILL, "GBP", D("99.00"))], {}, id="bills-are-not-a-customer-balance"),
        pytest.param(
            [Doc(INV, "GBP", D("10")), Doc(INV, "EUR", D("5.5"))],
            {"GBP": D("10.00"), "EUR": D("5.50")},
            id="per-currency",
        ),
    ],
)
def test_platform_outstanding(docs: list[Doc], expected: dict[str, Decimal]) -> None:
    assert platform_outstanding(docs) == expected


def test_xero_outstanding_counts_approved_sales_documents_only() -> None:
    invoices = [
        {"Type": "ACCREC", "Status": "AUTHORISED", "CurrencyCode": "GBP", "AmountDue": 70},
        {"Type": "ACCREC", "Status": "PAID", "CurrencyCode": "GBP", "AmountDue": 0},
        {"Type": "ACCREC", "Status": "DRAFT", "CurrencyCode": "GBP", "AmountDue": 500},
        {"Type": "ACCPAY", "Status": "AUTHORISED", "CurrencyCode": "GBP", "AmountDue": 300},
    ]
    credits = [{"Type": "ACCRECCREDIT", "Status": "AUTHORISED", "CurrencyCode": "GBP", "RemainingCredit": 20}]
    assert xero_outstanding(invoices, credits) == {"GBP": D("50.00")}


@pytest.mark.parametrize(
    ("platform", "xero", "expected"),
    [
        pytest.param(
            {"GBP": D("120.00")}, {"GBP": D("120.00")}, Balance(False, "GBP", D("120.00"), D("120.00")), id="equal"
        ),
        pytest.param(
            {"GBP": D("120.00")},
            {"GBP": D("119.99")},
            Balance(False, "GBP", D("120.00"), D("119.99")),
            id="one-cent-is-within",
        ),
        pytest.param(
            {"GBP": D("120.00")},
            {"GBP": D("119.98")},
            Balance(True, "GBP", D("120.00"), D("119.98")),
            id="two-cents-is-off",
        ),
        pytest.param(
            {"GBP": D("120.00")},
            {"GBP": D("0.00")},
            Balance(True, "GBP", D("120.00"), D("0.00")),
            id="paid-in-xero-only",
        ),
        pytest.param({"GBP": D("120.00")}, {}, Balance(True, "GBP", D("120.00"), D("0")), id="nothing-in-xero"),
        pytest.param({}, {"GBP": D("40.00")}, Balance(True, "GBP", D("0"), D("40.00")), id="xero-only-invoices"),
        pytest.param(
            {"GBP": D("10.00"), "EUR": D("5.00")},
            {"GBP": D("10.00"), "EUR": D("4.00")},
            Balance(True, "EUR", D("5.00"), D("4.00")),
            id="the-differing-currency-is-shown",
        ),
        pytest.param({}, {}, Balance(False, "GBP", D("0"), D("0")), id="nothing-anywhere"),
    ],
)
def test_compare(platform: dict[str, Decimal], xero: dict[str, Decimal], expected: Balance) -> None:
    assert compare(platform, xero, preferred="GBP") == expected


@pytest.mark.parametrize(
    ("env", "seconds"),
    [
        ({}, 600),
        ({"HUB_DEMO": "1"}, 60),
        ({"HUB_DOCUMENTS_POLL_SECONDS": "60"}, 60),
        ({"HUB_DOCUMENTS_POLL_SECONDS": "1"}, 5),
    ],
    ids=["default-10-minutes", "demo-1-minute", "configured", "at-least-5-s"],
)
def test_how_often_document_status_is_polled(env: dict[str, str], seconds: int) -> None:
    assert load({**TEST_ENV, **env}).documents_poll_seconds == seconds
