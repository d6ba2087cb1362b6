"""Small checks on text people type, shared by the services that store it."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 320


def is_email(text: str) -> bool:
    """Whether the text looks like one email address (and fits the column)."""
    return len(text) <= EMAIL_MAX and bool(_EMAIL.match(text))


def csv_safe(value: str) -> str:
    """Defuse text a spreadsheet would run as a formula (=, +, -, @ at the start)."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


def plural(count: int, one: str, many: str) -> str:
    """A count with its noun (and verb) agreeing: plural(1, "change waits", "changes wait") is "1 change waits"."""
    return f"{count:,} {one if count == 1 else many}"
