"""Xero's own Python SDK (xero-python), pointed at the simulator, through the client-credentials grant.

The SDK parses every response into its typed models; a field the simulator named or typed wrongly shows up as a
missing or mistyped attribute here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from xero_python.accounting import AccountingApi, Contact, Contacts, Phone
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException

from sandbox import apps
from tests.sandbox.conftest import HARBOUR, Simulator


@pytest.fixture
def accounting(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountingApi]:
    monkeypatch.setattr(TokenApi, "client_credentials_token_url", f"{sim.url}/connect/token")
    token: dict = {}
    client = ApiClient(
        Configuration(
            oauth2_token=OAuth2Token(client_id=apps.DEMO_CUSTOM_CLIENT_ID, client_secret=apps.DEMO_CUSTOM_CLIENT_SECRET)
        ),
        pool_threads=1,
        oauth2_token_getter=lambda: token,
        oauth2_token_saver=token.update,
    )
    client.get_client_credentials_token()
    assert token["access_token"] and token["expires_in"] == 1800
    yield AccountingApi(client, base_url=f"{sim.url}/api.xro/2.0")


def test_sdk_reads_contacts_with_typed_fields(accounting: AccountingApi) -> None:
    page = accounting.get_contacts(HARBOUR, page=1, page_size=25)
    assert page.pagination.page == 1 and page.pagination.page_size == 25 and page.pagination.item_count > 25
    assert len(page.contacts) == 25
    for contact in page.contacts:
        assert len(str(contact.contact_id)) == 36
        assert contact.contact_status == "ACTIVE" and contact.name
        assert isinstance(contact.updated_date_utc, datetime)
        assert isinstance(contact.is_supplier, bool) and isinstance(contact.is_customer, bool)
        assert {phone.phone_type for phone in contact.phones} >= {"DEFAULT", "MOBILE"}
        for address in contact.addresses:
            assert address.address_type in ("POBOX", "STREET")
    balances = [c.balances for c in page.contacts if c.balances is not None]
    assert balances and all(isinstance(b.accounts_payable.outstanding, Decimal) for b in balances)


def test_sdk_creates_and_updates_a_contact(accounting: AccountingApi) -> None:
    new = Contact(
        name="Cam Valley Dairy",
        email_address="orders@camvalleydairy.example",
        contact_number="SUP-900",
        phones=[Phone(phone_type="MOBILE", phone_number="7700 900456", phone_country_code="44")],
    )
    created = accounting.create_contacts(HARBOUR, Contacts(contacts=[new]), summarize_errors=False).contacts[0]
    assert created.status_attribute_string == "OK" and created.name == "Cam Valley Dairy"
    assert created.contact_number == "SUP-900" and created.is_supplier is False
    mobile = next(p for p in created.phones if p.phone_type == "MOBILE")
    assert (mobile.phone_number, mobile.phone_country_code) == ("7700 900456", "44")

    change = Contacts(
        contacts=[Contact(contact_id=created.contact_id, email_address="accounts@camvalleydairy.example")]
    )
    updated = accounting.update_contact(HARBOUR, created.contact_id, change).contacts[0]
    assert updated.email_address == "accounts@camvalleydairy.example" and updated.name == "Cam Valley Dairy"
    assert updated.updated_date_utc >= created.updated_date_utc
    fetched = accounting.get_contact(HARBOUR, created.contact_id).contacts[0]
    assert fetched.email_address == "accounts@camvalleydairy.example"


def test_sdk_sees_xeros_validation_error(accounting: AccountingApi) -> None:
    existing = accounting.get_contacts(HARBOUR, page=1).contacts[0]
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.create_contacts(HARBOUR, Contacts(contacts=[Contact(name=existing.name)]))
    assert "already assigned to another contact" in str(caught.value)


def test_sdk_reads_reference_data(accounting: AccountingApi) -> None:
    organisation = accounting.get_organisations(HARBOUR).organisations[0]
    assert organisation.name == "Harbour Bakery Ltd" and organisation.base_currency.value == "GBP"
    accounts = accounting.get_accounts(HARBOUR).accounts
    assert any(a.type.value == "BANK" and a.bank_account_number for a in accounts)
    rates = accounting.get_tax_rates(HARBOUR).tax_rates
    assert any(len(r.tax_components) > 1 and r.effective_rate for r in rates)


def value(field: object) -> object:
    """The SDK gives some enumerated fields as enums and others as plain strings."""
    return getattr(field, "value", field)


def test_sdk_writes_and_reads_invoices_and_payments(accounting: AccountingApi) -> None:
    from datetime import date

    from xero_python.accounting import Account, Invoice, Invoices, LineItem, Payment, Payments

    customer = accounting.get_contacts(HARBOUR, page=1, where='IsCustomer==true AND ContactStatus=="ACTIVE"')
    contact = Contact(contact_id=customer.contacts[0].contact_id)
    lines = [
        LineItem(
            description="Wedding cake, three tiers",
            quantity=1.0,
            unit_amount=240.0,
            account_code="200",
            tax_type="OUTPUT2",
        ),
        LineItem(description="Delivery", quantity=2.0, unit_amount=15.0, account_code="200", tax_type="OUTPUT2"),
    ]
    draft = Invoice(
        type="ACCREC",
        contact=contact,
        line_items=lines,
        date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        status="AUTHORISED",
        reference="PLATFORM-42",
    )
    created = accounting.create_invoices(HARBOUR, Invoices(invoices=[draft]), summarize_errors=False).invoices[0]
    assert created.status_attribute_string == "OK" and value(created.status) == "AUTHORISED"
    assert created.invoice_number.startswith("INV-") and value(created.type) == "ACCREC"
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("270.00"),
        Decimal("54.00"),
        Decimal("324.00"),
    )
    assert created.amount_due == Decimal("324.00") and created.amount_paid == Decimal("0.00")
    assert created.date == date(2026, 11, 2) and created.due_date == date(2026, 12, 2)
    assert [line.line_amount for line in created.line_items] == [Decimal("240.00"), Decimal("30.00")]
    assert isinstance(created.updated_date_utc, datetime)

    bank = next(
        a
        for a in accounting.get_accounts(HARBOUR).accounts
        if value(a.type) == "BANK" and value(a.currency_code) == "GBP"
    )
    part = Payment(
        invoice=Invoice(invoice_id=created.invoice_id),
        account=Account(account_id=bank.account_id),
        amount=100.0,
        date=date(2026, 11, 10),
        reference="Deposit",
    )
    paid = accounting.create_payments(HARBOUR, Payments(payments=[part])).payments[0]
    assert paid.amount == Decimal("100.00") and value(paid.payment_type) == "ACCRECPAYMENT"
    assert value(paid.status) == "AUTHORISED" and paid.date == date(2026, 11, 10)
    rest = Payment(
        invoice=Invoice(invoice_id=created.invoice_id),
        account=Account(account_id=bank.account_id),
        amount=224.0,
        date=date(2026, 11, 20),
    )
    accounting.create_payments(HARBOUR, Payments(payments=[rest]))
    settled = accounting.get_invoice(HARBOUR, created.invoice_id).invoices[0]
    assert value(settled.status) == "PAID" and settled.amount_due == Decimal("0.00")
    assert settled.amount_paid == Decimal("324.00") and len(settled.payments) == 2
    assert settled.fully_paid_on_date == date(2026, 11, 20)
    listed = accounting.get_payments(HARBOUR, where=f'Invoice.InvoiceID==Guid("{created.invoice_id}")').payments
    assert sorted(p.amount for p in listed) == [Decimal("100.00"), Decimal("224.00")]


def test_sdk_attaches_a_pdf_to_an_invoice_and_reads_it_back(accounting: AccountingApi) -> None:
    from datetime import date
    from pathlib import Path

    from xero_python.accounting import Invoice, Invoices, LineItem

    customer = accounting.get_contacts(HARBOUR, page=1, where='IsCustomer==true AND ContactStatus=="ACTIVE"')
    line = LineItem(description="Sourdough", quantity=1.0, unit_amount=10.0, account_code="200", tax_type="OUTPUT2")
    draft = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=customer.contacts[0].contact_id),
        line_items=[line],
        date=date(2026, 11, 2),
        status="AUTHORISED",
    )
    invoice = accounting.create_invoices(HARBOUR, Invoices(invoices=[draft])).invoices[0]
    pdf = b"%PDF-1.7\n%%EOF\n"
    made = accounting.create_invoice_attachment_by_file_name(
        HARBOUR, invoice.invoice_id, "INV statement.pdf", pdf, include_online=True
    ).attachments[0]
    assert (made.file_name, made.mime_type, made.content_length, made.include_online) == (
        "INV statement.pdf",
        "application/pdf",
        len(pdf),
        True,
    )
    (listed,) = accounting.get_invoice_attachments(HARBOUR, invoice.invoice_id).attachments
    assert listed.attachment_id == made.attachment_id
    saved = accounting.get_invoice_attachment_by_id(HARBOUR, invoice.invoice_id, made.attachment_id, "application/pdf")
    assert Path(saved).read_bytes() == pdf
    assert accounting.get_invoice(HARBOUR, invoice.invoice_id).invoices[0].has_attachments is True
