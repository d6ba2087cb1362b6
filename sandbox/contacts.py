"""Contacts as Xero keeps them: validation, create-or-update rules, and the JSON Xero returns."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sandbox import records
from sandbox.records import Record
from sandbox.store import dumps
from sandbox.wire import is_guid, ms_date, new_id

KIND = "Contact"
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")
ADDRESS_TYPES = ("POBOX", "STREET")
LIMITS = {
    "ContactNumber": 50,
    "AccountNumber": 50,
    "Name": 255,
    "FirstName": 255,
    "LastName": 255,
    "CompanyNumber": 50,
    "EmailAddress": 255,
    "TaxNumber": 50,
    "BankAccountDetails": 255,
}
PHONE_LIMITS = {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}
ADDRESS_LIMITS = {
    "AddressLine1": 500,
    "AddressLine2": 500,
    "AddressLine3": 500,
    "AddressLine4": 500,
    "City": 255,
    "Region": 255,
    "PostalCode": 50,
    "Country": 50,
    "AttentionTo": 255,
}
# Stored as sent.
WRITABLE = {
    *LIMITS,
    "ContactStatus",
    "TaxNumberType",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "Phones",
    "Addresses",
    "ContactPersons",
    "DefaultCurrency",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
    "PaymentTerms",
    "SalesTrackingCategories",
    "PurchasesTrackingCategories",
    "TrackingCategoryName",
    "TrackingCategoryOption",
    "XeroNetworkKey",
    "BrandingTheme",
}
# Declared by Xero but never taken from a request (derived, or managed elsewhere): silently ignored, as Xero does.
IGNORED = {
    "ContactID",
    "MergedToContactID",
    "IsSupplier",
    "IsCustomer",
    "UpdatedDateUTC",
    "ContactGroups",
    "Website",
    "BatchPayments",
    "Discount",
    "Balances",
    "Attachments",
    "HasAttachments",
    "ValidationErrors",
    "HasValidationErrors",
    "StatusAttributeString",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

DUPLICATE_NAME = (
    "The contact name {name} is already assigned to another contact. The contact name must be unique "
    "across all active contacts."
)
ARCHIVED = (
    "The contact with the specified contact details has been archived. The contact must be un-archived "
    "before it can be updated."
)
MERGED = "This contact has been merged into another contact and can no longer be updated."
ERASED = "This contact has been erased following a GDPR request and can no longer be updated."


def blank_phones() -> list[dict[str, str]]:
    return [
        {"PhoneType": t, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}
        for t in ("DDI", "DEFAULT", "FAX", "MOBILE")
    ]


def blank_addresses() -> list[dict[str, str]]:
    return [{"AddressType": t, "City": "", "Region": "", "PostalCode": "", "Country": ""} for t in ADDRESS_TYPES]


def problems(element: Any) -> list[str]:
    """Every reason Xero would refuse this contact as sent (types, lengths, enums, unknown fields)."""
    if not isinstance(element, dict):
        return ["Each contact must be a JSON object."]
    found = [f"'{key}' is not a field of a contact." for key in element if key not in WRITABLE | IGNORED]
    for key, limit in LIMITS.items():
        value = element.get(key)
        if value is not None and not isinstance(value, str):
            found.append(f"{key} must be text.")
        elif isinstance(value, str) and len(value) > limit:
            found.append(f"{key} must be no more than {limit} characters long.")
    email = element.get("EmailAddress")
    if isinstance(email, str) and email and not _EMAIL.match(email.strip()):
        found.append("Email address must be valid.")
    status = element.get("ContactStatus")
    if status is not None and status not in ("ACTIVE", "ARCHIVED"):
        found.append("ContactStatus must be ACTIVE or ARCHIVED.")
    found += _list_problems(element.get("Phones"), "Phones", "PhoneType", PHONE_TYPES, PHONE_LIMITS)
    found += _list_problems(element.get("Addresses"), "Addresses", "AddressType", ADDRESS_TYPES, ADDRESS_LIMITS)
    persons = element.get("ContactPersons")
    if persons is not None and not (isinstance(persons, list) and all(isinstance(p, dict) for p in persons)):
        found.append("ContactPersons must be a list of people.")
    return found


def _list_problems(items: Any, field: str, type_key: str, types: tuple[str, ...], limits: dict[str, int]) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return [f"{field} must be a list of objects."]
    found = []
    for item in items:
        if item.get(type_key) not in types:
            found.append(f"{type_key} must be one of {', '.join(types)}.")
        for key, value in item.items():
            if key == type_key:
                continue
            if key not in limits:
                found.append(f"'{key}' is not a field of {field}.")
            elif value is not None and not isinstance(value, str):
                found.append(f"{key} must be text.")
            elif isinstance(value, str) and len(value) > limits[key]:
                found.append(f"{key} must be no more than {limits[key]} characters long.")
    return found


def _merge_typed(old: list[dict[str, Any]], new: list[dict[str, Any]], type_key: str) -> list[dict[str, Any]]:
    """Xero replaces phones and addresses type by type; the types not sent keep their values."""
    by_type = {item[type_key]: dict(item) for item in old}
    for item in new:
        by_type[item[type_key]] = {**by_type.get(item[type_key], {}), **item}
    return list(by_type.values())


def target_of(db: sqlite3.Connection, tenant_id: str, element: dict[str, Any], path_id: str | None) -> Record | None:
    """The existing contact a POST means: by the URL's id, the ContactID, or the ContactNumber."""
    wanted = path_id or element.get("ContactID")
    if isinstance(wanted, str) and wanted:
        if is_guid(wanted):
            return records.get(db, tenant_id, KIND, wanted)
        found = records.find(db, tenant_id, KIND, number=wanted)
        return found[0] if found else None
    number = element.get("ContactNumber")
    if isinstance(number, str) and number:
        found = records.find(db, tenant_id, KIND, number=number)
        return found[0] if found else None
    return None


def write(
    db: sqlite3.Connection, tenant_id: str, element: dict[str, Any], *, existing: Record | None, now_ms: int
) -> tuple[Record | None, list[str]]:
    """Create (existing=None) or update a contact; return the saved record or the reasons it was refused."""
    sent = {k: v for k, v in element.items() if k in WRITABLE}
    if existing is None:
        if not str(sent.get("Name") or "").strip():
            return None, ["A contact name must be specified."]
        data: dict[str, Any] = {
            "ContactID": new_id(),
            "ContactStatus": "ACTIVE",
            "Phones": blank_phones(),
            "Addresses": blank_addresses(),
            "ContactGroups": [],
            "ContactPersons": [],
            "IsSupplier": False,
            "IsCustomer": False,
            "HasAttachments": False,
        }
    else:
        data = dict(existing.data)
        if data.get("MergedToContactID"):
            return None, [MERGED]
        if existing.status == "GDPRREQUEST":
            return None, [ERASED]
        if existing.status == "ARCHIVED" and sent.get("ContactStatus") != "ACTIVE":
            return None, [ARCHIVED]
    for key, value in sent.items():
        if key in ("Phones", "Addresses"):
            if value is None:  # null leaves them as they are
                continue
            type_key = "PhoneType" if key == "Phones" else "AddressType"
            data[key] = _merge_typed(data.get(key) or [], value, type_key)
        elif key == "Name":
            data[key] = str(value).strip()
        else:
            data[key] = value
    if data.get("ContactStatus") == "ACTIVE":
        clash = [
            r
            for r in records.find(db, tenant_id, KIND, name=data["Name"], statuses=("ACTIVE",))
            if r.id != data["ContactID"]
        ]
        if clash:
            return None, [DUPLICATE_NAME.format(name=data["Name"])]
    record = Record(data["ContactID"], now_ms, data["ContactStatus"], data)
    save(db, tenant_id, record)
    return record, []


def save(db: sqlite3.Connection, tenant_id: str, record: Record) -> None:
    """Store a contact with its ready-to-serve JSON."""
    data = record.data
    records.save(
        db,
        tenant_id,
        KIND,
        record,
        name=data.get("Name", ""),
        number=str(data.get("ContactNumber") or ""),
        doc=dumps(view(record)),
    )


def row(tenant_id: str, record: Record) -> tuple[str, str, Record, str, str, str]:
    """A bulk-insert row for records.save_many."""
    data = record.data
    return (tenant_id, KIND, record, data.get("Name", ""), str(data.get("ContactNumber") or ""), dumps(view(record)))


def view(record: Record, *, summary_only: bool = False) -> dict[str, Any]:
    """A contact as Xero returns it."""
    data = dict(record.data)
    data["UpdatedDateUTC"] = ms_date(record.updated_ms)
    data.setdefault("HasAttachments", False)
    data.setdefault("ContactPersons", [])
    data.setdefault("IsSupplier", False)
    data.setdefault("IsCustomer", False)
    data["Phones"] = data.get("Phones") or blank_phones()
    data["Addresses"] = data.get("Addresses") or blank_addresses()
    data["HasValidationErrors"] = False
    data["ContactGroups"] = [{**group, "HasValidationErrors": False} for group in data.get("ContactGroups") or []]
    if summary_only:
        for heavy in ("Balances", "PaymentTerms", "BatchPayments"):
            data.pop(heavy, None)
    return data
