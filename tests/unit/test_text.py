"""CSV cells: what a spreadsheet would run as a formula is defused, plain numbers stay numbers."""

from __future__ import annotations

import pytest

from core.text import csv_safe, csv_text, plural


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),
        ("45.00", "45.00"),
        ("Ely Eggs", "Ely Eggs"),
    ],
)
def test_csv_safe(cell: str, written: str) -> None:
    assert csv_safe(cell) == written


def test_csv_text_runs_every_cell_through_the_same_path() -> None:
    assert csv_text(["=h"], [["=a", None, -3]]) == "'=h\r\n'=a,,-3\r\n"


def test_plural() -> None:
    assert [plural(n, "change waits", "changes wait") for n in (0, 1, 2, 1500)] == [
        "0 changes wait", "1 change waits", "2 changes wait", "1,500 changes wait"
    ]  # fmt: skip
