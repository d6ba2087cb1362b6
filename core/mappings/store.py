"""Mappings per company: line category → account code per document kind, platform tax rate → Xero tax type per
side, currency → payment account, a line's dimension value → Xero tracking option per dimension. Kept per company
(not per connection), so they survive disconnect, remove and reconnect; every change is audited with before and
after.

The push asks one question per line or payment through resolve()."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock, companies, text
from core.auth import Actor, Permission, require
from core.failures import Refusal
from core.mappings import catalog as platform_catalog
from core.mappings import reference
from core.mappings.plan import Catalog, Change, Plan, plan
from core.mappings.reference import Reference
from core.mappings.rules import KIND_LABELS, side_of, tax_fits_account
from core.models.base import Company
from core.models.mappings import CategorySide, Mapping, MappingKind
from core.models.platform import DocumentKind, PlatformDocument
from core.sync import errors

TABLE_LABELS = {
    MappingKind.ACCOUNT: "Line category → account",
    MappingKind.TAX: "Tax rate → Xero tax type",
    MappingKind.PAYMENT: "Currency → payment account",
    MappingKind.TRACKING: "Dimension → tracking option",
}
Key = tuple[str, str, str]


class MappingError(Refusal):
    """Mapping changes were refused; the message lists each refused row and why."""

    def __init__(self, message: str, refusals: tuple = ()) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.refusals = refusals


@dataclass(frozen=True)
class Resolved:
    target: str


@dataclass(frozen=True)
class Problem:
    cause: str  # a core.sync.errors cause code
    message: str


def catalog(session: Session, company: Company, ref: Reference) -> Catalog:
    """The platform side: categories, tax rates, the currencies that need a payment account, and the dimension
    values on lines (of documents not yet in Xero, and those mapped already)."""
    used = session.scalars(select(PlatformDocument.currency).where(PlatformDocument.company_id == company.id))
    currencies = sorted({company.base_currency, *ref.currencies, *used})
    categories = platform_catalog.categories(session, company.id)
    known = {c.code for c in categories}
    # A category a waiting document carries that the platform never listed can still be mapped (by its code).
    waiting = session.execute(
        select(PlatformDocument.kind, PlatformDocument.lines).where(
            PlatformDocument.company_id == company.id, PlatformDocument.xero_id.is_(None)
        )
    )
    extra: dict[str, set[str]] = {}
    dimensions = {(m.scope, m.source) for m in rows(session, company.id) if m.kind is MappingKind.TRACKING}
    for kind, lines in waiting:
        for line in lines or []:
            dimensions |= {(str(k), str(v)) for k, v in (line.get("tracking") or {}).items()}
            code = str(line.get("category") or "")
            if code and code not in known:
                extra.setdefault(code, set()).add(side_of(kind))
    for code, sides in sorted(extra.items()):
        side = CategorySide(sides.pop()) if len(sides) == 1 else CategorySide.BOTH
        categories.append(
            platform_catalog.Category(code, f"{code} (used on documents, not in the platform's list)", side)
        )
    return Catalog(
        categories=tuple(categories),
        rates=tuple(platform_catalog.tax_rates(session, company.id)),
        currencies=tuple(currencies),
        base_currency=company.base_currency,
        payment_accounts=companies.settings_of(company).payment_accounts,
        dimensions=tuple(sorted(dimensions)),
    )


def rows(session: Session, company_id: int) -> list[Mapping]:
    """The company's mappings, in table order."""
    return list(
        session.scalars(
            select(Mapping)
            .where(Mapping.company_id == company_id)
            .order_by(Mapping.kind, Mapping.scope, Mapping.source)
        )
    )


def export_all(session: Session, company_id: int) -> list[dict[str, str | None]]:
    """Every mapping as plain data (for the export offered before a remove, and diagnostics)."""
    return [
        {"table": m.kind.value, "scope": m.scope, "source": m.source, "target": m.target, "flag": m.stale_reason}
        for m in rows(session, company_id)
    ]


SUGGESTED = "suggested"  # the origin of a mapping the hub suggested on connect, until a person saves it


def existing(session: Session, company_id: int) -> dict[Key, str]:
    """(kind, scope, source) → target for every mapping the company has."""
    return _targets(rows(session, company_id))


def _targets(found: list[Mapping]) -> dict[Key, str]:
    return {(m.kind.value, m.scope, m.source): m.target for m in found}


def check_changes(
    session: Session, actor: Actor, company_id: int, changes: list[Change], *, confirming: bool = False
) -> Plan:
    """The plan for these changes without applying it (a dry run for the page and the CSV preview). A person
    `confirming` a suggestion by saving it as it stands makes a change; a file listing it unchanged does not."""
    company = companies.get(session, actor, company_id)
    ref = reference.load(session, company_id)
    if ref.fetched_at is None:
        raise MappingError(
            "Xero's accounts and tax rates have not been read yet, so nothing can be checked or mapped. Connect to "
            "Xero first; mappings you set are kept across reconnects."
        )
    found = rows(session, company_id)
    suggested = frozenset((m.kind.value, m.scope, m.source) for m in found if confirming and m.origin == SUGGESTED)
    return plan(ref, catalog(session, company, ref), _targets(found), changes, suggested)


def save(
    session: Session, actor: Actor, company_id: int, changes: list[Change], *, origin: str = "person", note: str = ""
) -> Plan:
    """Apply the changes if every one is allowed (else MappingError and nothing changes); audited one by one."""
    require(actor, Permission.EDIT_MAPPINGS, company_id)
    decided = check_changes(session, actor, company_id, changes, confirming=True)
    if not decided.ok:
        lines = "\n".join(f"- {r.where}: {r.reason}" for r in decided.refusals)
        raise MappingError(
            f"Nothing was saved: {text.plural(len(decided.refusals), 'row', 'rows')} cannot be mapped.\n{lines}",
            decided.refusals,
        )
    apply(session, actor, company_id, decided.writes, origin=origin, note=note)
    return decided


def apply(
    session: Session, actor: Actor, company_id: int, writes: tuple[Change, ...], *, origin: str, note: str = ""
) -> None:
    """Write checked changes, each with an audit event (before/after)."""

    current = {(m.kind.value, m.scope, m.source): m for m in rows(session, company_id)}
    now = clock.now()
    for change in writes:
        row = current.get((change.kind.value, change.scope, change.source))
        before = {"target": row.target, "origin": row.origin} if row else None
        if change.target is None:
            if row is None:
                continue
            clear_flag(session, row)
            session.delete(row)
        else:
            if row is None:
                row = Mapping(company_id=company_id, kind=change.kind, scope=change.scope, source=change.source)
                session.add(row)
            elif row.stale_reason:
                clear_flag(session, row)  # a fix for what the watchdog flagged
            row.target, row.origin, row.changed_at, row.changed_by_user_id = change.target, origin, now, actor.user_id
        scope = f" · {KIND_LABELS[DocumentKind(change.scope)]}" if change.kind is MappingKind.ACCOUNT else ""
        scope = f" · {change.scope}" if change.kind in (MappingKind.TAX, MappingKind.TRACKING) else scope
        audit.record(
            session,
            actor=actor,
            action="mapping_changed",
            company_id=company_id,
            target=f"{TABLE_LABELS[change.kind]}: {change.source}{scope}",
            before=before,
            after={"target": change.target, "origin": origin} if change.target else None,
            detail=note or None,
        )
    session.flush()


def entity(row: Mapping) -> errors.EntityRef:
    """The sync error's entity for a mapping: the row it is about, named as the page names it."""
    label = f"{TABLE_LABELS[row.kind]}: {row.source}" + (f" ({row.scope})" if row.scope else "")
    return errors.EntityRef("mapping", f"{row.kind.value}:{row.scope}:{row.source}", label[:255])


def clear_flag(session: Session, row: Mapping) -> None:
    """The mapping is fine again (fixed or removed): drop its flag and resolve its sync error."""
    ref = entity(row)
    row.stale_reason, row.stale_since = None, None
    errors.resolve_for_entity(session, company_id=row.company_id, entity_type=ref.type, entity_id=ref.id)


def _mapping(session: Session, company_id: int, kind: MappingKind, scope: str, source: str) -> Mapping | None:
    return session.scalar(
        select(Mapping).where(
            Mapping.company_id == company_id, Mapping.kind == kind, Mapping.scope == scope, Mapping.source == source
        )
    )


def resolve(
    session: Session,
    company_id: int,
    kind: MappingKind,
    *,
    document_kind: DocumentKind | None = None,
    category: str | None = None,
    tax_rate: str | None = None,
    currency: str | None = None,
    dimension: str | None = None,
    value: str | None = None,
) -> Resolved | Problem:
    """What the push needs for one line or payment: the account code (kind ACCOUNT: document_kind + category), the
    tax type (TAX: document_kind + tax_rate, checked against the line's account when category is given), the
    payment account (PAYMENT: currency) or the tracking option's id (TRACKING: dimension + value); or a Problem
    naming the sync-error cause and what to fix."""
    if kind is MappingKind.TRACKING:
        found = _mapping(session, company_id, kind, dimension or "", value or "")
        if found is None:
            return Problem(
                "missing_tracking_mapping",
                f"The {dimension} {value!r} has no Xero tracking option. Map it on the Mappings page (Tracking).",
            )
        return _fresh(found)
    if kind is MappingKind.PAYMENT:
        found = _mapping(session, company_id, kind, "", currency or "")
        if found is None:
            return Problem(
                "missing_payment_mapping",
                f"No payment account is mapped for {currency}. Map one on the Mappings page (Payment accounts).",
            )
        return _fresh(found)
    assert document_kind is not None, "account and tax mappings are per document kind"
    if kind is MappingKind.ACCOUNT:
        found = _mapping(session, company_id, kind, document_kind.value, category or "")
        if found is None:
            return Problem(
                "missing_account_mapping",
                f"Line category {category!r} has no account for {KIND_LABELS[document_kind].lower()}. Map it on "
                "the Mappings page (Line categories).",
            )
        return _fresh(found)
    side = side_of(document_kind)
    found = _mapping(session, company_id, kind, side, tax_rate or "")
    if found is None:
        return Problem(
            "missing_tax_mapping",
            f"Tax rate {tax_rate!r} has no Xero tax type for {side}. Map it on the Mappings page (Tax rates).",
        )
    result = _fresh(found)
    if isinstance(result, Problem) or category is None:
        return result
    account = resolve(session, company_id, MappingKind.ACCOUNT, document_kind=document_kind, category=category)
    if isinstance(account, Resolved):
        ref = reference.load(session, company_id)
        tax, on = ref.tax(found.target), ref.account(account.target)
        reason = tax_fits_account(tax, on) if tax and on else None
        if reason:
            return Problem("preflight_failed", f"{reason} Map category {category} or tax rate {tax_rate} differently.")
    return result


def _fresh(found: Mapping) -> Resolved | Problem:
    if found.stale_reason:
        return Problem("mapping_stale", f"{found.stale_reason} Fix the mapping on the Mappings page.")
    return Resolved(found.target)
