"""The data behind the strict OpenAPI copy (openapi_strict.py): which fields Xero always returns, per schema.

Xero's published schemas declare no `required` and allow unknown properties. Every schema named in STRICT (or in
IDENTITY_STRICT) gets `additionalProperties: false` and `required` = its list. Evidence for the lists: the response
examples in xero_accounting.yaml (captured from real calls: real-looking ids, dates and even typos) read side by side
(tests/sandbox/test_openapi_strict.py replays them), and /work/shared/xero-api-facts.md (§3 envelope, §5, §6).
Rule used: a field is required when every GET example of the resource carries it and nothing in the facts file
says it can be missing; personal or optional data (names, e-mail, references, due dates) never is.

Where Xero returns a smaller or different shape of the same schema (a contact inside an invoice, a write response,
a failed element, the echo inside a 400), a *variant* `Base@kind` is used there instead (VARIANTS, USES, RESPONSES).
Every strict schema X also gets an automatic `X@echo`: same properties, unknown ones still forbidden, nothing
required, nested strict schemas also as @echo - the shape of an object Xero echoes back with ValidationErrors.
"""

from __future__ import annotations

from typing import Any

STRING: dict[str, Any] = {"type": "string"}
UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
# Xero's JSON dates: "/Date(1551399323399)/" or "/Date(1551916800000+0000)/" (facts §4). Added as `pattern` to every
# property the spec marks x-is-msdate / x-is-msdate-time (the spec itself says only `type: string`).
MS_DATE_PATTERN = r"^/Date\(-?\d+([+-]\d{4})?\)/$"
# "2019-03-07T00:00:00" (facts §4: some examples use a space instead of the T).
DATE_STRING: dict[str, Any] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$"}
VALIDATION_ERRORS: dict[str, Any] = {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}
# UpdatedDateUTCString, new in spec v16.1.0: ISO-8601 UTC with Z, e.g. "2019-03-12T23:10:38Z" (facts §4).
UPDATED_STRING: dict[str, Any] = {
    "type": "string",
    "readOnly": True,
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
}

# Success envelope on every accounting JSON response (facts §3); no wrapper schema in the spec declares it.
ENVELOPE = ["Id", "Status", "ProviderName", "DateTimeUTC"]
ENVELOPE_PROPERTIES: dict[str, Any] = {
    "Id": UUID,
    "Status": STRING,  # "OK"
    "ProviderName": STRING,  # the app's name
    "DateTimeUTC": {"type": "string", "pattern": MS_DATE_PATTERN},  # "/Date(1551399323399)/", no offset
}

# fmt: off
STRICT: dict[str, list[str]] = {
    # --- wrappers: envelope + the plural array. `pagination` only on paged GETs and `Warnings` only sometimes,
    # so both stay optional (declared by the spec on Contacts/Invoices/CreditNotes/Payments only).
    "Contacts":      [*ENVELOPE, "Contacts"],
    "ContactGroups": [*ENVELOPE, "ContactGroups"],
    "Accounts":      [*ENVELOPE, "Accounts"],  # the GET /Accounts example is abridged (no envelope): see tests
    "TaxRates":      [*ENVELOPE, "TaxRates"],
    "Organisations": [*ENVELOPE, "Organisations"],
    "Invoices":      [*ENVELOPE, "Invoices"],
    "CreditNotes":   [*ENVELOPE, "CreditNotes"],
    "Payments":      [*ENVELOPE, "Payments"],
    "Allocations":   [*ENVELOPE, "Allocations"],
    "Pagination":    ["page", "pageSize", "pageCount", "itemCount"],  # all four, always (facts §3)
    # --- contacts. Names/e-mail/numbers/tax settings/Balances/default line-amount types are absent on some GET
    # examples. HasAttachments: every GET example has it, write responses do not (see Contact@written).
    "Contact": ["ContactID", "ContactStatus", "Name", "UpdatedDateUTC", "IsSupplier", "IsCustomer", "HasAttachments",
                "HasValidationErrors", "Addresses", "Phones", "ContactGroups", "ContactPersons"],
    "Address": ["AddressType", "City", "Region", "PostalCode", "Country"],  # 55/55 examples; lines/AttentionTo vary
    "Phone": ["PhoneType", "PhoneNumber", "PhoneAreaCode", "PhoneCountryCode"],  # 117/117, empty strings included
    "ContactPerson": ["IncludeInEmails"],  # a person may be saved without a last name or e-mail
    "ContactGroup": ["ContactGroupID", "Name", "Status", "HasValidationErrors"],  # Contacts[] filled on GET by id only
    "Balances": ["AccountsReceivable", "AccountsPayable"],  # the object is optional on Contact; inside it, both
    "AccountsReceivable": ["Outstanding", "Overdue"],
    "AccountsPayable": ["Outstanding", "Overdue"],
    # --- settings. Account.Code is optional for bank accounts; ReportingCode(Name) is region-dependent;
    # Description/BankAccount*/CurrencyCode only on some accounts.
    "Account": ["AccountID", "Name", "Type", "Status", "TaxType", "Class", "EnablePaymentsToAccount",
                "ShowInExpenseClaims", "UpdatedDateUTC"],
    "TaxRate": ["Name", "TaxType", "ReportTaxType", "Status", "TaxComponents", "CanApplyToAssets", "CanApplyToEquity",
                "CanApplyToExpenses", "CanApplyToLiabilities", "CanApplyToRevenue", "DisplayTaxRate", "EffectiveRate"],
    "TaxComponent": ["Name", "Rate", "IsCompound", "IsNonRecoverable"],  # 8/8 examples
    # Every GET /TrackingCategories example carries the four; an option its id, name and status.
    "TrackingCategories": [*ENVELOPE, "TrackingCategories"],
    "TrackingCategory": ["TrackingCategoryID", "Name", "Status", "Options"],
    "TrackingOption": ["TrackingOptionID", "Name", "Status"],
    # Optional: APIKey (legacy), TaxNumber, lock dates, SalesTaxPeriod, LineOfBusiness, RegistrationNumber.
    "Organisation": ["OrganisationID", "Name", "LegalName", "PaysTax", "Version", "OrganisationType", "BaseCurrency",
                     "CountryCode", "IsDemoCompany", "OrganisationStatus", "FinancialYearEndDay",
                     "FinancialYearEndMonth", "SalesTaxBasis", "DefaultSalesTax", "DefaultPurchasesTax",
                     "CreatedDateUTC", "OrganisationEntityType", "Timezone", "ShortCode", "Edition", "Class",
                     "Addresses", "Phones", "ExternalLinks", "PaymentTerms"],
    # --- documents. Optional: InvoiceNumber (bills), Reference (ACCREC only), DueDate (drafts), FullyPaidOnDate,
    # SentToContact; CreditNotes[]/AmountCredited are missing from the GET-by-id example.
    "Invoice": ["Type", "InvoiceID", "Contact", "Date", "DateString", "Status", "LineAmountTypes", "LineItems",
                "SubTotal", "TotalTax", "Total", "UpdatedDateUTC", "UpdatedDateUTCString", "CurrencyCode",
                "CurrencyRate", "AmountDue", "AmountPaid", "HasErrors", "IsDiscounted", "HasAttachments", "Payments",
                "Prepayments", "Overpayments"],
    # LineItemID is missing from the credit-note examples; AccountCode/ItemCode can be absent on drafts.
    "LineItem": ["Description", "Quantity", "UnitAmount", "LineAmount", "TaxType", "TaxAmount", "Tracking"],
    "CreditNote": ["Type", "CreditNoteID", "ID", "CreditNoteNumber", "Contact", "Date", "DateString", "Status",
                   "LineAmountTypes", "LineItems", "SubTotal", "TotalTax", "Total", "UpdatedDateUTC",
                   "UpdatedDateUTCString", "CurrencyCode", "CurrencyRate", "RemainingCredit", "Allocations",
                   "Payments", "HasAttachments"],
    "Allocation": ["Amount", "Date", "Invoice"],  # the spec's own `required`; AllocationID is in no example
    # Optional: Invoice (a credit-note refund shows it, prepayment/overpayment ones need not), Reference,
    # BatchPayment(ID), ValidationErrors.
    "Payment": ["PaymentID", "Date", "Amount", "BankAmount", "CurrencyRate", "PaymentType", "Status", "UpdatedDateUTC",
                "UpdatedDateUTCString", "HasAccount", "IsReconciled", "Account", "HasValidationErrors"],
    # --- errors (400 ValidationException, facts §5.8). Elements is optional: other 400 types carry none.
    "Error": ["ErrorNumber", "Type", "Message"],
    "Element": ["ValidationErrors"],
    "ValidationError": ["Message"],
}

# Properties Xero really sends that the spec's schema lacks (each seen in the spec's own response examples), or
# declares too loosely (UpdatedDateUTCString: `string` -> the pattern above). Merged into the strict schema.
EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    **{w: ENVELOPE_PROPERTIES for w in ("Contacts", "ContactGroups", "Accounts", "TaxRates", "Organisations",
                                        "Invoices", "CreditNotes", "Payments", "Allocations", "TrackingCategories")},
    "Address": {"ValidationErrors": VALIDATION_ERRORS},  # nested objects echoed in a 400 carry their own
    "Phone": {"ValidationErrors": VALIDATION_ERRORS},
    "LineItem": {"ValidationErrors": VALIDATION_ERRORS},  # `ValidationErrors: []` on every returned line
    "ContactGroup": {"HasValidationErrors": BOOLEAN},  # on every contact-group example
    "Invoice": {"DateString": DATE_STRING, "DueDateString": DATE_STRING, "UpdatedDateUTCString": UPDATED_STRING},
    "Payment": {"UpdatedDateUTCString": UPDATED_STRING},  # (a pattern where the spec says just `string`)
    "CreditNote": {
        "UpdatedDateUTCString": UPDATED_STRING,
        "ID": UUID,  # duplicate of CreditNoteID, on every credit-note example
        "DateString": DATE_STRING,
        "DueDateString": DATE_STRING,
        "Attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
    },
}

# Smaller or different shapes of a strict schema: name -> (schemas whose properties are merged, required fields).
VARIANTS: dict[str, tuple[tuple[str, ...], list[str]]] = {
    # embedded summaries (spec examples: contact inside invoices/credit notes/payments, group members, ...)
    "Contact@summary": (("Contact",), ["ContactID", "Name"]),
    "Contact@member": (("Contact",), ["ContactID"]),  # PUT /ContactGroups/{id}/Contacts returns bare ids
    "Invoice@payment": (("Invoice",), ["InvoiceID", "Type", "InvoiceNumber", "CurrencyCode"]),
    "Invoice@summary": (("Invoice",), ["InvoiceID"]),  # Allocation.Invoice
    "CreditNote@summary": (("CreditNote",), ["CreditNoteID"]),
    "Payment@summary": (("Payment",), ["PaymentID", "Date", "Amount", "CurrencyRate", "HasAccount",
                                       "HasValidationErrors"]),
    "Account@summary": (("Account",), ["AccountID"]),  # Payment.Account: {AccountID, Code[, Name]}
    "Payment@batch": (("Payment",), ["PaymentID", "Amount"]),  # inside a payment's BatchPayment
    # PUT/POST responses: as the GET shape minus what the write examples leave out.
    "Contact@written": (("Contact",), [f for f in STRICT["Contact"] if f != "HasAttachments"]),
    "Invoice@written": (("Invoice",), [f for f in STRICT["Invoice"] if f not in ("HasAttachments", "Payments")]),
    "CreditNote@written": (("CreditNote",), [f for f in STRICT["CreditNote"] if f != "HasAttachments"]),
    # an element that failed under summarizeErrors=false (200): the echo plus its errors (facts §3)
    "Contact@failed": (("Contact@echo",), ["HasValidationErrors", "ValidationErrors"]),
    "Invoice@failed": (("Invoice@echo",), ["HasErrors", "ValidationErrors"]),
    "CreditNote@failed": (("CreditNote@echo",), ["HasErrors", "ValidationErrors"]),
    "Payment@failed": (("Payment@echo",), ["HasValidationErrors", "ValidationErrors"]),
    "Contacts@written": (("Contacts",), STRICT["Contacts"]),
    "Contacts@members": (("Contacts",), STRICT["Contacts"]),
    "Invoices@written": (("Invoices",), STRICT["Invoices"]),
    "CreditNotes@written": (("CreditNotes",), STRICT["CreditNotes"]),
    "Payments@written": (("Payments",), STRICT["Payments"]),
}
# Properties replaced in a variant: a failed element really has errors (a success carries `ValidationErrors: []`).
FAILED: dict[str, Any] = {"ValidationErrors": {**VALIDATION_ERRORS, "minItems": 1}}
VARIANT_PROPERTIES: dict[str, dict[str, Any]] = {
    "Contact@failed": {**FAILED, "HasValidationErrors": {"type": "boolean", "enum": [True]}},
    "Invoice@failed": {**FAILED, "HasErrors": {"type": "boolean", "enum": [True]}},
    "CreditNote@failed": {**FAILED, "HasErrors": {"type": "boolean", "enum": [True]}},
    "Payment@failed": {**FAILED, "HasValidationErrors": {"type": "boolean", "enum": [True]}},
}
# A 400's Elements echo the submitted resource (full field set, own ValidationErrors): Error@X -> Element@X.
ECHOED = ["Contact", "ContactGroup", "Account", "TaxRate", "Invoice", "CreditNote", "Payment", "Allocation"]
for _r in ECHOED:
    VARIANTS[f"Element@{_r}"] = ((f"{_r}@echo", "Element"), ["ValidationErrors"])
    VARIANTS[f"Error@{_r}"] = (("Error",), [*STRICT["Error"], "Elements"])

# Where a variant replaces the strict schema: "Schema.Property" -> variant (a list means anyOf).
USES: dict[str, str | list[str]] = {
    "Invoice.Contact": "Contact@summary",
    "CreditNote.Contact": "Contact@summary",
    "ContactGroup.Contacts": "Contact@summary",
    "Invoice.Payments": "Payment@summary",
    "Invoice.CreditNotes": "CreditNote@summary",
    "CreditNote.Payments": "Payment@summary",
    "Payment.Invoice": "Invoice@payment",
    "Payment.CreditNote": "CreditNote@summary",
    "Payment.Account": "Account@summary",
    "Allocation.Invoice": "Invoice@summary",
    "Allocation.CreditNote": "CreditNote@summary",
    # strict schemas inside non-strict ones that our responses can reach (the outer schema stays lenient)
    "BatchPayment.Account": "Account@summary",
    "BatchPayment.Payments": "Payment@batch",
    "Prepayment.Contact": "Contact@summary",
    "Prepayment.Payments": "Payment@summary",
    "Overpayment.Contact": "Contact@summary",
    "Overpayment.Payments": "Payment@summary",
    "Contacts@written.Contacts": ["Contact@written", "Contact@failed"],
    "Contacts@members.Contacts": "Contact@member",
    "Invoices@written.Invoices": ["Invoice@written", "Invoice@failed"],
    "CreditNotes@written.CreditNotes": ["CreditNote@written", "CreditNote@failed"],
    "Payments@written.Payments": ["Payment", "Payment@failed"],
    **{f"Error@{r}.Elements": f"Element@{r}" for r in ECHOED},
}

# Response schema per operation and status, replacing the spec's ("METHOD /path STATUS" -> schema).
RESPONSES: dict[str, str] = {
    **{f"{op} 200": "Contacts@written" for op in ("PUT /Contacts", "POST /Contacts", "POST /Contacts/{ContactID}")},
    "PUT /ContactGroups/{ContactGroupID}/Contacts 200": "Contacts@members",
    **{f"{op} 200": "Invoices@written" for op in ("PUT /Invoices", "POST /Invoices", "POST /Invoices/{InvoiceID}")},
    **{f"{op} 200": "CreditNotes@written"
       for op in ("PUT /CreditNotes", "POST /CreditNotes", "POST /CreditNotes/{CreditNoteID}")},
    **{f"{op} 200": "Payments@written" for op in ("PUT /Payments", "POST /Payments", "POST /Payments/{PaymentID}")},
}
# Every 400 under these paths returns Error@<resource> (the resource whose echo fills Elements).
ERROR_ELEMENTS: dict[str, str] = {
    "/Contacts": "Contact", "/Contacts/{ContactID}": "Contact",
    "/ContactGroups": "ContactGroup", "/ContactGroups/{ContactGroupID}": "ContactGroup",
    "/ContactGroups/{ContactGroupID}/Contacts": "Contact",
    "/ContactGroups/{ContactGroupID}/Contacts/{ContactID}": "Contact",
    "/Accounts": "Account", "/Accounts/{AccountID}": "Account",
    "/TaxRates": "TaxRate",
    "/Invoices": "Invoice", "/Invoices/{InvoiceID}": "Invoice",
    "/CreditNotes": "CreditNote", "/CreditNotes/{CreditNoteID}": "CreditNote",
    "/CreditNotes/{CreditNoteID}/Allocations": "Allocation",
    "/Payments": "Payment", "/Payments/{PaymentID}": "Payment",
}

# --- identity (xero-identity.yaml)
# Connection: all seven fields on every live connection (facts §1.3); the spec's example predates authEventId.
# AccessToken: id_token only with the openid scope, refresh_token only with offline_access (facts §1.1/1.2).
IDENTITY_STRICT: dict[str, list[str]] = {
    "Connection": ["id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc"],
    "AccessToken": ["access_token", "expires_in", "token_type"],
}
# fmt: on
# Xero sends "2019-12-07T18:46:19.5165400" (no zone, 7 digits), which is not an RFC 3339 `date-time`: the strict
# copy swaps `format: date-time` for this pattern on the identity timestamps.
IDENTITY_TIMESTAMP: dict[str, Any] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$"}
IDENTITY_EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    "Connection": {"createdDateUtc": IDENTITY_TIMESTAMP, "updatedDateUtc": IDENTITY_TIMESTAMP},
    "AccessToken": {"scope": STRING},  # the token response also carries the granted scopes (facts §1.1)
}
