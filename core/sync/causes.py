"""The table of sync-error causes: what each failure means, who acts, and how to fix it (core.sync.errors uses it)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class WhoActs(enum.StrEnum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    ENGINEERING = "engineering"


@dataclass(frozen=True)
class Cause:
    code: str
    title: str
    explanation: str
    fix: str
    who: WhoActs
    retryable: bool
    # Caused by the connection itself: retried automatically after a reconnect (DESIGN's Decisions).
    connection: bool = False


_C, _S, _E = WhoActs.CUSTOMER, WhoActs.SUPPORT, WhoActs.ENGINEERING
CAUSES: dict[str, Cause] = {
    c.code: c
    for c in (
        Cause(
            "validation",
            "Xero refused the record",
            "Xero checked the record and refused it; its message says which field is wrong.",
            "Correct the field Xero names in the platform (or in Xero), then retry.",
            _C,
            True,
        ),
        Cause(
            "contact_archived",
            "Contact archived in Xero",
            "The contact is archived in Xero, and Xero refuses changes and new documents for archived contacts.",
            "Restore the contact in Xero (Contacts → the contact → Restore), then retry.",
            _C,
            True,
        ),
        Cause(
            "contact_erased",
            "Contact erased at its owner's request",
            "The contact's owner asked Xero to erase their personal data (a GDPR request), so the hub erased it too "
            "and sends nothing more to this contact.",
            "Nothing can go to this contact any more; if the business still deals with them, create a new contact.",
            _C,
            False,
        ),
        Cause(
            "contact_merged",
            "Contact merged in Xero",
            "Someone merged this contact into another one in Xero, so the contact the hub knew takes no more changes.",
            "Support relinks the platform record to the contact it was merged into, then retries.",
            _S,
            True,
        ),
        Cause(
            "duplicate_name",
            "Another Xero contact has this name",
            "Xero requires contact names to be unique among active contacts, and another contact already has this one.",
            "Rename the supplier in the platform (or the other contact in Xero), or link the two if they are the same "
            "business, then retry.",
            _C,
            True,
        ),
        Cause(
            "missing_account_mapping",
            "No account code for a line category",
            "A line's category has no Xero account code mapped for this kind of document.",
            "Map the category to an account on the Mappings page, then retry.",
            _C,
            True,
        ),
        Cause(
            "missing_tax_mapping",
            "No Xero tax type for a tax rate",
            "A line uses a platform tax rate that is not mapped to a Xero tax type.",
            "Map the tax rate on the Mappings page, then retry.",
            _C,
            True,
        ),
        Cause(
            "missing_tracking_mapping",
            "No Xero tracking option for a line's dimension",
            "A line carries a value of one of the platform's dimensions (such as its department or region) that is "
            "not mapped to a Xero tracking option.",
            "Map the value to a tracking option on the Mappings page (Tracking), then retry.",
            _C,
            True,
        ),
        Cause(
            "mapping_stale",
            "A mapping no longer holds in Xero",
            "The account, tax rate or tracking option a mapping points to was archived, deleted or changed in Xero "
            "(its class or its effective rate), so documents using it would be refused.",
            "Pick another account, tax type or tracking option for the flagged row on the Mappings page; the error "
            "resolves itself.",
            _C,
            True,
        ),
        Cause(
            "payment_account_unfit",
            "Payment account does not fit",
            "The account mapped for the payment's currency is not one its payments may go to: it is not the kind of "
            "account the company chose on the Mappings page (bank accounts, or accounts with payments enabled), or "
            "Xero no longer takes payments into it.",
            "On the Mappings page (Payment accounts), pick a fitting account for the currency or change which kind "
            "of account payments go to; then export the payment again.",
            _C,
            True,
        ),
        Cause(
            "missing_payment_mapping",
            "No payment account for a currency",
            "A payment is in a currency that has no Xero account mapped to receive it.",
            "Map the currency to a bank account (or an account with payments enabled) on the Mappings page, then "
            "retry.",
            _C,
            True,
        ),
        Cause(
            "document_locked",
            "Document locked in Xero",
            "Xero keeps a paid or part-paid document (or one with a credit note applied, or voided) as it is, so the "
            "change or void from the platform was not applied there.",
            "Remove the payment or credit in Xero first and retry, or record the difference as a credit note.",
            _C,
            True,
        ),
        Cause(
            "preflight_failed",
            "Stopped before sending to Xero",
            "The hub's check before sending found a problem, so nothing was sent to Xero.",
            "Fix what the detail names (usually a mapping or the contact), then retry.",
            _C,
            True,
        ),
        Cause(
            "attachment_refused",
            "Xero refused the document's PDF",
            "Xero did not attach the platform's PDF to the document: the document already holds as many files as "
            "Xero allows (10), or Xero refused the file; its message says which.",
            "Remove a file from the document in Xero (or attach the PDF there by hand and resolve this), then retry.",
            _C,
            True,
        ),
        Cause(
            "pdf_expired",
            "The document's PDF is no longer kept",
            "The hub lets go of a PDF not attached in Xero within HUB_KEEP_PAYLOADS_DAYS days of coming (or when its "
            "company was offboarded), so there is nothing left to attach.",
            "Ask the platform to send the document's PDF again (PUT …/documents/{document_id}/pdf); it then goes "
            "by itself.",
            _S,
            False,
        ),
        Cause(
            "attachments_not_granted",
            "Xero has not let the hub attach files",
            "The connection was made before the hub asked Xero for leave to attach files (the accounting.attachments "
            "permission), so the document's PDF cannot go.",
            "A company admin reconnects Xero on the Xero connections page and allows it; the PDFs then go by "
            "themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "token_revoked",
            "Xero access revoked or expired",
            "Xero no longer accepts the hub's access for this organisation: someone disconnected the app in Xero, or "
            "the connection went unused for 60 days.",
            "A company admin reconnects Xero on the Connections page; waiting changes then sync by themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "xero_user_removed",
            "The Xero user who connected lost access",
            "The person who connected Xero was removed from the organisation in Xero (or lost its admin role).",
            "A company admin who is an admin in Xero reconnects; waiting changes then sync by themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "access_revoked",
            "Xero refused access to the organisation",
            "Xero stopped accepting the hub for this organisation: someone disconnected the app in Xero, the Xero "
            "user who connected it was removed or lost rights, or the connection lacks a permission it needs.",
            "A company admin who is an admin in Xero reconnects; waiting changes then sync by themselves.",
            _C,
            True,
            connection=True,
        ),
        Cause(
            "minute_budget",
            "Xero's per-minute limit reached",
            "The organisation used its 60 calls a minute; the hub waits as Xero asks and carries on.",
            "Nothing to do: the hub retries after Xero's wait. If it keeps happening, tell support.",
            _S,
            True,
        ),
        Cause(
            "daily_budget",
            "Xero's daily limit reached",
            "The organisation used its 5,000 calls for the day; Xero accepts no more until its day resets.",
            "Nothing to do: the hub resumes when Xero's day resets. Support checks why so many calls were needed.",
            _S,
            True,
        ),
        Cause(
            "xero_outage",
            "Xero unavailable",
            "Xero answered with a server error or was unreachable.",
            "Nothing to do: the hub retries with backoff. Check status.xero.com if it lasts.",
            _S,
            True,
        ),
        Cause(
            "uncertain_timeout",
            "No answer from Xero: outcome unknown",
            "Xero did not answer in time, so the hub cannot tell whether the change was saved.",
            "The hub looks the record up in Xero before retrying, so it is never duplicated; retry if it stays open.",
            _S,
            True,
        ),
        Cause(
            "hub_bug",
            "Unexpected error in the hub",
            "Something failed inside the hub itself; the record was not lost and will be retried.",
            "Engineering looks into it with the diagnostics; retry once fixed.",
            _E,
            True,
        ),
    )
}


def cause(code: str) -> Cause:
    """The cause for a code (unknown codes count as a hub bug, so nothing is hidden)."""
    return CAUSES.get(code, CAUSES["hub_bug"])
