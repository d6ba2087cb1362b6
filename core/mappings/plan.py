"""Turning requested mapping changes into a plan (pure): each change checked against Xero's reference data and the
platform's catalog; a plan with any refusal applies nothing."""

from __future__ import annotations

from dataclasses import dataclass

from core.mappings.catalog import Category, PlatformRate
from core.mappings.reference import Reference
from core.mappings.rules import SIDES, check_account, check_payment, check_tax, side_of
from core.mappings.tracking import check_tracking
from core.models.mappings import MappingKind
from core.models.platform import DocumentKind


@dataclass(frozen=True)
class Change:
    """Map `source` to `target` (None removes the mapping) in one table and scope."""

    kind: MappingKind
    scope: str
    source: str
    target: str | None
    line: int | None = None  # the CSV line it came from, for messages


@dataclass(frozen=True)
class Refusal:
    change: Change
    reason: str

    @property
    def where(self) -> str:
        """Which row, in the words the page and the CSV use."""
        prefix = f"Line {self.change.line}: " if self.change.line else ""
        scope = f" ({self.change.scope.replace('_', ' ')})" if self.change.scope else ""
        return f"{prefix}{self.change.source}{scope}"


@dataclass(frozen=True)
class Catalog:
    """What the platform has: its categories, tax rates and the currencies documents may be in; and which accounts
    the company lets its payments go to."""

    categories: tuple[Category, ...]
    rates: tuple[PlatformRate, ...]
    currencies: tuple[str, ...]
    base_currency: str
    payment_accounts: str = "any"  # which accounts payments may go to (the company's choice)
    dimensions: tuple[tuple[str, str], ...] = ()  # (dimension, value) on lines, to map to Xero tracking options

    def rate(self, code: str) -> PlatformRate | None:
        return next((r for r in self.rates if r.code == code), None)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)


@dataclass(frozen=True)
class Plan:
    writes: tuple[Change, ...]  # what differs from today (targets None are removals)
    refusals: tuple[Refusal, ...]

    @property
    def ok(self) -> bool:
        return not self.refusals


def check(reference: Reference, catalog: Catalog, change: Change) -> str | None:
    """Why this one change is refused, or None."""
    if change.kind is MappingKind.ACCOUNT:
        if change.scope not in {k.value for k in DocumentKind}:
            return f"Unknown document kind {change.scope!r}; use one of {', '.join(k.value for k in DocumentKind)}."
        category = catalog.category(change.source)
        if category is None:
            return f"The platform has no line category {change.source!r}."
        if category.side.value not in ("both", side_of(change.scope)):
            return f"Category {change.source} is used on {category.side.value} documents only."
        return None if change.target is None else check_account(reference, change.scope, change.target)
    if change.kind is MappingKind.TRACKING:  # any dimension value may be mapped ahead of the documents using it
        return check_tracking(reference, change.scope, change.source, change.target)
    if change.kind is MappingKind.TAX:
        if change.scope not in SIDES:
            return f"Unknown side {change.scope!r}; use sales or purchases."
        rate = catalog.rate(change.source)
        if rate is None:
            return f"The platform has no tax rate {change.source!r}."
        return None if change.target is None else check_tax(reference, change.scope, rate, change.target)
    if len(change.source) != 3 or not change.source.isalpha() or not change.source.isupper():
        return f"{change.source!r} is not a currency code; use three capital letters such as GBP."
    if change.target is None:
        return None
    return check_payment(
        reference,
        change.source,
        change.target,
        base_currency=catalog.base_currency,
        accepts=catalog.payment_accounts,
    )


def plan(
    reference: Reference,
    catalog: Catalog,
    existing: dict[tuple[str, str, str], str],
    changes: list[Change],
    suggested: frozenset[tuple[str, str, str]] = frozenset(),
) -> Plan:
    """Check every change; keep only the ones that differ from today, or that keep a `suggested` row's target (a
    person saving a suggestion as it stands confirms it); refuse duplicates of one row."""
    refusals: list[Refusal] = []
    writes: list[Change] = []
    seen: dict[tuple[str, str, str], Change] = {}
    for change in changes:
        key = (change.kind.value, change.scope, change.source)
        if key in seen:
            first = seen[key]
            at = f"line {first.line}" if first.line else "another row"
            refusals.append(Refusal(change, f"The same mapping is given twice (also on {at}); keep one row."))
            continue
        seen[key] = change
        reason = check(reference, catalog, change)
        if reason is not None:
            refusals.append(Refusal(change, reason))
        elif existing.get(key) != change.target or (key in suggested and change.target is not None):
            writes.append(change)
    return Plan(tuple(writes), tuple(refusals))
