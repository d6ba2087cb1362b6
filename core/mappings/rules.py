"""What may be mapped to what (pure): the accounts a line category may use per document kind, the Xero tax types a
platform tax rate may use, the accounts payments may go to, and the reason for every refusal in plain words."""

from __future__ import annotations

from core.mappings.catalog import PlatformRate
from core.mappings.reference import CLASS_FLAGS, Account, Reference, TaxType, rate_text
from core.models.platform import DocumentKind

SALES_KINDS = (DocumentKind.SALES_INVOICE, DocumentKind.CUSTOMER_CREDIT_NOTE)
PURCHASE_KINDS = (DocumentKind.BILL, DocumentKind.SUPPLIER_CREDIT_NOTE)
SIDES = {"sales": "Sales (invoices and customer credit notes)", "purchases": "Purchases (bills and supplier credits)"}
KIND_LABELS = {
    DocumentKind.SALES_INVOICE: "Sales invoices",
    DocumentKind.CUSTOMER_CREDIT_NOTE: "Customer credit notes",
    DocumentKind.BILL: "Bills",
    DocumentKind.SUPPLIER_CREDIT_NOTE: "Supplier credit notes",
}
# Sales lines go to revenue accounts, purchase lines to expense accounts (DESIGN's Decisions).
CLASS_FOR_SIDE = {"sales": "REVENUE", "purchases": "EXPENSE"}
CLASS_WORDS = {"REVENUE": "a revenue", "EXPENSE": "an expense", "ASSET": "an asset", "LIABILITY": "a liability"}
PAYMENT_HINT = (
    "No account in Xero accepts payments in {currency}. In Xero, either add a bank account in {currency} "
    "(Accounting → Bank accounts → Add bank account), or open an account in the chart of accounts (Accounting → "
    "Chart of accounts → the account) and tick \u201cEnable payments to this account\u201d, e.g. a clearing "
    "account. Then press \u201cRefresh from Xero\u201d here."
)


def side_of(kind: DocumentKind | str) -> str:
    """'sales' for sales invoices and customer credit notes, 'purchases' for bills and supplier credit notes."""
    return "sales" if DocumentKind(kind) in SALES_KINDS else "purchases"


def _class_words(account_class: str) -> str:
    return CLASS_WORDS.get(account_class, f"a {account_class.lower() or 'unclassified'}")


def account_choices(reference: Reference, kind: DocumentKind | str) -> list[Account]:
    """Active accounts of the class this kind of document's lines need."""
    wanted = CLASS_FOR_SIDE[side_of(kind)]
    return [a for a in reference.accounts if a.active and a.account_class == wanted]


def check_account(reference: Reference, kind: DocumentKind | str, code: str) -> str | None:
    """Why this account cannot take this kind of document's lines, or None when it can."""
    account = reference.account(code)
    label = KIND_LABELS[DocumentKind(kind)].lower()
    if account is None:
        return (
            f"Account {code} is not in the organisation's chart of accounts as last read from Xero (it may have "
            "been deleted there). Pick an account from the list, or press \u201cRefresh from Xero\u201d if it was "
            "added just now."
        )
    if not account.active:
        return (
            f"Account {account.label} is {account.status.lower()} in Xero, and Xero refuses it on new documents. "
            "Pick an active account, or restore this one in Xero and refresh."
        )
    wanted = CLASS_FOR_SIDE[side_of(kind)]
    if account.account_class != wanted:
        return (
            f"Account {account.label} is {_class_words(account.account_class)} account; {label} need "
            f"{_class_words(wanted)} account so they land on the right side of the books."
        )
    return None


def tax_fits_account(tax: TaxType, account: Account) -> str | None:
    """Why Xero would refuse this tax type on this account, or None: UK, AU and NZ tie tax types to account
    classes (TaxRate.CanApplyTo…)."""
    flag = CLASS_FLAGS.get(account.account_class)
    if flag is None or flag in tax.applies_to:
        return None
    return (
        f"Xero's tax type {tax.tax_type} ({tax.name}) cannot be used on {flag} accounts such as {account.label}: "
        "in this organisation's region Xero ties each tax type to the kinds of account it applies to."
    )


def _components(rate: PlatformRate) -> str:
    return " + ".join(f"{c.name} {rate_text(c.rate)}{' (compound)' if c.compound else ''}" for c in rate.components)


def check_tax(reference: Reference, side: str, rate: PlatformRate, tax_type: str) -> str | None:
    """Why this Xero tax type cannot stand for the platform tax rate on this side, or None when it can."""
    tax = reference.tax(tax_type)
    if tax is None:
        return (
            f"Tax type {tax_type} is not among the organisation's tax rates as last read from Xero (it may have been "
            "deleted there). Pick one from the list, or press \u201cRefresh from Xero\u201d."
        )
    if not tax.active:
        return f"Xero's tax rate {tax.label} is {tax.status.lower()}, and Xero refuses it on new documents."
    if tax.effective_rate != rate.effective_rate:
        parts = f" ({_components(rate)})" if len(rate.components) > 1 else ""
        return (
            f"The effective rates differ: the platform's {rate.name}{parts} is {rate_text(rate.effective_rate)}, "
            f"but Xero's {tax.tax_type} ({tax.name}) is {rate_text(tax.effective_rate)}. Only a tax type with the "
            "same effective rate can be mapped; otherwise Xero would work out different tax than the platform "
            "charged."
        )
    wanted = CLASS_FLAGS[CLASS_FOR_SIDE[side]]
    if wanted not in tax.applies_to:
        return (
            f"Xero's tax type {tax.tax_type} ({tax.name}) cannot be used on {wanted} accounts, so it cannot go on "
            f"{side} lines: in this organisation's region Xero ties each tax type to the kinds of account it "
            "applies to. Pick a tax type for " + ("income." if side == "sales" else "expenses.")
        )
    return None


def tax_choices(reference: Reference, side: str, rate: PlatformRate) -> list[TaxType]:
    """The Xero tax types this platform rate may map to on this side."""
    return [t for t in reference.tax_types if check_tax(reference, side, rate, t.tax_type) is None]


def check_payment(reference: Reference, currency: str, code: str, *, base_currency: str) -> str | None:
    """Why payments in this currency cannot go to this account, or None when they can."""
    account = reference.account(code)
    if account is None:
        return (
            f"Account {code} is not in the organisation's chart of accounts as last read from Xero. Pick one from "
            "the list, or press \u201cRefresh from Xero\u201d."
        )
    if not account.active:
        return f"Account {account.label} is {account.status.lower()} in Xero, and Xero refuses payments to it."
    if account.type != "BANK" and not account.payments_enabled:
        return (
            f"Account {account.label} does not accept payments: Xero only takes payments into bank accounts or "
            "accounts with \u201cEnable payments to this account\u201d ticked."
        )
    if account.type == "BANK" and account.currency and account.currency not in (currency, base_currency):
        return (
            f"Bank account {account.label} is in {account.currency}; Xero takes {currency} payments only into a "
            f"bank account in {currency} or in the organisation's base currency ({base_currency})."
        )
    return None


def payment_choices(reference: Reference, currency: str, *, base_currency: str) -> list[Account]:
    """Accounts payments in this currency may go to: bank accounts in it (or the base currency), and accounts
    with payments enabled; bank accounts in the currency itself first."""
    found = [a for a in reference.accounts if check_payment(reference, currency, a.code, base_currency=base_currency)]
    allowed = [a for a in reference.accounts if a not in found]
    return sorted(allowed, key=lambda a: (a.type != "BANK" or a.currency != currency, a.type != "BANK", a.code))
