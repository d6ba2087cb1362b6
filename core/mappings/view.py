"""What the Mappings page shows: per table, one row per thing to map with its current target, the allowed choices,
the watchdog's flag and the documents it blocks; plus the reference data's age and whether a refresh waits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, allowed, require
from core.mappings import reference, refresh, tracking
from core.mappings import store as mappings
from core.mappings import watch as mappings_watch
from core.mappings.reference import rate_text
from core.mappings.rules import (
    KIND_LABELS,
    SIDES,
    account_choices,
    payment_choices,
    payment_hint,
    side_of,
    tax_choices,
)
from core.models.base import Company
from core.models.mappings import CategorySide, MappingKind, XeroReference
from core.models.platform import DocumentKind
from core.models.sync import Connection, ConnectionState, ErrorStatus, SyncError
from core.sync import runs

NO_TRACKING = (
    "Xero has no active tracking category with options. Add one in Xero (Settings → Tracking categories), then "
    "press “Refresh from Xero” here."
)
# The causes a mapping on this page fixes (core.sync.causes).
MAPPING_CAUSES = ("missing_account_mapping", "missing_tax_mapping", "missing_tracking_mapping", "mapping_stale")
ORIGINS = {"suggested": "Suggested (check it)", "person": "Set by a person", "import": "Imported from CSV"}


@dataclass(frozen=True)
class Row:
    kind: MappingKind
    scope: str
    scope_label: str
    source: str
    source_label: str
    target: str | None
    origin: str
    flag: str | None  # the watchdog's reason and the documents it blocks
    choices: tuple[tuple[str, str], ...]  # (code, label) a person may pick
    hint: str | None = None  # shown when there is nothing to pick
    target_label: str | None = None  # the target in words when its code is not (a tracking option's id)


@dataclass(frozen=True)
class Page:
    company_id: int
    connected: bool
    tenant_name: str | None
    fetched_at: datetime | None
    refresh_waiting: bool
    can_edit: bool
    accounts: tuple[Row, ...]
    taxes: tuple[Row, ...]
    payments: tuple[Row, ...]
    payment_accounts: str = "any"  # which accounts payments may go to: a key of rules.PAYMENT_ACCOUNTS
    tracking: tuple[Row, ...] = ()  # one per dimension value seen on lines or mapped
    waiting: int = 0  # open sync errors of documents refused for a missing or out-of-date mapping

    @property
    def flagged(self) -> tuple[Row, ...]:
        return tuple(r for r in (*self.accounts, *self.taxes, *self.payments, *self.tracking) if r.flag)


def page(session: Session, actor: Actor, company_id: int) -> Page:
    """Everything the Mappings page shows for one company."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    company = session.get(Company, company_id)
    assert company is not None
    ref = reference.load(session, company_id)
    cat = mappings.catalog(session, company, ref)
    current = {(m.kind.value, m.scope, m.source): m for m in mappings.rows(session, company_id)}
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))

    def row(kind: MappingKind, scope: str, scope_label: str, source: str, label: str, choices, hint=None) -> Row:  # type: ignore[no-untyped-def]
        found = current.get((kind.value, scope, source))
        flag = None
        if found is not None and found.stale_reason:
            flag = f"{found.stale_reason} {mappings_watch.blocked_text(mappings_watch.blocked(session, found))}"
        return Row(
            kind,
            scope,
            scope_label,
            source,
            label,
            found.target if found else None,
            ORIGINS.get(found.origin, found.origin) if found else "Not mapped",
            flag,
            tuple(choices),
            hint,
        )

    accounts = []
    for kind in DocumentKind:
        choices = [(a.code, a.label) for a in account_choices(ref, kind)]
        for category in cat.categories:
            if category.side in (CategorySide.BOTH, CategorySide(side_of(kind))):
                label = f"{category.code} · {category.name}"
                accounts.append(row(MappingKind.ACCOUNT, kind.value, KIND_LABELS[kind], category.code, label, choices))
    taxes = []
    for side, side_label in SIDES.items():
        for rate in cat.rates:
            parts = " + ".join(f"{c.name} {rate_text(c.rate)}" for c in rate.components)
            label = f"{rate.code} · {rate.name} ({rate_text(rate.effective_rate)}"
            label += f": {parts})" if len(rate.components) > 1 else ")"
            choices = [(t.tax_type, t.label) for t in tax_choices(ref, side, rate)]
            hint = None if choices or ref.fetched_at is None else "No Xero tax type has this effective rate."
            taxes.append(row(MappingKind.TAX, side, side_label, rate.code, label, choices, hint))
    payments = []
    base, accepts = company.base_currency, cat.payment_accounts
    for currency in cat.currencies:
        choices = [(a.code, a.label) for a in payment_choices(ref, currency, base_currency=base, accepts=accepts)]
        hint = (
            None if choices or ref.fetched_at is None else payment_hint(currency, base_currency=base, accepts=accepts)
        )
        payments.append(row(MappingKind.PAYMENT, "", "", currency, currency, choices, hint))
    options = [(o.option_id, o.label) for o in tracking.choices(ref)]
    none = None if options or ref.fetched_at is None else NO_TRACKING
    dimensions = []
    for dimension, value in cat.dimensions:
        named = dimension.replace("_", " ").capitalize()
        found = row(MappingKind.TRACKING, dimension, named, value, value, options, none)
        option = ref.option(found.target) if found.target else None
        dimensions.append(replace(found, target_label=option.label if option else None))
    return Page(
        company_id=company_id,
        connected=connection is not None and connection.state is ConnectionState.CONNECTED,
        tenant_name=connection.tenant_name if connection else None,
        fetched_at=ref.fetched_at,
        refresh_waiting=runs.under_way(session, company_id, (refresh.JOB,)),
        can_edit=allowed(actor, Permission.EDIT_MAPPINGS, company_id) and ref.fetched_at is not None,
        accounts=tuple(accounts),
        taxes=tuple(taxes),
        payments=tuple(payments),
        payment_accounts=accepts,
        tracking=tuple(dimensions),
        waiting=_waiting(session, company_id),
    )


def read_from_xero(session: Session, actor: Actor, company_id: int) -> bool:
    """Whether Xero's accounts and tax rates have been read for the company (one small read)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    return session.scalar(select(XeroReference.fetched_at).where(XeroReference.company_id == company_id)) is not None


def _waiting(session: Session, company_id: int) -> int:
    """Open sync errors that a mapping fixes (the page then says where to retry them)."""
    found = session.scalar(
        select(func.count())
        .select_from(SyncError)
        .where(
            SyncError.company_id == company_id,
            SyncError.status == ErrorStatus.OPEN,
            SyncError.cause.in_(MAPPING_CAUSES),
        )
    )
    return int(found or 0)
