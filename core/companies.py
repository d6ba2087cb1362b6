"""The platform's customer companies, each seen only by the staff allowed to see it."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, PermissionDenied, company_scope, require
from core.failures import Refusal
from core.models.base import Company
from core.text import is_email

COUNTRIES = {"GB": "United Kingdom", "AU": "Australia", "NZ": "New Zealand"}


class CompanyError(Refusal):
    """A company change was refused; the message says why and what to do."""


# Who owns a linked contact's details after the import (a company setting; by role is the default).
OWNERSHIPS = {
    "by_role": "Suppliers: the platform's details win. Customers only: Xero's details flow in.",
    "platform": "Every contact: the platform's details win; edits in Xero show as differences.",
    "xero": "Every contact: Xero's details win; edits in Xero flow into the platform.",
}


def platform_owns(is_supplier: bool, ownership: str) -> bool:
    """Whether the platform owns a linked contact's details (else Xero does), whichever side created it: by role,
    suppliers and contacts that are both are the platform's and customer-only contacts are Xero's."""
    if ownership in ("platform", "xero"):
        return ownership == "platform"
    return is_supplier


@dataclass(frozen=True)
class CompanySettings:
    """Per-company settings, stored as JSON; unknown keys are kept, missing ones take defaults."""

    alert_digest_minutes: int = 60
    contact_import_policy: str = "suppliers_and_contacts"
    # Who owns a linked contact's details after the import: one of OWNERSHIPS.
    contact_ownership: str = "by_role"
    phone_types: tuple[str, ...] = ("MOBILE", "DEFAULT")
    # The contact groups the "groups" import policy takes.
    import_groups: tuple[str, ...] = ()
    # Which Xero accounts payments may go to: one of core.mappings.rules.PAYMENT_ACCOUNTS.
    payment_accounts: str = "any"

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> CompanySettings:
        raw = raw or {}
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        for name in ("phone_types", "import_groups"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)

    def platform_owns(self, is_supplier: bool) -> bool:
        return platform_owns(is_supplier, self.contact_ownership)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["phone_types"] = list(self.phone_types)
        data["import_groups"] = list(self.import_groups)
        return data


def list_visible(session: Session, actor: Actor) -> list[Company]:
    """The companies this actor may see, by name."""
    query = select(Company).order_by(Company.name)
    scope = company_scope(actor)
    if scope is not None:
        query = query.where(Company.id.in_(scope))
    return list(session.scalars(query))


def get(session: Session, actor: Actor, company_id: int) -> Company:
    """One company, if the actor may see it."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    company = session.get(Company, company_id)
    if company is None:
        raise PermissionDenied("That company does not exist or you cannot see it.")
    return company


def settings_of(company: Company) -> CompanySettings:
    return CompanySettings.from_json(company.settings)


def _check_email(email: str | None) -> str | None:
    email = (email or "").strip().lower() or None
    if email is not None and not is_email(email):
        raise CompanyError(f"{email!r} is not an email address.")
    return email


def create(
    session: Session,
    actor: Actor,
    *,
    name: str,
    country: str,
    base_currency: str,
    finance_contact_email: str | None = None,
) -> Company:
    """Add a company (admins only)."""
    require(actor, Permission.MANAGE_COMPANIES)
    name = name.strip()
    if not name:
        raise CompanyError("Give the company a name.")
    if len(name) > 200:
        raise CompanyError("Company names can be at most 200 characters.")
    if country not in COUNTRIES:
        raise CompanyError(f"Country must be one of {', '.join(COUNTRIES)}.")
    base_currency = base_currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", base_currency):
        raise CompanyError("The base currency is a three-letter ISO code, such as GBP, AUD or NZD.")
    if session.scalar(select(Company.id).where(Company.name == name)) is not None:
        raise CompanyError(f"A company called {name!r} already exists.")
    company = Company(
        name=name,
        country=country,
        base_currency=base_currency,
        finance_contact_email=_check_email(finance_contact_email),
        settings=CompanySettings().to_json(),
        created_at=clock.now(),
    )
    session.add(company)
    session.flush()
    audit.record(session, actor=actor, action="company_created", company_id=company.id, target=name)
    return company


def update_profile(
    session: Session,
    actor: Actor,
    company_id: int,
    *,
    finance_contact_email: str | None,
    settings: CompanySettings,
) -> Company:
    """Change a company's finance contact and settings, recording before and after."""
    require(actor, Permission.EDIT_COMPANY, company_id)
    company = get(session, actor, company_id)
    if settings.alert_digest_minutes < 5 or settings.alert_digest_minutes > 24 * 60:
        raise CompanyError("The alert window must be between 5 minutes and 24 hours.")
    before = {"finance_contact_email": company.finance_contact_email, **settings_of(company).to_json()}
    company.finance_contact_email = _check_email(finance_contact_email)
    merged = dict(company.settings or {})
    merged.update(settings.to_json())
    company.settings = merged
    after = {"finance_contact_email": company.finance_contact_email, **settings.to_json()}
    changed = {k for k in after if before.get(k) != after[k]}
    if changed:
        audit.record(
            session,
            actor=actor,
            action="company_changed",
            company_id=company.id,
            target=company.name,
            before={k: before.get(k) for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )
    return company


def change_settings(session: Session, actor: Actor, company_id: int, **changes: Any) -> bool:
    """Change some of a company's settings, keeping the others (audited as a settings change, like every company
    change); False when they already had those values."""
    company = get(session, actor, company_id)
    current = settings_of(company)
    wanted = replace(current, **changes)
    if wanted == current:
        return False
    update_profile(session, actor, company_id, finance_contact_email=company.finance_contact_email, settings=wanted)
    return True
