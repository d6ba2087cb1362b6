"""Xero's Attachments endpoints for invoices, bills and credit notes, and the limits an upload must keep.

Xero's attachments page (developer.xero.com/documentation/api/accounting/attachments) has long said 25 MB a file
and 10 files a document; integrators who upload to Xero every day (Codat's limits table, April 2026; Workato's Xero
connector) now hold files to 10 MB. The hub keeps to the smaller figure, so nothing it takes can be refused for its
size. Uploads need the `accounting.attachments` scope."""

from __future__ import annotations

import re
from urllib.parse import quote

MAX_BYTES = 10 * 1024 * 1024  # a file
MAX_PER_DOCUMENT = 10  # files on one document
MAX_NAME = 100  # characters in a file name
SCOPE = "accounting.attachments"
PDF_MAGIC = b"%PDF-"
# Control characters, those Windows refuses in file names, and unpaired surrogates (no database keeps one).
_NOT_IN_NAMES = re.compile('[\x00-\x1f\x7f/\\\\:*?"<>|\ud800-\udfff]')


def name_problem(name: str) -> str | None:
    """Why Xero would not take this file name for a PDF, or None when it would."""
    if not name or name != name.strip():
        return "must not be empty or start or end with a space"
    if len(name) > MAX_NAME:
        return f"must be at most {MAX_NAME} characters"
    if _NOT_IN_NAMES.search(name):
        return 'must not hold control characters or any of / \\ : * ? " < > |'
    if not name.lower().endswith(".pdf") or len(name) == 4:
        return "must end in .pdf"
    return None


def path(collection: str, xero_id: str, file_name: str | None = None) -> str:
    """The document's attachments (with a file name: the one upload or download by that name)."""
    base = f"/{collection}/{xero_id}/Attachments"
    return base if file_name is None else f"{base}/{quote(file_name, safe='')}"
