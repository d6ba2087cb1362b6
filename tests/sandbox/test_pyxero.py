"""pyxero, the community's Python client, pointed at the simulator over real HTTP.

pyxero reads JSON but writes XML bodies, filters with its own where syntax (&&, Name.contains, uuid.hex IDs, a
quoted or RFC 1123 If-Modified-Since) and reads /Organisations: what it gets back is checked field by field against
the simulator's JSON, and what it writes against what the simulator stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from xero import Xero
from xero.auth import OAuth2Credentials
from xero.exceptions import XeroBadRequest

from sandbox import apps
from tests.sandbox.conftest import HARBOUR, Simulator, ms_of


@pytest.fixture
def api(sim: Simulator) -> httpx.Client:
    return sim.api(sim.connect()["access_token"])


@pytest.fixture
def xero(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Xero]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the simulator speaks plain HTTP on 127.0.0.1
    token = sim.connect()  # a token from the simulator's token endpoint, as the other tests get one
    credentials = OAuth2Credentials(apps.DEMO_CLIENT_ID, apps.DEMO_CLIENT_SECRET, token=token, tenant_id=HARBOUR)
    credentials.base_url = sim.url  # every pyxero manager joins this with /api.xro/2.0 when Xero() builds it
    yield Xero(credentials)


def when(value: str) -> datetime:
    return datetime.fromtimestamp(ms_of(value) / 1000, UTC)


def day(value: datetime) -> date:
    """pyxero reads a document date (/Date(ms+0000)/, midnight UTC) as a datetime."""
    assert value.time() == datetime.min.time(), value
    return value.date()


def test_organisation(xero: Xero, api: httpx.Client) -> None:
    [organisation] = xero.organisations.all()
    twin = api.get("/Organisation").json()["Organisations"][0]
    assert organisation["OrganisationID"] == twin["OrganisationID"] and organisation["Name"] == "Harbour Bakery Ltd"
    assert organisation["BaseCurrency"] == "GBP" and organisation["CountryCode"] == "GB"
    assert organisation["PaysTax"] is twin["PaysTax"] and organisation["CreatedDateUTC"] == when(twin["CreatedDateUTC"])


def test_contacts_all_filtered_and_paged(xero: Xero, api: httpx.Client) -> None:
    everyone = api.get("/Contacts").json()["Contacts"]
    mine = xero.contacts.all()
    assert [c["ContactID"] for c in mine] == [c["ContactID"] for c in everyone]
    first, twin = mine[0], everyone[0]
    assert (first["Name"], first["ContactStatus"], first["IsSupplier"]) == (
        twin["Name"], twin["ContactStatus"], twin["IsSupplier"]
    )  # fmt: skip
    assert first["UpdatedDateUTC"] == when(twin["UpdatedDateUTC"])
    assert [p["PhoneType"] for p in first["Phones"]] == [p["PhoneType"] for p in twin["Phones"]]

    assert [c["ContactID"] for c in xero.contacts.filter(Name=twin["Name"])] == [twin["ContactID"]]
    wanted = {c["ContactID"] for c in everyone[:3]}
    assert {c["ContactID"] for c in xero.contacts.filter(IDs=sorted(wanted))} == wanted
    suppliers = xero.contacts.filter(IsSupplier=True, ContactStatus="ACTIVE")
    assert suppliers and {c["ContactID"] for c in suppliers} == {c["ContactID"] for c in everyone if c["IsSupplier"]}
    needle = twin["Name"][1:5]
    contains = xero.contacts.filter(Name__contains=needle)
    assert twin["ContactID"] in {c["ContactID"] for c in contains}
    assert all(needle in c["Name"] for c in contains)

    page_one, page_two = xero.contacts.filter(page=1, pageSize=10), xero.contacts.filter(page=2, pageSize=10)
    assert [c["ContactID"] for c in page_one + page_two] == [c["ContactID"] for c in everyone[:20]]
    archived = xero.contacts.filter(includeArchived=True)
    assert len(archived) > len(everyone) and {c["ContactStatus"] for c in archived} >= {"ARCHIVED"}
    newest = max(when(c["UpdatedDateUTC"]) for c in everyone)
    since = xero.contacts.filter(since=newest.replace(tzinfo=None, microsecond=0))
    assert since and all(c["UpdatedDateUTC"] >= newest.replace(microsecond=0) for c in since)
    assert len(since) < len(everyone)
    assert xero.contacts.get(twin["ContactID"])[0]["Name"] == twin["Name"]


@pytest.mark.parametrize(
    ("manager", "path", "plural", "key"),
    [
        ("accounts", "/Accounts", "Accounts", "AccountID"),
        ("taxrates", "/TaxRates", "TaxRates", "TaxType"),
        ("currencies", "/Currencies", "Currencies", "Code"),
        ("contactgroups", "/ContactGroups", "ContactGroups", "ContactGroupID"),
        ("invoices", "/Invoices", "Invoices", "InvoiceID"),
        ("payments", "/Payments", "Payments", "PaymentID"),
    ],
    ids=lambda value: value if isinstance(value, str) and "/" not in value and value[0].islower() else None,
)
def test_reference_data_and_documents_read_as_the_json_says(
    xero: Xero, api: httpx.Client, manager: str, path: str, plural: str, key: str
) -> None:
    mine, twins = getattr(xero, manager).all(), api.get(path).json()[plural]
    assert mine and [m[key] for m in mine] == [t[key] for t in twins]
    for record, twin in zip(mine, twins, strict=True):
        for field, value in twin.items():
            if isinstance(value, str) and value.startswith("/Date("):
                assert record[field] in (when(value), when(value).date()), field
            elif isinstance(value, bool | float | int) or field.endswith("ID"):
                assert record[field] == value, field


def test_invoices_filtered_paged_and_one_with_its_lines(xero: Xero, api: httpx.Client) -> None:
    authorised = xero.invoices.filter(Status="AUTHORISED")
    assert authorised and {i["Status"] for i in authorised} == {"AUTHORISED"}
    by_list = xero.invoices.filter(Statuses=["AUTHORISED"])
    assert {i["InvoiceID"] for i in by_list} == {i["InvoiceID"] for i in authorised}
    page = xero.invoices.filter(page=1)
    assert page and all(i["LineItems"] for i in page)
    [one] = xero.invoices.get(page[0]["InvoiceID"])
    twin = api.get(f"/Invoices/{one['InvoiceID']}").json()["Invoices"][0]
    assert day(one["Date"]) == when(twin["Date"]).date() and one["Total"] == twin["Total"]
    assert [line["LineAmount"] for line in one["LineItems"]] == [line["LineAmount"] for line in twin["LineItems"]]
    assert one["Contact"]["ContactID"] == twin["Contact"]["ContactID"]


def test_credit_notes(xero: Xero, api: httpx.Client) -> None:
    contact = api.get("/Contacts").json()["Contacts"][0]
    note = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact["ContactID"]}, "Date": date(2024, 6, 21),
            "Status": "AUTHORISED", "LineItems": [{"Description": "Returned loaves", "Quantity": 2,
                                                  "UnitAmount": Decimal("4.50"), "AccountCode": "200"}]}  # fmt: skip
    [created] = xero.creditnotes.put(note)
    assert (
        created["Type"] == "ACCRECCREDIT" and day(created["Date"]) == date(2024, 6, 21) and created["SubTotal"] == 9.0
    )
    [listed] = [n for n in xero.creditnotes.all() if n["CreditNoteID"] == created["CreditNoteID"]]
    stored = api.get(f"/CreditNotes/{created['CreditNoteID']}").json()["CreditNotes"][0]
    assert listed["Total"] == stored["Total"] and stored["LineItems"][0]["Quantity"] == 2.0
    assert xero.creditnotes.get(created["CreditNoteID"])[0]["CreditNoteNumber"] == stored["CreditNoteNumber"]


def test_pyxero_creates_and_updates_a_contact_through_xml(xero: Xero, api: httpx.Client) -> None:
    new = {"Name": "Cam Valley Dairy", "EmailAddress": "orders@camvalleydairy.example", "ContactNumber": "SUP-901",
           "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "7700 900456", "PhoneCountryCode": "44"}],
           "Addresses": [{"AddressType": "STREET", "AddressLine1": "1 Dairy Lane", "City": "Wells"}]}  # fmt: skip
    [created] = xero.contacts.put(new)
    assert created["Name"] == "Cam Valley Dairy" and created["IsSupplier"] is False
    stored = api.get(f"/Contacts/{created['ContactID']}").json()["Contacts"][0]
    assert (stored["EmailAddress"], stored["ContactNumber"]) == ("orders@camvalleydairy.example", "SUP-901")
    mobile = next(p for p in stored["Phones"] if p["PhoneType"] == "MOBILE")
    assert (mobile["PhoneNumber"], mobile["PhoneCountryCode"]) == ("7700 900456", "44")
    street = next(a for a in stored["Addresses"] if a["AddressType"] == "STREET")
    assert (street["AddressLine1"], street["City"]) == ("1 Dairy Lane", "Wells")

    [updated] = xero.contacts.save({"ContactID": created["ContactID"], "EmailAddress": "accounts@camvalley.example"})
    assert updated["EmailAddress"] == "accounts@camvalley.example" and updated["Name"] == "Cam Valley Dairy"
    again = api.get(f"/Contacts/{created['ContactID']}").json()["Contacts"][0]
    assert again["EmailAddress"] == "accounts@camvalley.example" and again["ContactNumber"] == "SUP-901"
    assert when(again["UpdatedDateUTC"]) >= when(stored["UpdatedDateUTC"])

    with pytest.raises(XeroBadRequest) as refused:
        xero.contacts.put({"Name": "Cam Valley Dairy"})
    assert refused.value.errors == [
        "The contact name Cam Valley Dairy is already assigned to another contact. The contact name must be unique "
        "across all active contacts."
    ]


def test_pyxero_creates_and_updates_an_invoice_through_xml(xero: Xero, api: httpx.Client) -> None:
    contact = api.get("/Contacts").json()["Contacts"][0]
    invoice = {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": date(2024, 6, 21),
               "DueDate": date(2024, 7, 21), "Status": "DRAFT", "Reference": "PO 42", "LineAmountTypes": "Exclusive",
               "LineItems": [{"Description": "Sourdough", "Quantity": 3, "UnitAmount": Decimal("12.50"),
                              "AccountCode": "200"}]}  # fmt: skip
    [created] = xero.invoices.put(invoice)
    assert created["Status"] == "DRAFT" and day(created["Date"]) == date(2024, 6, 21)
    assert day(created["DueDate"]) == date(2024, 7, 21)
    assert (created["SubTotal"], created["TotalTax"], created["Total"]) == (37.5, 7.5, 45.0)
    stored = api.get(f"/Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert (stored["Reference"], stored["InvoiceNumber"]) == ("PO 42", created["InvoiceNumber"])
    line = stored["LineItems"][0]
    assert (line["Description"], line["Quantity"], line["UnitAmount"], line["LineAmount"]) == (
        "Sourdough", 3.0, 12.5, 37.5
    )  # fmt: skip

    [updated] = xero.invoices.save({"InvoiceID": created["InvoiceID"], "Reference": "PO 43", "Status": "AUTHORISED"})
    assert updated["Reference"] == "PO 43" and updated["Status"] == "AUTHORISED"
    again = api.get(f"/Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert (again["Reference"], again["Status"], again["AmountDue"]) == ("PO 43", "AUTHORISED", 45.0)
    assert [li["LineItemID"] for li in again["LineItems"]] == [li["LineItemID"] for li in stored["LineItems"]]
