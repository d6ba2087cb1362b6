"""Tables of the mappings: the platform's own line categories and tax rates, the reference data read from Xero,
and the mappings between them (kept per company, so they survive disconnect, remove and reconnect)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, str_enum


class CategorySide(enum.StrEnum):
    SALES = "sales"  # used on sales invoices and customer credit notes
    PURCHASES = "purchases"  # used on bills and supplier credit notes
    BOTH = "both"


class PlatformCategory(Base):
    """A line category the platform puts on document lines (its `category` code)."""

    __tablename__ = "platform_categories"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    side: Mapped[CategorySide] = mapped_column(str_enum(CategorySide, 12))


class PlatformTaxRate(Base):
    """A tax rate the platform puts on document lines (its `tax_rate` code), with its components."""

    __tablename__ = "platform_tax_rates"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    effective_rate: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    # [{"name", "rate", "compound"}]; one component for a simple rate.
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class XeroReference(Base):
    """The organisation's chart of accounts, tax rates, currencies, contact groups and tracking categories as last
    read from Xero."""

    __tablename__ = "xero_reference"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    accounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tax_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    currencies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    contact_groups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Tracking categories with their options, archived ones included (so a mapped option archived since is known).
    tracking_categories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # The organisation's short code (from /Organisation): links into Xero name the organisation with it.
    short_code: Mapped[str | None] = mapped_column(String(20))


class MappingKind(enum.StrEnum):
    ACCOUNT = "account"  # line category -> account code, per document kind
    TAX = "tax"  # platform tax rate -> Xero tax type, per side (sales / purchases)
    PAYMENT = "payment"  # currency -> account payments go to
    TRACKING = "tracking"  # a line's dimension value -> Xero tracking option, per dimension


class Mapping(Base):
    """One mapping of a company: (kind, scope, source) -> target, with who set it and the watchdog's flag."""

    __tablename__ = "mappings"
    __table_args__ = (UniqueConstraint("company_id", "kind", "scope", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[MappingKind] = mapped_column(str_enum(MappingKind, 12))
    # The document kind (account), the side (tax), the dimension (tracking), or "" (payment).
    scope: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(12))  # "suggested", "person" or "import"
    changed_at: Mapped[datetime]
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    # Set by the watchdog when Xero archived, deleted or changed the target; cleared when fixed.
    stale_reason: Mapped[str | None] = mapped_column(Text)
    stale_since: Mapped[datetime | None]
