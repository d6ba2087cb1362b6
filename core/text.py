"""Small checks on text people type, shared by the services that store it, and the one way text leaves as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # the API's OpenAPI document says the same
_EMAIL = re.compile(EMAIL_PATTERN)
EMAIL_MAX = 320


def is_email(text: str) -> bool:
    """Whether the text looks like one email address (and fits the column)."""
    return len(text) <= EMAIL_MAX and bool(_EMAIL.fullmatch(text))  # fullmatch: no trailing newline


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_safe(value: str) -> str:
    """Defuse text a spreadsheet would run as a formula (=, +, -, @, tab or return at the start); a plain number,
    negative ones included, stays a number."""
    if value[:1] in {"=", "+", "-", "@", "\t", "\r"} and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file's text, every cell through csv_safe (None is an empty cell): the one way the hub writes CSV, so
    nothing the platform or Xero wrote runs as a formula in the spreadsheet that opens it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([csv_safe("" if cell is None else str(cell)) for cell in row])
    return out.getvalue()


def plural(count: int, one: str, many: str) -> str:
    """A count with its noun (and verb) agreeing: plural(1, "change waits", "changes wait") is "1 change waits"."""
    return f"{count:,} {one if count == 1 else many}"
