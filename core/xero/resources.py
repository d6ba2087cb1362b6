"""Xero's Accounting API resources, described once as data (STYLE.md convention 4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    collection: str  # the plural wrapper and path, e.g. "Contacts"
    key: str  # the id field, e.g. "ContactID"
    paged: bool = False
    modified_since: bool = False
    writable: bool = True


CONTACTS = Resource("Contacts", "ContactID", paged=True, modified_since=True)
CONTACT_GROUPS = Resource("ContactGroups", "ContactGroupID")
INVOICES = Resource("Invoices", "InvoiceID", paged=True, modified_since=True)
CREDIT_NOTES = Resource("CreditNotes", "CreditNoteID", paged=True, modified_since=True)
PAYMENTS = Resource("Payments", "PaymentID", paged=True, modified_since=True)
ACCOUNTS = Resource("Accounts", "AccountID", modified_since=True, writable=False)
TAX_RATES = Resource("TaxRates", "TaxType", writable=False)
TRACKING_CATEGORIES = Resource("TrackingCategories", "TrackingCategoryID", writable=False)
ORGANISATION = Resource("Organisations", "OrganisationID", writable=False)

PAGE_SIZE = 1000  # the largest Xero allows
BATCH_SIZE = 50  # about 50 elements per write, as Xero advises
