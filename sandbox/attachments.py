"""Files attached to invoices, bills and credit notes, kept as Xero keeps them, with Xero's limits.

Limits: at most 10 files a document and 10 MB a file (Xero's attachments page says 25 MB; integrators who upload
daily hold files to 10 MB since 2026, so the simulator refuses what real Xero may refuse). A file name holds 1 to
100 characters, none of them a control character or one of / \\ : * ? " < > |. Uploading a name a document already
holds adds a second file: Xero's documentation does not promise a replace, so the simulator takes the stricter case
and a client's guard against a repeated upload is tested for real."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sandbox import records, wire
from sandbox.documents.spec import Spec, save
from sandbox.store import Store

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_DOCUMENT = 10
MAX_NAME = 100
_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
MIME_BY_EXTENSION = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "txt": "text/plain",
    "csv": "text/csv",
}


@dataclass(frozen=True)
class Attachment:
    id: str
    file_name: str
    mime: str
    size: int
    include_online: bool


def name_problem(name: str) -> str | None:
    """Why Xero would not take this file name, or None."""
    if not name.strip():
        return "The file name cannot be empty."
    if len(name) > MAX_NAME:
        return f"The file name must be {MAX_NAME} characters or fewer."
    if _NOT_IN_NAMES.search(name):
        return 'The file name cannot contain control characters or any of / \\ : * ? " < > |.'
    return None


def mime_of(name: str, content_type: str) -> str:
    """The file's type: the request's Content-Type when it says one, else from the file name's extension."""
    sent = content_type.split(";")[0].strip().lower()
    if sent and sent != "application/octet-stream":
        return sent
    return MIME_BY_EXTENSION.get(name.rsplit(".", 1)[-1].lower() if "." in name else "", "application/octet-stream")


def _of(row: sqlite3.Row) -> Attachment:
    return Attachment(row["id"], row["file_name"], row["mime"], row["size"], bool(row["include_online"]))


def of_document(store: Store | sqlite3.Connection, tenant_id: str, spec: Spec, document_id: str) -> list[Attachment]:
    sql = (
        "SELECT id, file_name, mime, size, include_online FROM attachments"
        " WHERE tenant_id = ? AND parent_kind = ? AND parent_id = ? ORDER BY created_ms, id"
    )
    params = (tenant_id, spec.kind, document_id.lower())
    rows = store.execute(sql, params).fetchall() if isinstance(store, sqlite3.Connection) else store.rows(sql, params)
    return [_of(r) for r in rows]


def content_of(
    store: Store, tenant_id: str, spec: Spec, document_id: str, wanted: str
) -> tuple[Attachment, bytes] | None:
    """One file by its AttachmentID or, failing that, its file name (any letter case; the newest of that name)."""
    base = (
        "SELECT id, file_name, mime, size, include_online, content FROM attachments"
        " WHERE tenant_id = ? AND parent_kind = ? AND parent_id = ?"
    )
    params = (tenant_id, spec.kind, document_id.lower())
    row = None
    if wire.is_guid(wanted):
        row = store.row(base + " AND id = ?", (*params, wanted.lower()))
    if row is None:
        row = store.row(base + " AND lower(file_name) = ? ORDER BY created_ms DESC LIMIT 1", (*params, wanted.lower()))
    return None if row is None else (_of(row), bytes(row["content"]))


def add(
    db: sqlite3.Connection,
    tenant_id: str,
    spec: Spec,
    document: records.Record,
    *,
    name: str,
    mime: str,
    content: bytes,
    include_online: bool,
    now_ms: int,
) -> Attachment | str:
    """Attach a file inside the caller's transaction and mark the document HasAttachments; or say why not."""
    problem = name_problem(name)
    if problem:
        return problem
    if not content:
        return "The file is empty."
    if len(content) > MAX_BYTES:
        return f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MB Xero accepts for an attachment."
    if len(of_document(db, tenant_id, spec, document.id)) >= MAX_PER_DOCUMENT:
        return f"A {spec.label.lower()} can have at most {MAX_PER_DOCUMENT} attachments."
    made = Attachment(wire.new_id(), name, mime, len(content), include_online)
    db.execute(
        "INSERT INTO attachments (tenant_id, parent_kind, parent_id, id, file_name, mime, size, content,"
        " include_online, created_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (tenant_id, spec.kind, document.id, made.id, name, mime, len(content), content, int(include_online), now_ms),
    )
    if not document.data.get("HasAttachments"):
        document.data["HasAttachments"] = True
        save(db, tenant_id, spec, document)
    return made


def disposition(name: str) -> str:
    """Content-Disposition for a download: a plain ASCII filename (what clients such as xero-python read) and the
    exact name in RFC 5987 form."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def view(spec: Spec, document_id: str, attachment: Attachment, base_url: str) -> dict[str, Any]:
    """An attachment as Xero lists it."""
    shown: dict[str, Any] = {
        "AttachmentID": attachment.id,
        "FileName": attachment.file_name,
        "Url": f"{base_url}/{spec.plural}/{document_id}/Attachments/{quote(attachment.file_name, safe='')}",
        "MimeType": attachment.mime,
        "ContentLength": attachment.size,
    }
    if attachment.include_online:
        shown["IncludeOnline"] = True
    return shown
