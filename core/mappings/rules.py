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
# Which accounts a company's payments may go to (CompanySettings.payment_accounts), in a finance manager's words.
# Xero itself takes payments into bank accounts and into accounts with "Enable payments to this account" ticked.
PAYMENT_ACCOUNTS = {
    "any": "Bank accounts, or other accounts with payments enabled (such as a clearing account)",
    "bank": "Bank accounts only",
    "payments_enabled": "Accounts with payments enabled in Xero, not bank accounts (such as a clearing account)",
}
_ADD_BANK = "add a bank account in {currency}{or_base} (Accounting \u2192 Bank accounts \u2192 Add bank account)"
_ENABLE = (
    "open an account that is not a bank account in the chart of accounts (Accounting \u2192 Chart of accounts "
    "\u2192 the account, for example a clearing account) and tick \u201cEnable payments to this account\u201d"
)
_REFRESH = " Then press \u201cRefresh from Xero\u201d here."


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


def payment_choice_words(accepts: str) -> str:
    """The company's choice in running text: 'bank accounts only'."""
    words = PAYMENT_ACCOUNTS[accepts]
    return words[:1].lower() + words[1:]


def _setting_words(accepts: str) -> str:
    return (
        f"this company's payments go to \u201c{payment_choice_words(accepts)}\u201d (the choice at the top of "
        "Payment accounts on the Mappings page)"
    )


def check_payment(
    reference: Reference, currency: str, code: str, *, base_currency: str, accepts: str = "any"
) -> str | None:
    """Why payments in this currency cannot go to this account, or None when they can: Xero takes payments into
    bank accounts and accounts with payments enabled, and the company may narrow that to one kind (accepts)."""
    account = reference.account(code)
    if account is None:
        return (
            f"Account {code} is not in the organisation's chart of accounts as last read from Xero. Pick one from "
            "the list, or press \u201cRefresh from Xero\u201d."
        )
    if not account.active:
        return f"Account {account.label} is {account.status.lower()} in Xero, and Xero refuses payments to it."
    bank = account.type == "BANK"
    if accepts == "bank" and not bank:
        return (
            f"Account {account.label} is not a bank account, and {_setting_words(accepts)}. Pick a bank account, "
            "or change that choice."
        )
    if accepts == "payments_enabled" and bank:
        return (
            f"Account {account.label} is a bank account, and {_setting_words(accepts)}. Pick an account with "
            "payments enabled, or change that choice."
        )
    if not bank and not account.payments_enabled:
        return (
            f"Account {account.label} does not accept payments: Xero only takes payments into bank accounts or "
            "accounts with \u201cEnable payments to this account\u201d ticked."
        )
    if bank and account.currency and account.currency not in (currency, base_currency):
        return (
            f"Bank account {account.label} is in {account.currency}; Xero takes {currency} payments only into a "
            f"bank account in {currency} or in the organisation's base currency ({base_currency})."
        )
    return None


def payment_choices(reference: Reference, currency: str, *, base_currency: str, accepts: str = "any") -> list[Account]:
    """Accounts payments in this currency may go to, of the kind the company chose: bank accounts in it (or the
    base currency), and accounts with payments enabled; bank accounts in the currency itself first."""
    allowed = [
        a
        for a in reference.accounts
        if check_payment(reference, currency, a.code, base_currency=base_currency, accepts=accepts) is None
    ]
    return sorted(allowed, key=lambda a: (a.type != "BANK" or a.currency != currency, a.type != "BANK", a.code))


def payment_hint(currency: str, *, base_currency: str, accepts: str = "any") -> str:
    """What to do in Xero when no account can take payments in this currency, for the kind the company chose."""
    or_base = f" or in {base_currency}, the organisation's base currency" if currency != base_currency else ""
    add_bank = _ADD_BANK.format(currency=currency, or_base=or_base)
    if accepts == "bank":
        return f"No bank account in Xero takes payments in {currency}. In Xero, {add_bank}.{_REFRESH}"
    if accepts == "payments_enabled":
        return (
            f"No account in Xero has payments enabled, so {currency} payments have nowhere to go (bank accounts "
            f"are not offered: see the choice above). In Xero, {_ENABLE} and save.{_REFRESH}"
        )
    return f"No account in Xero accepts payments in {currency}. In Xero, either {add_bank}, or {_ENABLE}.{_REFRESH}"
