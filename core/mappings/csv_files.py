"""Mappings as CSV, one file per table: export what is mapped; import with every bad row named and explained, and
nothing applied from a file that has any error."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.mappings import reference
from core.mappings import store as mappings
from core.mappings.plan import Change, Plan
from core.mappings.tracking import NAME_JOIN, target_of
from core.models.mappings import MappingKind
from core.text import csv_text

COLUMNS = {
    MappingKind.ACCOUNT: ("document_kind", "category", "account_code"),
    MappingKind.TAX: ("side", "tax_rate", "tax_type"),
    MappingKind.PAYMENT: ("currency", "account_code"),
    # A tracking option by its category's and its own name, as Xero shows them (ignoring case).
    MappingKind.TRACKING: ("dimension", "value", "tracking_category", "tracking_option"),
}
MAX_ROWS = 5000


@dataclass(frozen=True)
class Preview:
    """What an uploaded file would do: the changes, or every error (then nothing may be applied)."""

    plan: Plan | None
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors and self.plan is not None


def filename(kind: MappingKind) -> str:
    return f"mappings-{kind.value}.csv"


def export(session: Session, actor: Actor, company_id: int, kind: MappingKind) -> str:
    """The table's mappings as CSV (the same columns import takes)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    ref = reference.load(session, company_id)
    rows = []
    for row in mappings.rows(session, company_id):
        if row.kind is not kind:
            continue
        if kind is MappingKind.TRACKING:
            option = ref.option(row.target)
            rows.append([row.scope, row.source, *((option.category, option.name) if option else ("", row.target))])
        else:
            rows.append(
                [row.source, row.target] if kind is MappingKind.PAYMENT else [row.scope, row.source, row.target]
            )
    return csv_text(COLUMNS[kind], rows)


def parse(kind: MappingKind, text: str) -> tuple[list[Change], list[str]]:
    """The file's rows as changes, and what is wrong with the file's shape (pure)."""
    if not text.strip():
        return [], ["The file is empty. Download the current mappings for the columns it needs."]
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    wanted = list(COLUMNS[kind])
    if header != wanted:
        return [], [
            f"Line 1: the columns are {', '.join(header) or 'missing'}, but this table's file needs exactly "
            f"{', '.join(wanted)} (in that order). Download the current mappings to see the layout."
        ]
    changes: list[Change] = []
    problems: list[str] = []
    for number, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(changes) >= MAX_ROWS:
            problems.append(f"The file has more than {MAX_ROWS} rows; split it.")
            break
        if len(raw) != len(wanted):
            problems.append(f"Line {number}: {len(raw)} values, but {len(wanted)} columns are needed.")
            continue
        cells = [cell.strip() for cell in raw]
        target = cells[-1] or None  # an empty target removes the mapping
        if kind is MappingKind.TRACKING:
            target = f"{cells[2]}{NAME_JOIN}{cells[3]}" if cells[2] or cells[3] else None
            changes.append(Change(kind, cells[0].lower(), cells[1], target, number))
        elif kind is MappingKind.PAYMENT:
            changes.append(Change(kind, "", cells[0].upper(), target, number))
        else:
            changes.append(Change(kind, cells[0].lower(), cells[1], target, number))
    return changes, problems


def preview(session: Session, actor: Actor, company_id: int, kind: MappingKind, text: str) -> Preview:
    """Check an uploaded file without applying it."""
    require(actor, Permission.EDIT_MAPPINGS, company_id)
    changes, problems = parse(kind, text)
    if problems:
        return Preview(None, tuple(problems))
    if kind is MappingKind.TRACKING:  # category and option names → the option's id in Xero
        ref = reference.load(session, company_id)
        changes = [replace(c, target=target_of(ref, *c.target.split(NAME_JOIN, 1))) if c.target else c for c in changes]
    decided = mappings.check_changes(session, actor, company_id, changes)
    return Preview(decided, tuple(f"{r.where}: {r.reason}" for r in decided.refusals))


def import_file(
    session: Session, actor: Actor, company_id: int, kind: MappingKind, text: str, *, name: str = "upload"
) -> Preview:
    """Apply an uploaded file if it has no error at all; otherwise apply nothing and say why, row by row."""
    checked = preview(session, actor, company_id, kind, text)
    if checked.ok and checked.plan is not None:
        mappings.apply(session, actor, company_id, checked.plan.writes, origin="import", note=f"From CSV file {name}")
    return checked
