"""Payments export, the pure plan: wait for the document, refuse without a payment account or above the amount due,
never send twice, and share a document's amount due between payments planned in one batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from core.models.platform import DocumentKind
from core.payments.plan import PaymentFacts, Refuse, Send, Settle, Wait, plan
from core.sync.outbox import Claimed

D = Decimal


def facts(n: int = 1, **changes: object) -> PaymentFacts:
    entry = Claimed(n, 1, 1, "payment", str(n), 1, "create", {"document_id": 7}, f"payment:{n}:v1", 1)
    base = PaymentFacts(
        entry=entry,
        payment_id=n,
        amount=D("50.00"),
        paid_on=date(2026, 11, 20),
        currency="GBP",
        reference="Card 1234",
        xero_id=None,
        document_number="INV-0042",
        document_kind=DocumentKind.SALES_INVOICE,
        document_xero_id="inv-guid",
        document_status="AUTHORISED",
        document_voided=False,
        amount_due=D("120.00"),
        account_code="090",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "kind", "words"),
    [
        pytest.param({}, Send, "", id="sent-to-the-mapped-account"),
        pytest.param({"xero_id": "pay-guid"}, Settle, "", id="already-in-xero-never-twice"),
        pytest.param(
            {"document_xero_id": None}, Wait, "waiting for INV-0042 to reach Xero", id="waits-for-its-document"
        ),
        pytest.param({"document_status": "DRAFT"}, Wait, "is a draft in Xero", id="waits-for-approval"),
        pytest.param({"document_voided": True}, Refuse, "takes no payments", id="voided-document"),
        pytest.param({"document_status": "VOIDED"}, Refuse, "takes no payments", id="voided-in-xero"),
        pytest.param(
            {
                "account_code": None,
                "mapping_cause": "missing_payment_mapping",
                "mapping_message": "No payment account is mapped for EUR.",
            },
            Refuse,
            "mapped for EUR",
            id="no-payment-account",
        ),
        pytest.param({"amount": D("120.01")}, Refuse, "more than the 120.00 GBP still due", id="over-the-amount-due"),
        pytest.param({"amount": D("120.00")}, Send, "", id="exactly-the-amount-due"),
        pytest.param({"amount_due": D("0")}, Refuse, "more than the 0.00 GBP", id="nothing-due-any-more"),
    ],
)
def test_one_payment(changes: dict[str, object], kind: type, words: str) -> None:
    (action,) = plan([facts(**changes)])
    assert isinstance(action, kind)
    if isinstance(action, Wait):
        assert words in action.reason
    if isinstance(action, Refuse):
        assert words in action.message
    if isinstance(action, Send):
        assert action.element == {
            "Invoice": {"InvoiceID": "inv-guid"},
            "Account": {"Code": "090"},
            "Date": "2026-11-20",
            "Amount": str(changes.get("amount", D("50.00"))),
            "Reference": "Card 1234",
        }


def test_the_mapping_cause_is_kept() -> None:
    (action,) = plan([facts(account_code=None, mapping_cause="mapping_stale", mapping_message="archived")])
    assert isinstance(action, Refuse) and action.cause == "mapping_stale"


def test_payments_in_one_batch_share_the_amount_due() -> None:
    actions = plan([facts(1, amount=D("70")), facts(2, amount=D("50")), facts(3, amount=D("1"))])
    assert [type(a) for a in actions] == [Send, Send, Refuse]
    assert "more than the 0.00 GBP" in actions[2].message  # type: ignore[union-attr]


def test_a_credit_note_refund_names_the_credit_note() -> None:
    (action,) = plan([facts(document_kind=DocumentKind.CUSTOMER_CREDIT_NOTE, document_xero_id="cn-guid")])
    assert isinstance(action, Send) and action.element["CreditNote"] == {"CreditNoteID": "cn-guid"}


def test_a_payment_tried_before_and_above_the_amount_due_is_looked_up_before_any_refusal() -> None:
    """Its earlier try may be in Xero (the amount due already counts it): the lookup decides, not this figure."""
    tried = facts(amount_due=D("0.00"), entry=replace(facts().entry, attempts=2))
    (action,) = plan([tried])
    assert isinstance(action, Send) and action.check_due
    (first,) = plan([facts(amount_due=D("0.00"))])
    assert isinstance(first, Refuse) and first.cause == "preflight_failed"
