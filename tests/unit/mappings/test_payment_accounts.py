"""Which accounts payments may go to, by the company's choice (bank accounts, accounts with payments enabled that
are not bank accounts, or either), table-driven on a demo organisation's real chart (no database)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.companies import CompanySettings
from core.mappings.defaults import suggest
from core.mappings.plan import Change, plan
from core.mappings.reference import Reference
from core.mappings.rules import PAYMENT_ACCOUNTS, payment_choices, payment_hint
from core.models.mappings import MappingKind
from tests.unit.mappings.test_rules import CAT, REF

P = MappingKind.PAYMENT


def without_payments_enabled(ref: Reference) -> Reference:
    """The same chart with "Enable payments to this account" unticked everywhere."""
    return replace(ref, accounts=tuple(replace(a, payments_enabled=False) for a in ref.accounts))


def test_the_default_keeps_both_kinds_and_every_choice_has_words() -> None:
    assert CompanySettings().payment_accounts == "any"
    assert CompanySettings.from_json({}).payment_accounts == "any"
    assert CompanySettings.from_json({"payment_accounts": "bank"}).payment_accounts == "bank"
    assert set(PAYMENT_ACCOUNTS) == {"any", "bank", "payments_enabled"}
    assert "not bank accounts" in PAYMENT_ACCOUNTS["payments_enabled"]


@pytest.mark.parametrize(
    ("accepts", "code", "refused"),
    [
        pytest.param("any", "090", None, id="either-bank"),
        pytest.param("any", "615", None, id="either-clearing"),
        pytest.param("bank", "090", None, id="bank-bank"),
        pytest.param("bank", "615", "615 · Stripe Clearing is not a bank account", id="bank-refuses-clearing"),
        pytest.param("bank", "200", "is not a bank account", id="bank-refuses-revenue"),
        pytest.param("payments_enabled", "615", None, id="enabled-clearing"),
        pytest.param("payments_enabled", "090", "090 · Business Bank Account is a bank account", id="enabled-no-bank"),
        pytest.param("payments_enabled", "200", "does not accept payments", id="enabled-refuses-revenue"),
        pytest.param("payments_enabled", "455", "archived", id="enabled-refuses-archived"),
    ],
)
def test_a_payment_account_must_fit_the_company_choice(accepts: str, code: str, refused: str | None) -> None:
    change = Change(P, "", "GBP", code)
    decided = plan(REF, replace(CAT, payment_accounts=accepts), {}, [change])
    if refused is None:
        assert decided.ok and decided.writes == (change,)
    else:
        (refusal,) = decided.refusals
        assert refused in refusal.reason
        if "bank account" in refused:  # a refusal by the setting says where to change it
            assert "Mappings page" in refusal.reason


def test_the_accounts_offered_follow_the_choice() -> None:
    both = {a.code for a in payment_choices(REF, "GBP", base_currency="GBP")}
    banks = payment_choices(REF, "GBP", base_currency="GBP", accepts="bank")
    enabled = payment_choices(REF, "GBP", base_currency="GBP", accepts="payments_enabled")
    assert {"090", "615"} <= both
    assert banks and all(a.type == "BANK" for a in banks) and "090" in {a.code for a in banks}
    assert [a.code for a in enabled] == ["615"]
    assert payment_choices(without_payments_enabled(REF), "GBP", base_currency="GBP", accepts="payments_enabled") == []


def test_an_empty_list_says_what_to_do_in_xero() -> None:
    enabled = payment_hint("GBP", base_currency="GBP", accepts="payments_enabled")
    assert "\u201cEnable payments to this account\u201d" in enabled and "Chart of accounts" in enabled
    assert "not a bank account" in enabled and "Refresh from Xero" in enabled
    bank = payment_hint("EUR", base_currency="GBP", accepts="bank")
    assert "add a bank account" in bank and "EUR" in bank and "GBP" in bank and "Enable payments" not in bank
    either = payment_hint("GBP", base_currency="GBP", accepts="any")
    assert "add a bank account" in either and "Enable payments to this account" in either


def test_suggestions_on_connect_follow_the_choice() -> None:
    def payments(accepts: str) -> dict[str, str | None]:
        found = suggest(REF, replace(CAT, payment_accounts=accepts), {})
        return {c.source: c.target for c in found if c.kind is P}

    assert payments("any") == payments("bank") == {"GBP": "090", "EUR": "092"}
    assert payments("payments_enabled") == {"GBP": "615", "EUR": "615"}
