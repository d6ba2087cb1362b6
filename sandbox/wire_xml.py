"""Xero's XML: the JSON-shaped dicts the handlers build, written as Xero writes XML, and XML bodies read back into them.

Xero's default format is XML (https://developer.xero.com/documentation/api/requests-and-responses): a `<Response>`
with `<Id>`, `<Status>`, `<ProviderName>`, `<DateTimeUTC>` and the plural collection of singular children; errors as
`<ApiException>` whose `<Elements>` hold `<DataContractBase xsi:type="Invoice">` children; dates as
`2024-06-21T00:00:00`; booleans `true`/`false`. A body is read into the dict its JSON twin would give, so every
handler serves both formats unchanged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from sandbox import wire

XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = {"xmlns:xsd": "http://www.w3.org/2001/XMLSchema", "xmlns:xsi": XSI}
MEDIA_TYPE = "text/xml; charset=utf-8"
# Plurals whose singular is not the plural less its "s" (as Xero names the children).
SINGULAR = {
    "Addresses": "Address",
    "Currencies": "Currency",
    "Tracking": "TrackingCategory",
    "SalesTrackingCategories": "SalesTrackingCategory",
    "PurchasesTrackingCategories": "PurchasesTrackingCategory",
    "TrackingCategories": "TrackingCategory",
    "Elements": "DataContractBase",
}
# Collections a body may send empty (<Phones />): read as an empty list, not as text.
LISTS = {
    *SINGULAR,
    "Contacts", "ContactGroups", "ContactPersons", "Phones", "Invoices", "CreditNotes", "Payments", "Allocations",
    "LineItems", "Prepayments", "Overpayments", "ValidationErrors", "Warnings", "TaxComponents", "Attachments",
    "BatchPayments", "Accounts", "TaxRates", "Organisations", "ExternalLinks", "PaymentServices",
}  # fmt: skip
NUMBERS = {
    "Quantity", "UnitAmount", "LineAmount", "TaxAmount", "DiscountRate", "DiscountAmount", "Amount", "CurrencyRate",
    "BankAmount", "SubTotal", "TotalTax", "Total", "TotalDiscount", "AmountDue", "AmountPaid", "AmountCredited",
    "RemainingCredit", "AppliedAmount", "Rate", "EffectiveRate", "DisplayTaxRate", "Day", "Discount", "Outstanding",
    "Overdue",
}  # fmt: skip
BOOLEANS = {
    "SentToContact", "EnablePaymentsToAccount", "ShowInExpenseClaims", "IncludeInEmails", "AddToWatchlist",
    "PaysTax", "ShowOnCashBasisReports", "DiscountEnteredAsPercent",
}  # fmt: skip
_MS_DATE = re.compile(r"^/Date\((-?\d{1,15})([+-]\d{4})?\)/$")
# Characters XML 1.0 cannot carry even escaped (a client's where clause may hold them, and errors repeat it).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NUMBER = re.compile(r"^-?\d{1,28}(\.\d{1,28})?$")


class XmlBodyError(ValueError):
    """An XML body Xero would refuse; the message says why."""


def singular(plural: str) -> str:
    if plural in SINGULAR:
        return SINGULAR[plural]
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    return plural[:-1] if plural.endswith("s") else plural


# Writing


def answer(body: Any, element_type: str) -> bytes | None:
    """The XML twin of a JSON answer (the envelope or a ValidationException); None for any other body."""
    if not isinstance(body, dict):
        return None
    if body.get("Type") == "ValidationException":
        root = ElementTree.Element("ApiException", NAMESPACES)
        for key in ("ErrorNumber", "Type", "Message"):
            _add(root, key, body.get(key))
        elements = ElementTree.SubElement(root, "Elements")
        for item in body.get("Elements") or []:
            _fill(ElementTree.SubElement(elements, "DataContractBase", {"xsi:type": element_type}), item)
    elif body.get("Status") == "OK" and "Id" in body:
        root = ElementTree.Element("Response", NAMESPACES)
        _fill(root, body)
    else:
        return None
    return ElementTree.tostring(root, encoding="unicode").encode()


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _add(element, key, item)
    else:
        element.text = _text(value)


def _add(parent: ElementTree.Element, key: str, value: Any) -> None:
    if value is None or key.startswith("_"):
        return
    child = ElementTree.SubElement(parent, key)
    if isinstance(value, list | tuple):
        for item in value:
            _fill(ElementTree.SubElement(child, singular(key)), item)
    else:
        _fill(child, value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        whole, _, places = text.partition(".")
        return f"{whole}.{places.ljust(2, '0')}"
    if isinstance(value, str):
        found = _MS_DATE.match(value)
        if found:
            try:
                return _xml_date(int(found.group(1)), found.group(2))
            except (ValueError, OverflowError, OSError):  # an echoed date outside the calendar's years
                pass
    return _NOT_XML.sub("\ufffd", str(value))


def _xml_date(ms: int, offset: str | None) -> str:
    """2024-06-21T00:00:00 (and .fff when the time has milliseconds), in the zone the JSON date named."""
    if offset:
        sign = 1 if offset[0] == "+" else -1
        ms += sign * (int(offset[1:3]) * 60 + int(offset[3:5])) * 60_000
    moment = wire.from_ms(ms)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text if moment.microsecond == 0 else f"{text}.{moment.microsecond // 1000:03d}"


# Reading


def parse(body: bytes) -> Any:
    """An XML body as its JSON twin: <Contacts><Contact>… gives {"Contacts": [...]}; a lone <Contact> one object."""
    _refuse_declarations(body)
    try:
        root = ElementTree.fromstring(body)
        value = _value(root)
    except ElementTree.ParseError as exc:
        raise XmlBodyError(f"The request body is not valid XML ({exc}).") from None
    except RecursionError:
        raise XmlBodyError("The request body is nested too deeply.") from None
    tag = _tag(root)
    return {tag: value} if isinstance(value, list) else value


def _refuse_declarations(body: bytes) -> None:
    """No DTDs and no entities (a document type can expand one line into gigabytes); checked before the real parse."""

    def refuse(*_args: Any) -> None:
        raise XmlBodyError("The request body must not declare a document type or entities.")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise XmlBodyError(f"The request body is not valid XML ({expat.errors.messages[exc.code]}).") from None


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _is_list(element: ElementTree.Element, children: list[ElementTree.Element]) -> bool:
    tag = _tag(element)
    if tag in LISTS:
        return True
    return bool(children) and singular(tag) != tag and all(_tag(c) == singular(tag) for c in children)


def _value(element: ElementTree.Element) -> Any:
    children = list(element)
    if element.get(f"{{{XSI}}}nil") == "true":
        return None
    if _is_list(element, children):
        return [_value(child) for child in children]
    if children:
        return {_tag(child): _value(child) for child in children}
    return _leaf(_tag(element), element.text or "")


def _leaf(tag: str, text: str) -> Any:
    if (tag in BOOLEANS or tag.startswith(("Is", "Has", "Can"))) and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    if tag in NUMBERS and _NUMBER.match(text.strip()):
        number = text.strip()
        return float(number) if "." in number else int(number)
    return text
