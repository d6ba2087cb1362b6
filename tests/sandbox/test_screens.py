"""The demo's Xero screens over real HTTP: what a person clicks, and what a connected app then sees through the API."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from sandbox import records
from sandbox.control import actions
from sandbox.records import Record
from tests.sandbox.conftest import HARBOUR, KOOKABURRA, Simulator

TUI = "e23c9fb6-f97e-43f7-ad61-97efaf2078f3"
CONTACTS = f"/screens/orgs/{HARBOUR}/contacts"


@pytest.fixture
def browser(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, follow_redirects=True, timeout=30) as client:
        yield client


@pytest.fixture
def api(sim: Simulator) -> httpx.Client:
    return sim.api(sim.connect()["access_token"])


def everyone(sim: Simulator, tenant: str = HARBOUR) -> list[dict]:
    """Every contact of the organisation, read from the simulator's database (saves the API's rate limit)."""
    db = sqlite3.connect(f"file:{sim.data / 'sandbox.db'}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT data FROM records WHERE tenant_id = ? AND kind = 'Contact'", (tenant,)).fetchall()
    finally:
        db.close()
    return [json.loads(data) for (data,) in rows]


def ids_on(page: str, attribute: str = "data-contact-id") -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', page)


def text_of(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', page)
    assert found, f"no {testid} on the page"
    return html.unescape(found.group(1))


def contact_of(api: httpx.Client, contact_id: str) -> dict:
    return api.get(f"/Contacts/{contact_id}").json()["Contacts"][0]


def test_front_page_lists_the_organisations(browser: httpx.Client) -> None:
    page = browser.get("/screens")
    assert page.status_code == 200 and page.url.path == "/screens/"
    assert "Xero (simulator)" in page.text
    assert len(ids_on(page.text, "data-tenant-id")) == 4
    harbour = page.text.split(f'data-tenant-id="{HARBOUR}"')[1].split("</tr>")[0]
    assert "Harbour Bakery Ltd" in harbour and ">GB<" in harbour and ">GBP<" in harbour
    assert 'data-testid="org-contacts">120<' in harbour and 'data-testid="org-apps">0<' in harbour


def test_contacts_come_fifty_a_page_in_name_order(sim: Simulator, browser: httpx.Client) -> None:
    active = sorted(
        (c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE"), key=lambda c: (c["Name"].lower(), c["ContactID"])
    )
    first = browser.get(CONTACTS)
    assert ids_on(first.text) == [c["ContactID"] for c in active[:50]]
    assert text_of(first.text, "result-count") == f"Showing 1 to 50 of {len(active)}"
    next_link = html.unescape(re.search(r'href="([^"]+)" data-testid="pager-next"', first.text).group(1))
    second = browser.get(next_link)
    assert ids_on(second.text) == [c["ContactID"] for c in active[50:100]]
    last = browser.get(CONTACTS, params={"page": 3})
    assert ids_on(last.text) == [c["ContactID"] for c in active[100:150]]
    assert 'data-testid="pager-next"' not in last.text and 'data-testid="pager-prev"' in last.text
    assert ids_on(browser.get(CONTACTS, params={"page": 99}).text) == ids_on(last.text)  # past the end: the last
    assert ids_on(browser.get(CONTACTS, params={"page": "x"}).text) == ids_on(first.text)


@pytest.mark.parametrize("show", ["active", "archived", "all"])
def test_contacts_filter_by_status(sim: Simulator, browser: httpx.Client, show: str) -> None:
    wanted = {c["ContactID"] for c in everyone(sim) if show == "all" or c["ContactStatus"] == show.upper()}
    page = browser.get(CONTACTS, params={"status": show, "page": 1})
    shown = ids_on(page.text)
    assert set(shown) <= wanted and len(shown) == min(50, len(wanted))
    assert text_of(page.text, "result-count").endswith(f" of {len(wanted)}")
    if show == "archived":
        assert 'class="badge green">Active<' not in page.text and 'class="badge amber">Merged<' in page.text


def test_search_matches_name_or_email_ignoring_case(sim: Simulator, browser: httpx.Client) -> None:
    contacts = everyone(sim)
    target = next(c for c in contacts if c["ContactStatus"] == "ACTIVE" and c.get("EmailAddress"))
    for term in (target["Name"][1:6].strip().upper(), target["EmailAddress"].split("@")[1].upper()):
        found = ids_on(browser.get(CONTACTS, params={"q": term, "status": "all"}).text)
        expected = {
            c["ContactID"]
            for c in contacts
            if term.lower() in c["Name"].lower() or term.lower() in (c.get("EmailAddress") or "").lower()
        }
        assert target["ContactID"] in found and set(found) <= expected and len(found) == min(50, len(expected))
    for term in ("zzzz-nobody", "%", "_"):
        page = browser.get(CONTACTS, params={"q": term})
        assert page.status_code == 200 and 'data-testid="empty"' in page.text


def test_contact_detail_shows_its_fields(sim: Simulator, browser: httpx.Client) -> None:
    contact = next(
        c
        for c in everyone(sim)
        if c["ContactStatus"] == "ACTIVE" and c.get("EmailAddress") and c.get("BankAccountDetails")
    )
    page = browser.get(f"{CONTACTS}/{contact['ContactID']}")
    assert page.status_code == 200
    assert text_of(page.text, "contact-name") == contact["Name"]
    assert text_of(page.text, "contact-email") == contact["EmailAddress"]
    assert text_of(page.text, "contact-bank") == contact["BankAccountDetails"]
    assert text_of(page.text, "contact-status") == "Active"
    assert contact["ContactID"] in page.text and " UTC" in text_of(page.text, "contact-updated")
    phone = next(p for p in contact["Phones"] if p["PhoneNumber"])
    assert phone["PhoneNumber"] in page.text
    city = next(a["City"] for a in contact["Addresses"] if a.get("City"))
    assert html.escape(city) in page.text


def test_edit_reaches_the_api(sim: Simulator, browser: httpx.Client, api: httpx.Client) -> None:
    contact = next(c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE")
    url = f"{CONTACTS}/{contact['ContactID']}"
    form = browser.get(f"{url}/edit")
    assert form.status_code == 200 and 'for="BankAccountDetails"' in form.text
    values = {k: contact.get(k) or "" for k in ("Name", "FirstName", "LastName", "AccountNumber", "TaxNumber")}
    sent = {**values, "EmailAddress": "accounts@new-owner.example", "BankAccountDetails": "20-00-00 55779911"}
    saved = browser.post(f"{url}/edit", data=sent)
    assert saved.url.path == url and text_of(saved.text, "flash") == "Contact saved."
    assert text_of(saved.text, "contact-bank") == "20-00-00 55779911"
    after = contact_of(api, contact["ContactID"])
    assert after["EmailAddress"] == "accounts@new-owner.example"
    assert after["BankAccountDetails"] == "20-00-00 55779911"
    assert browser.post(f"{url}/edit", data=sent).url.params["flash"] == "Nothing changed."


def test_edit_refuses_what_xero_would(sim: Simulator, browser: httpx.Client, api: httpx.Client) -> None:
    first, second = [c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE"][:2]
    url = f"{CONTACTS}/{first['ContactID']}/edit"
    bad_email = browser.post(url, data={"Name": first["Name"], "EmailAddress": "not an email"})
    assert bad_email.status_code == 400 and "Email address must be valid." in text_of(bad_email.text, "flash-error")
    assert 'value="not an email"' in bad_email.text  # what was typed is kept
    taken = browser.post(url, data={"Name": second["Name"]})
    assert taken.status_code == 400 and "already assigned to another contact" in taken.text
    assert browser.post(url, data={"Name": "  "}).status_code == 400
    assert contact_of(api, first["ContactID"])["Name"] == first["Name"]


def test_archive_needs_confirming_then_unarchive(sim: Simulator, browser: httpx.Client, api: httpx.Client) -> None:
    contact = next(c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE")
    url = f"{CONTACTS}/{contact['ContactID']}"
    asked = browser.get(f"{url}/archive")
    assert asked.status_code == 200 and text_of(asked.text, "confirm-question") == f"Archive {contact['Name']}?"
    unconfirmed = browser.post(f"{url}/archive")
    assert 'data-testid="confirm"' in unconfirmed.text
    assert contact_of(api, contact["ContactID"])["ContactStatus"] == "ACTIVE"
    archived = browser.post(f"{url}/archive", data={"confirm": "yes"})
    assert archived.url.path == url and text_of(archived.text, "flash") == "Contact archived."
    assert text_of(archived.text, "contact-status") == "Archived" and 'data-testid="unarchive"' in archived.text
    assert contact_of(api, contact["ContactID"])["ContactStatus"] == "ARCHIVED"
    assert browser.post(f"{url}/archive", data={"confirm": "yes"}).url.params["error"]
    restored = browser.post(f"{url}/unarchive", data={"confirm": "yes"})
    assert (
        text_of(restored.text, "flash") == "Contact restored." and text_of(restored.text, "contact-status") == "Active"
    )
    assert contact_of(api, contact["ContactID"])["ContactStatus"] == "ACTIVE"


def test_merge_points_the_contact_at_the_survivor(sim: Simulator, browser: httpx.Client, api: httpx.Client) -> None:
    gone, survivor = [c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE"][3:5]
    url = f"{CONTACTS}/{gone['ContactID']}"
    assert f'value="{survivor["ContactID"]}"' in browser.get(url).text  # offered in the merge select
    asked = browser.get(f"{url}/merge", params={"into": survivor["ContactID"]})
    assert text_of(asked.text, "confirm-question") == f"Merge {gone['Name']} into {survivor['Name']}?"
    assert f'name="into" value="{survivor["ContactID"]}"' in asked.text
    merged = browser.post(f"{url}/merge", data={"into": survivor["ContactID"], "confirm": "yes"})
    assert text_of(merged.text, "flash") == f"Contact merged into {survivor['Name']}."
    assert text_of(merged.text, "contact-status") == "Merged" and 'data-testid="merged-into"' in merged.text
    after = contact_of(api, gone["ContactID"])
    assert after["MergedToContactID"] == survivor["ContactID"] and after["ContactStatus"] == "ARCHIVED"
    again = browser.post(f"{url}/merge", data={"into": gone["ContactID"], "confirm": "yes"})
    assert again.url.params["error"]


def test_disconnect_on_the_apps_screen_revokes_the_app(sim: Simulator, browser: httpx.Client) -> None:
    api = sim.api(sim.connect()["access_token"])
    assert api.get("/Organisation").status_code == 200
    screen = browser.get(f"/screens/orgs/{HARBOUR}/apps")
    row = screen.text.split('data-testid="connection-row"')[1].split("</tr>")[0]
    assert "Xero integration hub" in row and "fiona@harbourbakery.example" in row
    connection = httpx.get(f"{sim.url}/connections", headers={"Authorization": api.headers["Authorization"]})
    assert connection.json()[0]["authEventId"] in row
    assert 'data-testid="org-apps">1<' in browser.get("/screens/").text
    link = html.unescape(re.search(r'href="([^"]+)" data-testid="disconnect"', row).group(1))
    assert text_of(browser.get(link).text, "confirm-question") == "Disconnect Xero integration hub?"
    done = browser.post(link, data={"confirm": "yes"})
    assert text_of(done.text, "flash") == "Xero integration hub disconnected from Harbour Bakery Ltd."
    assert 'data-testid="no-connections"' in done.text
    assert api.get("/Organisation").status_code == 403


def test_remove_user_ends_their_connection(sim: Simulator, browser: httpx.Client) -> None:
    api = sim.api(sim.connect()["access_token"])
    screen = browser.get(f"/screens/orgs/{HARBOUR}/apps").text
    row = screen.split('data-email="fiona@harbourbakery.example"')[1].split("</tr>")[0]
    link = html.unescape(re.search(r'href="([^"]+)" data-testid="remove-user"', row).group(1))
    assert 'data-testid="confirm"' in browser.get(link).text
    done = browser.post(link, data={"confirm": "yes"})
    assert text_of(done.text, "flash") == "Fiona Hughes removed from Harbour Bakery Ltd."
    assert 'data-email="fiona@harbourbakery.example"' not in done.text
    assert api.get("/Organisation").status_code == 403


@pytest.mark.parametrize(("button", "seconds"), [("+30 minutes", 1800), ("+1 day", 86400), ("+61 days", 5270400)])
def test_clock_buttons_move_the_clock(sim: Simulator, browser: httpx.Client, button: str, seconds: int) -> None:
    page = browser.get("/screens/faults")
    assert f'value="{seconds}"' in page.text and button in page.text
    before = sim.control("GET", "/clock")["nowMs"]
    moved = browser.post("/screens/clock/advance", data={"seconds": str(seconds)})
    after = sim.control("GET", "/clock")["nowMs"]
    assert seconds * 1000 <= after - before < seconds * 1000 + 60_000
    assert text_of(moved.text, "flash") == f"Clock moved forward by {button.lstrip('+')}."
    assert int(re.search(r'data-testid="clock-now" data-ms="(\d+)"', moved.text).group(1)) >= before + seconds * 1000
    refused = browser.post("/screens/clock/advance", data={"seconds": "-5"})
    assert text_of(refused.text, "flash-error").startswith("Move the clock forward")


@pytest.mark.parametrize(
    "path",
    [
        f"{CONTACTS}/00000000-0000-0000-0000-000000000000",
        f"{CONTACTS}/not-a-guid/edit",
        f"/screens/orgs/{HARBOUR}/invoices/00000000-0000-0000-0000-000000000000",
        "/screens/orgs/00000000-0000-0000-0000-000000000000/contacts",
        "/screens/no/such/screen",
    ],
)
def test_unknown_ids_get_a_friendly_404(browser: httpx.Client, path: str) -> None:
    page = browser.get(path)
    assert page.status_code == 404 and 'data-testid="not-found"' in page.text
    assert "Traceback" not in page.text and page.headers["content-type"].startswith("text/html")
    assert browser.post(path, data={"confirm": "yes"}).status_code in (404, 405)


def test_everything_shown_is_escaped(browser: httpx.Client, api: httpx.Client) -> None:
    name = "<script>alert('x')</script> & Sons"
    created = api.put("/Contacts", json={"Contacts": [{"Name": name, "EmailAddress": "a@b.example"}]})
    contact_id = created.json()["Contacts"][0]["ContactID"]
    listing = browser.get(CONTACTS, params={"q": "<script>"})
    assert ids_on(listing.text) == [contact_id]
    detail = browser.get(f"{CONTACTS}/{contact_id}")
    for page in (listing.text, detail.text, browser.get(CONTACTS, params={"flash": name}).text):
        assert "<script>" not in page and "&lt;script&gt;" in page
    assert text_of(detail.text, "contact-name") == name


def put_invoice(sim: Simulator, tenant: str, data: dict) -> None:
    """Store an invoice the way the documents slice does (kind Invoice, Xero's JSON) straight into the database."""
    db = sqlite3.connect(sim.data / "sandbox.db", timeout=10, isolation_level=None)
    try:
        record = Record(data["InvoiceID"], 1_700_000_000_000, data["Status"], data)
        records.save(db, tenant, "Invoice", record, name=data["Contact"]["ContactID"], number=data["InvoiceNumber"])
    finally:
        db.close()


def test_invoices_screen_has_an_empty_state(sim: Simulator, browser: httpx.Client) -> None:
    db = sqlite3.connect(sim.data / "sandbox.db", timeout=10, isolation_level=None)
    db.execute("DELETE FROM records WHERE tenant_id = ? AND kind = 'Invoice'", (TUI,))
    db.close()
    page = browser.get(f"/screens/orgs/{TUI}/invoices")
    assert page.status_code == 200 and "no invoices or bills yet" in text_of(page.text, "empty")


def test_invoices_render_from_the_stored_records(sim: Simulator, browser: httpx.Client) -> None:
    contact = next(c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE")
    invoice_id = "6c1d7c41-0d7b-4d1c-9a0e-111111111111"
    put_invoice(
        sim,
        HARBOUR,
        {
            "InvoiceID": invoice_id,
            "Type": "ACCPAY",
            "InvoiceNumber": "BILL-<7>",
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "Status": "AUTHORISED",
            "Date": "/Date(1767225600000+0000)/",
            "DueDate": "/Date(1769904000000+0000)/",
            "CurrencyCode": "GBP",
            "LineItems": [{"Description": "Flour, 25kg", "Quantity": 4, "UnitAmount": 25, "LineAmount": 100}],
            "SubTotal": 100,
            "TotalTax": 20,
            "Total": 120,
            "AmountPaid": 0,
            "AmountDue": 120,
        },
    )
    listing = browser.get(f"/screens/orgs/{HARBOUR}/invoices", params={"type": "ACCPAY", "q": "bill-<7"})
    assert invoice_id in ids_on(listing.text, "data-invoice-id") and "BILL-&lt;7&gt;" in listing.text
    detail = browser.get(f"/screens/orgs/{HARBOUR}/invoices/{invoice_id}")
    assert text_of(detail.text, "invoice-status") == "Awaiting payment" and "Flour, 25kg" in detail.text
    assert text_of(detail.text, "invoice-due") == "GBP 120.00" and "01 Jan 2026" in detail.text
    assert invoice_id in browser.get(f"{CONTACTS}/{contact['ContactID']}").text  # the contact lists its bills
    if getattr(actions, "invoice_payment", None) is None:
        assert 'data-testid="payment-unavailable"' in detail.text and "<fieldset disabled" in detail.text
        refused = browser.post(f"/screens/orgs/{HARBOUR}/invoices/{invoice_id}/payments", data={"amount": "10"})
        assert text_of(refused.text, "flash-error") == "Adding payments arrives with documents."
    else:
        assert 'data-testid="payment-unavailable"' not in detail.text and "<fieldset disabled" not in detail.text
    if getattr(actions, "void_invoice", None) is None:
        assert 'data-testid="void-unavailable"' in detail.text
    else:
        assert 'data-testid="void"' in detail.text


def test_fault_switches_arm_and_clear(sim: Simulator, browser: httpx.Client, api: httpx.Client) -> None:
    page = browser.get("/screens/faults")
    assert 'data-testid="no-faults"' in page.text
    armed = browser.post(
        "/screens/faults/arm",
        data={"kind": "status", "status": "503", "count": "2", "tenant": KOOKABURRA, "path": "/api.xro/2.0/"},
    )
    assert text_of(armed.text, "flash") == "Fault armed: the next 2 calls will answer 503."
    assert len(re.findall('data-testid="armed-fault"', armed.text)) == 1
    assert api.get("/Organisation").status_code == 200  # another organisation: not affected
    cleared = browser.post("/screens/faults/clear")
    assert text_of(cleared.text, "flash") == "All fault switches cleared." and 'data-testid="no-faults"' in cleared.text
    browser.post("/screens/faults/arm", data={"kind": "status", "status": "503", "count": "1"})
    assert api.get("/Organisation").status_code == 503
    assert api.get("/Organisation").status_code == 200
    wrong = browser.post("/screens/faults/arm", data={"kind": "status", "status": "418"})
    assert text_of(wrong.text, "flash-error").startswith("That fault cannot be armed")


@pytest.mark.skipif(
    getattr(actions, "invoice_payment", None) is None or getattr(actions, "void_invoice", None) is None,
    reason="payments and voids arrive with documents",
)
def test_payment_and_void_from_the_invoice_screen(sim: Simulator, browser: httpx.Client, api: httpx.Client) -> None:
    contact = next(c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE")

    def create(number: str) -> str:
        line = {"Description": "Sourdough", "Quantity": 2, "UnitAmount": 30, "AccountCode": "200", "TaxType": "OUTPUT2"}
        invoice = {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "Status": "AUTHORISED",
            "InvoiceNumber": number,
            "Date": "2026-01-05",
            "DueDate": "2026-02-05",
            "LineItems": [line],
        }
        created = api.put("/Invoices", json={"Invoices": [invoice]})
        assert created.status_code == 200, created.text
        return created.json()["Invoices"][0]["InvoiceID"]

    paying, voiding = create("SCR-1"), create("SCR-2")
    url = f"/screens/orgs/{HARBOUR}/invoices/{paying}"
    page = browser.get(url)
    due = api.get(f"/Invoices/{paying}").json()["Invoices"][0]["AmountDue"]
    assert f'value="{due:.2f}"' in page.text and 'data-testid="payment-unavailable"' not in page.text
    part = browser.post(f"{url}/payments", data={"amount": "10", "accountCode": "090"})
    assert text_of(part.text, "flash") == "Payment of GBP 10.00 recorded."
    assert text_of(part.text, "invoice-paid") == "GBP 10.00"
    rest = browser.post(f"{url}/payments", data={"amount": f"{due - 10:.2f}"})
    assert text_of(rest.text, "invoice-status") == "Paid"
    after = api.get(f"/Invoices/{paying}").json()["Invoices"][0]
    assert after["Status"] == "PAID" and after["AmountDue"] == 0
    assert browser.post(f"{url}/payments", data={"amount": "5"}).url.params["error"]
    assert browser.post(f"{url}/payments", data={"amount": "lots"}).url.params["error"].startswith("Enter the amount")
    void_url = f"/screens/orgs/{HARBOUR}/invoices/{voiding}/void"
    assert text_of(browser.get(void_url).text, "confirm-question") == "Void Invoice SCR-2?"
    voided = browser.post(void_url, data={"confirm": "yes"})
    assert text_of(voided.text, "flash") == "Invoice voided." and text_of(voided.text, "invoice-status") == "Voided"
    assert api.get(f"/Invoices/{voiding}").json()["Invoices"][0]["Status"] == "VOIDED"


def test_the_invoice_screen_shows_each_lines_tracking_and_inclusive_totals(
    sim: Simulator, browser: httpx.Client, api: httpx.Client
) -> None:
    customer = next(c for c in everyone(sim) if c["ContactStatus"] == "ACTIVE" and c.get("IsCustomer"))
    lines = [
        {"Description": "Call-out", "Quantity": 1, "UnitAmount": 120, "AccountCode": "200",
         "Tracking": [{"Name": "Region", "Option": "North"}, {"Name": "Department", "Option": "Sales"}]},
        {"Description": "Parts", "Quantity": 2, "UnitAmount": 30, "AccountCode": "200"},
    ]  # fmt: skip
    sent = {"Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]}, "Date": "2024-05-01",
            "LineItems": lines, "LineAmountTypes": "Inclusive", "Reference": "PO <77>",
            "Status": "AUTHORISED"}  # fmt: skip
    created = api.put("/Invoices", json={"Invoices": [sent]})
    assert created.status_code == 200, created.text
    invoice = created.json()["Invoices"][0]
    detail = browser.get(f"/screens/orgs/{HARBOUR}/invoices/{invoice['InvoiceID']}").text
    assert re.findall(r'data-testid="line-tracking">([^<]*)<', detail) == ["Region: North, Department: Sales", ""]
    assert "PO &lt;77&gt;" in detail and "Inclusive" in detail
    # Inclusive prices: the total is the lines (180.00), the 20% VAT inside them.
    assert text_of(detail, "invoice-total") == "GBP 180.00"
    assert text_of(detail, "invoice-tax") == "GBP 30.00" and text_of(detail, "invoice-subtotal") == "GBP 150.00"
