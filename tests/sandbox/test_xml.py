"""Xero's default format: XML answers for callers that do not ask for JSON, and XML bodies read as their JSON twins."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import httpx
import pytest

from tests.sandbox.conftest import HARBOUR, Simulator, ms_of

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XML_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?$")


@pytest.fixture
def token(sim: Simulator) -> str:
    return sim.connect()["access_token"]


def client(sim: Simulator, token: str, accept: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": HARBOUR}
    if accept is not None:
        headers["Accept"] = accept
    return httpx.Client(base_url=f"{sim.url}/api.xro/2.0", headers=headers, timeout=60)


def xml_of(response: httpx.Response, status: int = 200) -> ElementTree.Element:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def xml_date(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text if ms % 1000 == 0 else f"{text}.{ms % 1000:03d}"


@pytest.mark.parametrize(
    ("path", "params", "plural", "singular"),
    [
        ("/Organisation", {}, "Organisations", "Organisation"),
        ("/Contacts", {"page": 1, "pageSize": 5}, "Contacts", "Contact"),
        ("/Accounts", {}, "Accounts", "Account"),
        ("/TaxRates", {}, "TaxRates", "TaxRate"),
        ("/Currencies", {}, "Currencies", "Currency"),
        ("/ContactGroups", {}, "ContactGroups", "ContactGroup"),
        ("/Invoices", {"page": 1, "pageSize": 5}, "Invoices", "Invoice"),
        ("/Payments", {}, "Payments", "Payment"),
        ("/CreditNotes", {}, "CreditNotes", "CreditNote"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
@pytest.mark.parametrize("accept", [None, "*/*", "application/xml", "text/xml"], ids=["none", "any", "xml", "textxml"])
def test_xml_unless_json_is_asked_for(
    sim: Simulator, token: str, accept: str | None, path: str, params: dict, plural: str, singular: str
) -> None:
    root = xml_of(client(sim, token, accept).get(path, params=params))
    assert root.tag == "Response"
    assert [child.tag for child in root][:4] == ["Id", "Status", "ProviderName", "DateTimeUTC"]
    assert root.findtext("Status") == "OK" and XML_DATE.match(root.findtext("DateTimeUTC") or "")
    collection = root.find(plural)
    assert collection is not None and all(child.tag == singular for child in collection)
    json_answer = client(sim, token, "application/json").get(path, params=params).json()
    assert len(collection) == len(json_answer[plural])
    if "page" in params:
        assert root.findtext("pagination/itemCount") == str(json_answer["pagination"]["itemCount"])


def test_an_xml_record_says_what_its_json_twin_says(sim: Simulator, token: str) -> None:
    params = {"page": 1, "pageSize": 3}
    xml_invoices = xml_of(client(sim, token, None).get("/Invoices", params=params)).find("Invoices")
    json_invoices = client(sim, token, "application/json").get("/Invoices", params=params).json()["Invoices"]
    for element, twin in zip(xml_invoices, json_invoices, strict=True):
        assert element.findtext("InvoiceID") == twin["InvoiceID"] and element.findtext("Status") == twin["Status"]
        assert element.findtext("Date") == xml_date(ms_of(twin["Date"])) and element.findtext("Date").endswith(
            "T00:00:00"
        )
        assert element.findtext("UpdatedDateUTC") == xml_date(ms_of(twin["UpdatedDateUTC"]))
        assert (
            float(element.findtext("Total")) == twin["Total"]
            and float(element.findtext("AmountDue")) == twin["AmountDue"]
        )
        assert (
            element.findtext("HasErrors") == "false"
            and element.findtext("Contact/ContactID") == twin["Contact"]["ContactID"]
        )
        lines = element.find("LineItems")
        assert [line.tag for line in lines] == ["LineItem"] * len(twin["LineItems"])
        assert [float(line.findtext("LineAmount")) for line in lines] == [li["LineAmount"] for li in twin["LineItems"]]
    contact = xml_of(client(sim, token, None).get("/Contacts", params=params)).find("Contacts/Contact")
    assert contact.findtext("IsSupplier") in ("true", "false")
    assert [phone.tag for phone in contact.find("Phones")] == ["Phone"] * len(contact.find("Phones"))


CONTACT_XML = (
    b"<Contacts><Contact><Name>Mill &amp; Sons</Name><EmailAddress>orders@mill.example</EmailAddress>"
    b"<ContactNumber>MILL-1</ContactNumber><Phones><Phone><PhoneType>MOBILE</PhoneType><PhoneNumber>7700 900123"
    b"</PhoneNumber></Phone></Phones><Addresses><Address><AddressType>STREET</AddressType><City>Bath</City>"
    b"</Address></Addresses></Contact></Contacts>"
)


@pytest.mark.parametrize(
    "content_type",
    ["application/xml", "text/xml; charset=utf-8", "application/x-www-form-urlencoded", None],
    ids=["application-xml", "text-xml", "form-field", "unlabelled"],
)
def test_an_xml_body_is_read_as_its_json_twin(sim: Simulator, token: str, content_type: str | None) -> None:
    body = CONTACT_XML
    if content_type == "application/x-www-form-urlencoded":  # pyxero before 0.9.3 sent the XML as a form field
        body = str(httpx.QueryParams({"xml": CONTACT_XML.decode()})).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client(sim, token, "application/json").put("/Contacts", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    created = answer.json()["Contacts"][0]
    stored = client(sim, token, "application/json").get(f"/Contacts/{created['ContactID']}").json()["Contacts"][0]
    assert (stored["Name"], stored["EmailAddress"], stored["ContactNumber"]) == (
        "Mill & Sons", "orders@mill.example", "MILL-1"
    )  # fmt: skip
    assert next(p for p in stored["Phones"] if p["PhoneType"] == "MOBILE")["PhoneNumber"] == "7700 900123"
    assert next(a for a in stored["Addresses"] if a["AddressType"] == "STREET")["City"] == "Bath"


def test_an_xml_invoice_with_numbers_dates_and_booleans(sim: Simulator, token: str) -> None:
    api = client(sim, token, None)
    contact = client(sim, token, "application/json").get("/Contacts").json()["Contacts"][0]
    body = (
        f"<Invoice><Type>ACCREC</Type><Contact><ContactID>{contact['ContactID']}</ContactID></Contact>"
        "<Date>2024-06-21T00:00:00</Date><DueDate>2024-07-21T00:00:00</DueDate><Status>AUTHORISED</Status>"
        "<SentToContact>false</SentToContact><LineItems><LineItem><Description>Rye</Description>"
        "<Quantity>3</Quantity><UnitAmount>12.50</UnitAmount><AccountCode>200</AccountCode></LineItem></LineItems>"
        "</Invoice>"
    ).encode()
    root = xml_of(api.put("/Invoices", content=body, headers={"Content-Type": "application/xml"}))
    invoice = root.find("Invoices/Invoice")
    assert invoice.findtext("Date") == "2024-06-21T00:00:00" and invoice.findtext("DueDate") == "2024-07-21T00:00:00"
    assert float(invoice.findtext("SubTotal")) == 37.5 and invoice.findtext("Status") == "AUTHORISED"
    assert invoice.findtext("LineItems/LineItem/Quantity") == "3.00"
    stored = client(sim, token, "application/json").get(f"/Invoices/{invoice.findtext('InvoiceID')}").json()
    line = stored["Invoices"][0]["LineItems"][0]
    assert (line["Quantity"], line["UnitAmount"], line["LineAmount"]) == (3.0, 12.5, 37.5)


def test_a_validation_exception_in_xml(sim: Simulator, token: str) -> None:
    body = b"<Contacts><Contact><Name>Bad Mail</Name><EmailAddress>not-an-email</EmailAddress></Contact></Contacts>"
    root = xml_of(
        client(sim, token, None).put("/Contacts", content=body, headers={"Content-Type": "application/xml"}), 400
    )
    assert root.tag == "ApiException"
    assert (root.findtext("ErrorNumber"), root.findtext("Type")) == ("10", "ValidationException")
    element = root.find("Elements/DataContractBase")
    assert element.get(XSI_TYPE) == "Contact" and element.findtext("Name") == "Bad Mail"
    assert element.findtext("ValidationErrors/ValidationError/Message") == "Email address must be valid."
    json_answer = client(sim, token, "application/json").put(
        "/Contacts", content=body, headers={"Content-Type": "application/xml"}
    )
    assert json_answer.status_code == 400 and json_answer.json()["Elements"][0]["ValidationErrors"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'<!DOCTYPE c [<!ENTITY a "aaaaaaaaaa">]><Contact><Name>&a;</Name></Contact>', "document type or entities"),
        (b'<!DOCTYPE c SYSTEM "file:///etc/passwd"><Contact><Name>x</Name></Contact>', "document type or entities"),
        (b"<Contact><Name>unclosed</Contact>", "not valid XML"),
        (b"<Contact>" * 50_000, "not valid XML"),
        (b"<a>" * 20_000 + b"</a>" * 20_000, "nested too deeply"),
    ],
    ids=["entity", "external-dtd", "malformed", "unterminated", "deep"],
)
def test_unsafe_or_broken_xml_is_refused(sim: Simulator, token: str, body: bytes, message: str) -> None:
    root = xml_of(
        client(sim, token, None).put("/Contacts", content=body, headers={"Content-Type": "application/xml"}), 400
    )
    assert root.findtext("Type") == "ValidationException" and message in (root.findtext("Message") or "")


def test_json_callers_still_get_json(sim: Simulator, token: str) -> None:
    answer = client(sim, token, "application/json").get("/Organisation")
    assert answer.headers["content-type"].startswith("application/json") and answer.json()["Status"] == "OK"
    answer = client(sim, token, "application/json, text/plain, */*").get("/Contacts/not-there")
    assert answer.status_code == 404 and answer.json()["Title"] == "NotFound"
