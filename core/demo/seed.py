"""Demo data: the companies and staff accounts the stakeholder demo signs in with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.companies import CompanySettings
from core.demo import platform_records as demo_platform
from core.mappings import catalog as platform_catalog
from core.models.base import Company, HubMeta, Role, StaffUser
from core.staff.passwords import hash_password

DEMO_PASSWORD = "demo-password"
DEMO_MARKER = "demo_data"


@dataclass(frozen=True)
class DemoCompany:
    name: str
    country: str
    currency: str
    finance_contact_email: str


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    company: str | None = None
    is_company_admin: bool = False

    @property
    def description(self) -> str:
        if self.role is Role.FINANCE_MANAGER:
            admin = ", company admin" if self.is_company_admin else ""
            return f"Finance manager, {self.company}{admin}"
        return {Role.ADMIN: "Hub admin", Role.SUPPORT: "Support team", Role.VIEWER: "Read-only viewer"}[self.role]


COMPANIES = (
    DemoCompany("Harbour Bakery Ltd", "GB", "GBP", "accounts@harbourbakery.example"),
    DemoCompany("Kookaburra Plumbing Pty Ltd", "AU", "AUD", "finance@kookaburraplumbing.example"),
    DemoCompany("Tui Garden Supplies Ltd", "NZ", "NZD", "accounts@tuigarden.example"),
)

ACCOUNTS = (
    DemoAccount(
        "fiona@harbourbakery.example",
        "Fiona Hughes",
        Role.FINANCE_MANAGER,
        "Harbour Bakery Ltd",
        is_company_admin=True,
    ),
    DemoAccount("colin@harbourbakery.example", "Colin Baker", Role.FINANCE_MANAGER, "Harbour Bakery Ltd"),
    DemoAccount(
        "olivia@kookaburraplumbing.example",
        "Olivia Nguyen",
        Role.FINANCE_MANAGER,
        "Kookaburra Plumbing Pty Ltd",
        is_company_admin=True,
    ),
    DemoAccount(
        "mere@tuigarden.example",
        "Mere Parata",
        Role.FINANCE_MANAGER,
        "Tui Garden Supplies Ltd",
        is_company_admin=True,
    ),
    DemoAccount("sam@hub.example", "Sam Patel", Role.SUPPORT),
    DemoAccount("ada@hub.example", "Ada Lovelace", Role.ADMIN),
    DemoAccount("vic@hub.example", "Vic Moreau", Role.VIEWER),
)


def is_demo(session: Session) -> bool:
    """Whether the demo launcher created this database's data."""
    return session.get(HubMeta, DEMO_MARKER) is not None


def is_seeded(session: Session) -> bool:
    """Whether the database already holds companies (a second run keeps them)."""
    return (session.scalar(select(func.count()).select_from(Company)) or 0) > 0


def seed(session: Session) -> bool:
    """Add the demo companies and accounts to an empty database; return whether anything was added."""
    if is_seeded(session):
        return False
    now = clock.now()
    by_name: dict[str, Company] = {}
    for spec in COMPANIES:
        company = Company(
            name=spec.name,
            country=spec.country,
            base_currency=spec.currency,
            finance_contact_email=spec.finance_contact_email,
            settings=CompanySettings().to_json(),
            created_at=now,
        )
        session.add(company)
        by_name[spec.name] = company
    session.flush()
    demo_platform.seed(session, by_name)
    for company in by_name.values():
        platform_catalog.seed(session, company)
    # Marks this database as the demo's, so `manage.py reset-demo` may delete it.
    session.add(HubMeta(key=DEMO_MARKER, value="1"))
    password_hash = hash_password(DEMO_PASSWORD)
    for account in ACCOUNTS:
        session.add(
            StaffUser(
                email=account.email,
                name=account.name,
                role=account.role,
                company_id=by_name[account.company].id if account.company else None,
                is_company_admin=account.is_company_admin,
                password_hash=password_hash,
                created_at=now,
            )
        )
    return True
