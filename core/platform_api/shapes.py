"""What each platform event carries, declared once: the events read their data through these declarations and the
API's OpenAPI document (core.platform_api.openapi) is built from them, so the two cannot say different things.

Rules that depend on what the hub holds (a contact or document must exist, a payment cannot pass what is due, a
discount is for sales invoices only) are checked by the events themselves and written into the `doc` here."""

from __future__ import annotations

from dataclasses import dataclass

from core.models.platform import DocumentKind
from core.platform_api.checks import (
    ADDRESS_FIELDS,
    ADDRESS_TYPES,
    PHONE_TYPES,
    Amount,
    Choice,
    Currency,
    Day,
    Email,
    Flag,
    Items,
    Shape,
    Text,
)
from core.platform_api.dimensions import Dimensions
from core.xero import attachments

# How a document's unit amounts stand to tax, in Xero's words (its LineAmountTypes).
AMOUNTS = ("Exclusive", "Inclusive", "NoTax")

EVENT_ID = Text(128, required=True, doc="A unique id for this event: sent again, the first answer comes back")
_CONTACT_ID = "the contact's platform id (for a contact imported from Xero, the X-… id the contacts feed gives)"

PHONE = Shape(
    {"type": Choice(PHONE_TYPES), "number": Text(50, required=True, doc="the whole number, as dialled")},
    doc="A phone goes whole: an edit replaces it in Xero",
)
ADDRESS = Shape(
    {"type": Choice(ADDRESS_TYPES)} | {name: Text(500) for name in sorted(ADDRESS_FIELDS - {"type"})},
)
CONTACT = {
    "name": Text(255, filled=True, doc="required for a new supplier"),
    "first_name": Text(255),
    "last_name": Text(255),
    "email": Email(),
    "phones": Items(PHONE, limit=10, doc="the contact's phones, replacing those it had"),
    "addresses": Items(ADDRESS, limit=4, doc="the contact's addresses, replacing those it had"),
    "bank_account": Text(255),
    "tax_number": Text(50),
    "is_customer": Flag(doc="whether the supplier is a customer too"),
}
PROPOSABLE = ("email", "phones", "addresses", "bank_account", "tax_number", "first_name", "last_name")

LINE = Shape(
    {
        "description": Text(4000, required=True),
        "quantity": Amount(places=4),
        "unit_amount": Amount(places=4, doc="including tax or not, as the document's line_amount_types says"),
        "discount_rate": Amount(
            required=False, least=0, most=100, doc="a percentage, on sales invoices only (as in Xero)"
        ),
        "category": Text(64, required=True, doc="the platform's category, mapped to a Xero account on Mappings"),
        "tax_rate": Text(64, required=True, doc="the platform's tax rate, mapped to a Xero tax rate on Mappings"),
        "tax_amount": Amount(
            required=False, doc="the line's tax, as the platform worked it out (none on a NoTax document)"
        ),
        "tracking": Dimensions(
            doc='the line\'s value of up to two of the platform\'s dimensions, such as {"department": "Sales", '
            '"region": "North"}; each value is mapped to a Xero tracking option on Mappings'
        ),
    },
    doc="quantity * unit amount * (1 - discount) must stay below 1,000,000,000,000, and so must the document's total",
)
DOCUMENT = Shape(
    {
        "document_id": Text(64, required=True, doc="the platform's id; document.issued takes a new one only"),
        "kind": Choice(tuple(k.value for k in DocumentKind), doc="cannot change once issued"),
        "number": Text(255, required=True),
        "contact_id": Text(64, required=True, doc=_CONTACT_ID),
        "issue_date": Day(required=True),
        "due_date": Day(doc="not before the issue date"),
        "reference": Text(255, doc="shown on the document in Xero (its Reference), e.g. the customer's order number"),
        "line_amount_types": Choice(
            AMOUNTS,
            required=False,
            doc="whether unit amounts exclude tax (Exclusive, when not given), include it (Inclusive), or the "
            "document carries none (NoTax)",
        ),
        "currency": Currency(doc="the company's base currency when not given"),
        "lines": Items(LINE, limit=500, at_least=1, required=True),
    },
    doc="A document that is voided cannot change",
)


@dataclass(frozen=True)
class Event:
    """One kind of event: what it means and what its data holds."""

    summary: str
    data: Shape


EVENTS = {
    "supplier.changed": Event(
        "A supplier was created or edited in the platform; a new supplier_id creates a supplier",
        Shape({"supplier_id": Text(64, required=True, doc=_CONTACT_ID), **CONTACT}),
    ),
    "supplier.proposed_update": Event(
        "A supplier proposed new details for itself; they wait for a finance user's decision",
        Shape(
            {
                "proposal_id": Text(64, required=True),
                "supplier_id": Text(64, required=True, doc="a supplier the company holds"),
                "changes": Shape({name: CONTACT[name] for name in PROPOSABLE}, at_least_one=True),
            }
        ),
    ),
    "proposal.decided": Event(
        "The platform reports a finance user's decision on a proposal (once)",
        Shape(
            {
                "proposal_id": Text(64, required=True, doc="a proposal the company holds"),
                "decision": Choice(("accepted", "rejected")),
            }
        ),
    ),
    "document.issued": Event("A sales invoice, bill or credit note was issued", DOCUMENT),
    "document.changed": Event("An issued document changed; the new version replaces it in Xero", DOCUMENT),
    "document.voided": Event(
        "An issued document was voided", Shape({"document_id": Text(64, required=True, doc="a document issued")})
    ),
    "payment.recorded": Event(
        "A payment was recorded against an issued document",
        Shape(
            {
                "payment_id": Text(64, required=True, doc="the platform's id; each is recorded once"),
                "document_id": Text(64, required=True, doc="an issued document that is not voided"),
                "amount": Amount(above=0, doc="no more than the document still has due"),
                "date": Day(required=True),
                "currency": Currency(doc="the document's currency (its currency when not given)"),
                "reference": Text(255),
            }
        ),
    ),
}
EVENT_TYPE = Choice(tuple(EVENTS), doc="what happened; it says what `data` holds")

# A document's PDF comes on a route of its own (PUT …/documents/{document_id}/pdf): an event is capped at 256 KB,
# a PDF may be 10 MB, and it is often rendered after the document was issued.
_MB = attachments.MAX_BYTES // (1024 * 1024)
PDF_MAX_BODY = (attachments.MAX_BYTES + 2) // 3 * 4 + 64 * 1024  # the largest PDF in base64, and the JSON around it
PDF_DOC = (
    f"The document's PDF, attached to the document in Xero once the document is there (at most once: the same PDF "
    f"sent again records nothing). `content` is the file in base64 (RFC 4648, with padding), a PDF (it starts "
    f"with %PDF-) of at most {_MB} MB, Xero's limit; `file_name` ends in .pdf, at most {attachments.MAX_NAME} "
    f"characters, none of / \\ : * ? \" < > | (the document's number and .pdf when not given). Other bytes "
    "replace a PDF not yet attached and are refused (409) once Xero holds it; a PDF for a document the platform "
    "never issued, or one voided, is refused naming `document_id`."
)
PDF_BODY = {
    "type": "object",
    "properties": {
        "content": {"type": "string", "contentEncoding": "base64", "contentMediaType": "application/pdf"},
        "file_name": {"type": ["string", "null"], "maxLength": attachments.MAX_NAME, "pattern": "[.][pP][dD][fF]$"},
    },
    "required": ["content"],
    "additionalProperties": False,
}
PDF_RESULT = {
    "type": "object",
    "properties": {
        "entity": {"const": "document_pdf"},
        "id": {"type": "integer", "description": "the hub's id of the PDF"},
        "document_id": {"type": "string", "description": "the platform's id of the document"},
        "file_name": {"type": "string"},
        "size": {"type": "integer", "description": "bytes"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "attached": {"type": "boolean", "description": "whether Xero holds it yet"},
        "sync": {"enum": ["queued", "held", "discarded", "not connected", "unchanged"]},
        "duplicate": {"type": "boolean", "description": "the same PDF was taken before; nothing recorded again"},
    },
    "required": ["entity", "id", "document_id", "file_name", "size", "sha256", "attached", "sync", "duplicate"],
    "additionalProperties": False,
}
