"""Xero's paths as Xero reads them: any letter case, and `Organisations` for `Organisation`.

Xero's API runs on IIS, whose paths are case-insensitive: `/api.xro/2.0/invoices` and `/TAXRATES` answer as
`/Invoices` and `/TaxRates`, and community clients (pyxero among them) have read `/Organisations` for a decade.
The simulator routes on one spelling, so this layer rewrites what was sent to it before anything else looks at the
path, and keeps the sent path in the scope for the request log.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/api.xro/2.0"
SENT_PATH = "sandbox.sent_path"  # the scope key holding the path as the client wrote it
RESOURCES = {
    name.lower(): name
    for name in (
        "Organisation",
        "Contacts",
        "ContactGroups",
        "Accounts",
        "TaxRates",
        "Currencies",
        "Invoices",
        "CreditNotes",
        "Payments",
    )
} | {"organisations": "Organisation"}
SUBRESOURCES = {"contacts": "Contacts", "allocations": "Allocations", "attachments": "Attachments"}
CONNECTIONS = "/connections"


def canonical(path: str) -> str:
    """The spelling the simulator routes on; a path outside Xero's API comes back unchanged."""
    lowered = path.lower()
    if lowered == CONNECTIONS or lowered.startswith(CONNECTIONS + "/"):
        return CONNECTIONS + path[len(CONNECTIONS) :]
    if lowered != PREFIX.lower() and not lowered.startswith(PREFIX.lower() + "/"):
        return path
    parts = path[len(PREFIX) + 1 :].split("/") if len(path) > len(PREFIX) else []
    if parts:
        parts[0] = RESOURCES.get(parts[0].lower(), parts[0])
    if len(parts) >= 3:  # Resource/{key}/Sub: the key keeps its case (a contact or invoice number)
        parts[2] = SUBRESOURCES.get(parts[2].lower(), parts[2])
    return "/".join([PREFIX, *parts])


class CanonicalPaths:
    """Routes every spelling Xero accepts to the simulator's one; the request log still sees what was sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            fixed = canonical(path)
            if fixed != path:
                scope = {**scope, "path": fixed, SENT_PATH: path}
                if isinstance(scope.get("raw_path"), bytes):
                    scope["raw_path"] = canonical(scope["raw_path"].decode("latin-1")).encode("latin-1")
        await self.app(scope, receive, send)
