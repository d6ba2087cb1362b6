"""Which kind of Xero account a company's payments go to (bank accounts, accounts with payments enabled that are not
bank accounts, or either): the company's choice, saving it, and the account a payment is exported to under it.

The choice narrows what Xero itself allows (a bank account, or an account with "Enable payments to this account"
ticked). Saving it checks every payment mapping again: one that no longer fits is flagged on the Mappings page, and
the payment push refuses to send to it until someone picks a fitting account or changes the choice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import companies
from core.auth import Actor, Permission, require
from core.companies import CompanyError, settings_of
from core.mappings import reference, watch
from core.mappings import store as mappings
from core.mappings.reference import Reference
from core.mappings.rules import PAYMENT_ACCOUNTS, check_payment, payment_choice_words
from core.mappings.store import Problem, Resolved
from core.models.base import Company
from core.models.mappings import Mapping, MappingKind

CAUSE = watch.UNFIT
DEFAULT = "any"


def accepts(company: Company) -> str:
    """The company's choice, a key of PAYMENT_ACCOUNTS (an unknown stored value counts as the default)."""
    chosen = settings_of(company).payment_accounts
    return chosen if chosen in PAYMENT_ACCOUNTS else DEFAULT


def save_setting(session: Session, actor: Actor, company_id: int, choice: str) -> str:
    """Save which kind of account payments go to (audited as a settings change), then check every payment mapping
    against it; say which currencies now need another account."""
    require(actor, Permission.EDIT_MAPPINGS, company_id)
    if choice not in PAYMENT_ACCOUNTS:
        raise CompanyError(f"Pick one of: {'; '.join(PAYMENT_ACCOUNTS.values())}.")
    if not companies.change_settings(session, actor, company_id, payment_accounts=choice):
        return "Nothing changed."
    company = companies.get(session, actor, company_id)
    said = f"Payments now go to {payment_choice_words(choice)}."
    ref = reference.load(session, company_id)
    if ref.fetched_at is None:
        return f"{said} Mapped accounts are checked against it once Xero's accounts have been read."
    watch.recheck(session, company_id, ref, mappings.catalog(session, company, ref), MappingKind.PAYMENT)
    unfit = sorted(
        m.source for m in mappings.rows(session, company_id) if m.kind is MappingKind.PAYMENT and m.stale_reason
    )
    if unfit:
        return (
            f"{said} The account mapped for {', '.join(unfit)} does not fit it: pick another one below (the Mappings "
            "page, Payment accounts); until then those payments are not sent."
        )
    return f"{said} Every mapped payment account fits it."


def resolve(session: Session, company_id: int, currency: str, *, ref: Reference | None = None) -> Resolved | Problem:
    """The account a payment in this currency is exported to, or the problem that stops it: no account mapped, or
    one that does not fit the company's choice or no longer takes payments in Xero (as last read from Xero)."""
    row = session.scalar(
        select(Mapping).where(
            Mapping.company_id == company_id,
            Mapping.kind == MappingKind.PAYMENT,
            Mapping.scope == "",
            Mapping.source == currency,
        )
    )
    company = session.get(Company, company_id)
    ref = ref if ref is not None else reference.load(session, company_id)
    if row is not None and company is not None and ref.fetched_at is not None:
        chosen = accepts(company)
        reason = check_payment(ref, currency, row.target, base_currency=company.base_currency, accepts=chosen)
        if reason is not None:
            return Problem(
                CAUSE,
                f"Not sent to Xero: {reason} Pick a fitting account for {currency} on the Mappings page (Payment "
                "accounts), then export the payment again.",
            )
    return mappings.resolve(session, company_id, MappingKind.PAYMENT, currency=currency)
