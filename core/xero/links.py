"""Where a record opens in Xero's web app (or in the simulator's screens when the hub talks to the simulator).

A bookkeeper signed in to several organisations would land in whichever Xero last had open, so a link names the
organisation by its short code (read from /Organisation with the reference data), as Xero's own deep links do: it
goes through Xero's organisation login, which switches to that organisation, then on to the record. Without a short
code yet (before the first reference read), the plain link still opens the record in the current organisation."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

XERO_WEB = "https://go.xero.com"


@dataclass(frozen=True)
class Organisation:
    """Enough to point at one organisation's records: where the hub talks to, the tenant, and its short code."""

    api_url: str
    tenant_id: str | None = None
    short_code: str | None = None

    @property
    def real(self) -> bool:
        return (urlsplit(self.api_url).hostname or "").endswith("api.xero.com")

    def _xero(self, path: str) -> str:
        if not self.short_code:
            return XERO_WEB + path
        return f"{XERO_WEB}/organisationlogin/default.aspx?" + urlencode(
            {"shortcode": self.short_code, "redirecturl": path}
        )

    def _screens(self, path: str) -> str | None:
        return f"{self.api_url.rstrip('/')}/screens/orgs/{self.tenant_id}/{path}" if self.tenant_id else None


def contact(org: Organisation, xero_contact_id: str | None) -> str | None:
    if not xero_contact_id:
        return None
    if org.real:
        return org._xero(f"/Contacts/View/{xero_contact_id}")
    return org._screens(f"contacts/{xero_contact_id}")


# The platform's document kinds that are the organisation's to pay (bills and supplier credit notes).
PAYABLE = frozenset({"bill", "supplier_credit_note"})


def document(org: Organisation, xero_id: str | None, kind: str) -> str | None:
    """An invoice, bill or credit note of the platform's document kind ("invoice", "bill", "supplier_credit_note"…)."""
    if not xero_id:
        return None
    payable, credit_note = kind in PAYABLE, kind.endswith("credit_note")
    if org.real:
        side = "AccountsPayable" if payable else "AccountsReceivable"
        page = f"ViewCreditNote.aspx?creditNoteID={xero_id}" if credit_note else f"View.aspx?InvoiceID={xero_id}"
        return org._xero(f"/{side}/{page}")
    if credit_note:  # the simulator has screens for invoices and bills only
        return None
    return org._screens(f"invoices/{xero_id}")
