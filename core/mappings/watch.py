"""The mapping watchdog: after each reference refresh, every mapping is checked again against what Xero now has.
A mapping whose account, tax rate or tracking option was archived, deleted or changed (class, effective rate) is
flagged with the
reason and the pending documents it would block, and recorded as a sync error; both clear once it is fixed. Payment
mappings are checked again too when the company changes which kind of account payments go to."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, text
from core.auth import SYSTEM
from core.mappings import reference
from core.mappings import store as mappings
from core.mappings.defaults import suggest
from core.mappings.plan import Catalog, Change, check
from core.mappings.rules import side_of
from core.models.base import Company
from core.models.mappings import Mapping, MappingKind
from core.models.platform import PlatformDocument, PlatformPayment
from core.sync import errors

CAUSE = "mapping_stale"
UNFIT = "payment_account_unfit"  # a payment account not of the kind the company chose
SHOWN = 10  # document numbers named in a flag; the rest are counted


def blocked(session: Session, row: Mapping) -> list[str]:
    """Numbers of the platform documents (or payments' documents) not yet in Xero that use this mapping."""
    if row.kind is MappingKind.PAYMENT:
        query = (
            select(PlatformDocument.number)
            .join(PlatformPayment, PlatformPayment.document_id == PlatformDocument.id)
            .where(
                PlatformPayment.company_id == row.company_id,
                PlatformPayment.xero_id.is_(None),
                PlatformPayment.currency == row.source,
            )
        )
        return sorted(set(session.scalars(query)))
    documents = session.scalars(
        select(PlatformDocument).where(
            PlatformDocument.company_id == row.company_id,
            PlatformDocument.xero_id.is_(None),
            PlatformDocument.voided.is_(False),
        )
    )
    found = []
    for document in documents:
        if row.kind is MappingKind.TRACKING:
            hit = any((ln.get("tracking") or {}).get(row.scope) == row.source for ln in document.lines)
        elif row.kind is MappingKind.ACCOUNT:
            hit = document.kind.value == row.scope and any(ln.get("category") == row.source for ln in document.lines)
        else:
            hit = side_of(document.kind) == row.scope and any(ln.get("tax_rate") == row.source for ln in document.lines)
        if hit:
            found.append(document.number)
    return sorted(found)


def blocked_text(numbers: list[str]) -> str:
    """'Blocks INV-1, INV-2 and 3 more.' or that nothing waits on it."""
    if not numbers:
        return "No document waiting to go to Xero uses it yet."
    shown = ", ".join(numbers[:SHOWN])
    more = f" and {len(numbers) - SHOWN} more" if len(numbers) > SHOWN else ""
    return f"It blocks {text.plural(len(numbers), 'document', 'documents')} waiting to go to Xero: {shown}{more}."


def after_refresh(session: Session, company_id: int, *, first: bool) -> int:
    """Check every mapping against the new reference data (on the first pass suggest defaults; on every pass, a
    tracking option for each dimension value that has none, as values keep arriving on documents and a line with
    an unmapped value cannot go to Xero anyway); return how many mappings are flagged now."""
    company = session.get(Company, company_id)
    if company is None:
        return 0
    ref = reference.load(session, company_id)
    catalog = mappings.catalog(session, company, ref)
    suggested = suggest(ref, catalog, mappings.existing(session, company_id))
    if not first:
        suggested = [c for c in suggested if c.kind is MappingKind.TRACKING]
    if suggested:
        note = "Suggested on connect" if first else "Suggested on a refresh from Xero"
        mappings.apply(session, SYSTEM, company_id, tuple(suggested), origin=mappings.SUGGESTED, note=note)
    return recheck(session, company_id, ref, catalog)


def recheck(
    session: Session, company_id: int, ref: reference.Reference, catalog: Catalog, kind: MappingKind | None = None
) -> int:
    """Flag (with a sync error) every mapping, or every one of a kind, that no longer holds, and clear the flags of
    those that hold again; return how many are flagged now."""
    flagged = 0
    for row in mappings.rows(session, company_id):
        if kind is not None and row.kind is not kind:
            continue
        found = _reason(ref, catalog, row)
        if found is None:
            if row.stale_reason:
                mappings.clear_flag(session, row)
            continue
        reason, cause = found
        flagged += 1
        row.stale_reason = reason
        row.stale_since = row.stale_since or clock.now()
        errors.record(
            session,
            company_id=company_id,
            code=cause,
            entity=mappings.entity(row),
            detail=f"{reason} {blocked_text(blocked(session, row))}",
        )
    return flagged


def _reason(ref: reference.Reference, catalog: Catalog, row: Mapping) -> tuple[str, str] | None:
    """Why the mapping no longer holds, in words, and the sync-error cause; None when it still does (or its platform
    side is gone)."""
    change = Change(row.kind, row.scope, row.source, row.target)
    if row.kind is MappingKind.TAX and catalog.rate(row.source) is None:
        return None  # the platform retired the rate: nothing will use this mapping
    if row.kind is MappingKind.ACCOUNT and catalog.category(row.source) is None:
        return None
    reason = check(ref, catalog, change)
    if reason is None:
        return None
    if row.kind is MappingKind.PAYMENT and check(ref, replace(catalog, payment_accounts="any"), change) is None:
        return reason, UNFIT  # Xero still takes payments there: the company's choice of account kind rules it out
    return f"Changed in Xero since it was mapped: {reason}", CAUSE
