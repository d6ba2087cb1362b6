"""What may be mapped to what, table-driven on a demo organisation's real chart and tax rates (no database)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from core.mappings import csv_files as mappings_csv
from core.mappings.catalog import CATEGORIES, Component, demo_rates, effective
from core.mappings.defaults import suggest
from core.mappings.plan import Catalog, Change, plan
from core.mappings.reference import Reference, account_json, from_rows, tax_json
from core.mappings.rules import account_choices, check_payment, payment_choices, tax_choices, tax_fits_account
from core.models.mappings import MappingKind
from demodata.accounts import build_accounts
from demodata.taxes import build_tax_rates

A, T, P = MappingKind.ACCOUNT, MappingKind.TAX, MappingKind.PAYMENT


def reference(country: str = "GB", currency: str = "GBP") -> Reference:
    accounts = [account_json(a) for a in build_accounts(random.Random(1), country, currency)]
    taxes = [tax_json(t) for t in build_tax_rates(country)]
    return from_rows("tenant", None, accounts, taxes, [{"code": currency}], [])


def catalog(country: str = "GB", currency: str = "GBP") -> Catalog:
    return Catalog(tuple(CATEGORIES), tuple(demo_rates(country)), (currency, "EUR"), currency)


REF, CAT = reference(), catalog()


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        pytest.param(Change(A, "sales_invoice", "GOODS", "200"), None, id="sales-to-revenue"),
        pytest.param(Change(A, "bill", "STOCK", "310"), None, id="bill-to-direct-costs"),
        pytest.param(
            Change(A, "sales_invoice", "GOODS", "429"),
            "an expense account; sales invoices need a revenue",
            id="wrong-class-sales",
        ),
        pytest.param(
            Change(A, "bill", "RENT", "200"), "a revenue account; bills need an expense", id="wrong-class-bill"
        ),
        pytest.param(Change(A, "bill", "RENT", "455"), "archived in Xero", id="archived-account"),
        pytest.param(Change(A, "bill", "RENT", "999"), "not in the organisation's chart", id="unknown-account"),
        pytest.param(Change(A, "sales_invoice", "RENT", "200"), "purchases documents only", id="category-wrong-side"),
        pytest.param(Change(A, "sales_invoice", "NOPE", "200"), "no line category", id="unknown-category"),
        pytest.param(Change(A, "quote", "GOODS", "200"), "Unknown document kind", id="unknown-kind"),
        pytest.param(Change(T, "sales", "VAT20", "OUTPUT2"), None, id="same-rate"),
        pytest.param(Change(T, "sales", "VAT5", "OUTPUT2"), "The effective rates differ", id="rate-mismatch"),
        pytest.param(Change(T, "sales", "VATSUGAR", "TAX001"), None, id="multi-component-equal"),
        pytest.param(
            Change(T, "sales", "VATSUGAR", "OUTPUT2"),
            "VAT 20% + Sugar Levy 2.5%) is 22.5%",
            id="multi-component-mismatch",
        ),
        pytest.param(
            Change(T, "purchases", "VAT20", "OUTPUT2"),
            "cannot be used on expenses accounts",
            id="region-ties-tax-to-class",
        ),
        pytest.param(Change(T, "sales", "VAT175", "TAX003"), "deleted", id="deleted-tax-rate"),
        pytest.param(
            Change(T, "sales", "VAT20", "BOGUS"), "not among the organisation's tax rates", id="unknown-tax-type"
        ),
        pytest.param(Change(T, "both", "VAT20", "OUTPUT2"), "Unknown side", id="unknown-side"),
        pytest.param(Change(P, "", "GBP", "090"), None, id="bank-in-currency"),
        pytest.param(Change(P, "", "GBP", "615"), None, id="clearing-account-with-payments"),
        pytest.param(Change(P, "", "GBP", "200"), "does not accept payments", id="not-a-payment-account"),
        pytest.param(
            Change(P, "", "USD", "092"),
            "Xero takes USD payments only into a bank account in USD",
            id="bank-other-currency",
        ),
        pytest.param(Change(P, "", "gbp", "090"), "not a currency code", id="bad-currency"),
    ],
)
def test_each_change_is_allowed_or_refused_with_its_reason(change: Change, refused: str | None) -> None:
    decided = plan(REF, CAT, {}, [change])
    if refused is None:
        assert decided.ok and decided.writes == (change,)
    else:
        assert not decided.writes and len(decided.refusals) == 1
        assert refused in decided.refusals[0].reason


def test_the_rate_mismatch_names_both_rates() -> None:
    reason = plan(REF, CAT, {}, [Change(T, "sales", "VAT5", "OUTPUT2")]).refusals[0].reason
    assert "Reduced VAT 5% is 5%" in reason and "OUTPUT2 (20% (VAT on Income)) is 20%" in reason


def test_compound_components_count_on_top_of_the_simple_ones() -> None:
    assert effective((Component("Levy", Decimal(2)), Component("GST", Decimal(10), True))) == Decimal("12.2000")
    au = tax_choices(reference("AU", "AUD"), "purchases", next(r for r in demo_rates("AU") if r.code == "FUEL"))
    assert [t.tax_type for t in au] == ["TAX002"]  # Xero's compound "Fuel Levy + GST" is 12.2% too


def test_choices_offer_only_what_may_be_mapped() -> None:
    sales = {a.code for a in account_choices(REF, "sales_invoice")}
    bills = {a.code for a in account_choices(REF, "bill")}
    assert "200" in sales and "429" not in sales and "455" not in bills and "310" in bills
    payments = payment_choices(REF, "EUR", base_currency="GBP")
    assert payments[0].code == "092" and {"090", "615"} <= {a.code for a in payments} and "200" not in payments
    assert check_payment(REF, "USD", "090", base_currency="GBP") is None  # the base-currency bank account


def test_tax_types_are_tied_to_account_classes() -> None:
    output, expense = REF.tax("OUTPUT2"), REF.account("429")
    assert output is not None and expense is not None
    assert "cannot be used on expenses accounts" in (tax_fits_account(output, expense) or "")
    assert tax_fits_account(output, REF.account("200")) is None  # type: ignore[arg-type]


def test_duplicates_and_unchanged_rows() -> None:
    decided = plan(
        REF,
        CAT,
        {("account", "bill", "RENT"): "469"},
        [
            Change(A, "bill", "RENT", "469", 2),
            Change(A, "bill", "RENT", "473", 3),
            Change(A, "bill", "FREIGHT", "425", 4),
        ],
    )
    assert [w.source for w in decided.writes] == ["FREIGHT"]  # RENT unchanged; its duplicate refused
    assert decided.refusals[0].where == "Line 3: RENT (bill)" and "line 2" in decided.refusals[0].reason


def test_defaults_follow_names_and_skip_what_is_mapped() -> None:
    suggested = {
        (c.kind.value, c.scope, c.source): c.target for c in suggest(REF, CAT, {("account", "bill", "RENT"): "400"})
    }
    assert suggested[("account", "sales_invoice", "GOODS")] == "200"  # no shared word: the account named Sales
    assert suggested[("account", "bill", "FREIGHT")] == "425"  # "Postage, Freight & Courier"
    assert suggested[("account", "bill", "STOCK")] == "310"  # "Cost of Goods Sold"
    assert ("account", "bill", "RENT") not in suggested
    assert suggested[("tax", "sales", "VAT20")] == "OUTPUT2" and suggested[("tax", "purchases", "VAT20")] == "INPUT2"
    assert suggested[("tax", "sales", "VATSUGAR")] == "TAX001"
    assert ("tax", "sales", "VAT175") not in suggested  # no live 17.5% tax type in Xero
    assert suggested[("payment", "", "GBP")] == "090" and suggested[("payment", "", "EUR")] == "092"
    assert all(plan(REF, CAT, {}, [Change(A, *k[1:], v)]).ok for k, v in suggested.items() if k[0] == "account")


@pytest.mark.parametrize(
    ("kind", "text", "problem"),
    [
        pytest.param(A, "", "The file is empty", id="empty"),
        pytest.param(
            A,
            "kind,category,code\nbill,RENT,469\n",
            "needs exactly document_kind, category, account_code",
            id="wrong-columns",
        ),
        pytest.param(A, "document_kind,category,account_code\nbill,RENT\n", "Line 2: 2 values, but 3", id="short-row"),
        pytest.param(P, "currency,account_code\n", None, id="header-only"),
    ],
)
def test_csv_shape_errors_are_named_by_line(kind: MappingKind, text: str, problem: str | None) -> None:
    changes, problems = mappings_csv.parse(kind, text)
    if problem is None:
        assert problems == [] and changes == []
    else:
        assert any(problem in p for p in problems), problems


def test_csv_rows_become_changes_with_their_line_numbers() -> None:
    text = "\ufeffDocument_Kind,Category,Account_Code\nBill,RENT,469\n\nsales_invoice,GOODS,\n"
    changes, problems = mappings_csv.parse(A, text)
    assert problems == []
    assert changes == [Change(A, "bill", "RENT", "469", 2), Change(A, "sales_invoice", "GOODS", None, 4)]
    decided = plan(REF, CAT, {}, [*changes, Change(A, "bill", "RENT", "200", 5)])
    assert [r.where for r in decided.refusals] == ["Line 5: RENT (bill)"]
