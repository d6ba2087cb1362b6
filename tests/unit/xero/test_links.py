"""Links into Xero name the organisation by its short code, so a bookkeeper with several lands in the right one."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.xero import links

REAL = links.Organisation("https://api.xero.com", "t-1", "!aB3dE")
SIMULATOR = links.Organisation("http://127.0.0.1:8765/", "t-1", "!aB3dE")


def redirect_of(url: str | None) -> tuple[str, str]:
    assert url is not None
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("go.xero.com", "/organisationlogin/default.aspx")
    query = parse_qs(parts.query)
    return query["shortcode"][0], query["redirecturl"][0]


@pytest.mark.parametrize(
    ("kind", "page"),
    [
        ("invoice", "/AccountsReceivable/View.aspx?InvoiceID=x-1"),
        ("bill", "/AccountsPayable/View.aspx?InvoiceID=x-1"),
        ("credit_note", "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=x-1"),
        ("supplier_credit_note", "/AccountsPayable/ViewCreditNote.aspx?creditNoteID=x-1"),
    ],
)
def test_documents_open_in_their_organisation(kind: str, page: str) -> None:
    assert redirect_of(links.document(REAL, "x-1", kind)) == ("!aB3dE", page)


def test_contacts_open_in_their_organisation() -> None:
    assert redirect_of(links.contact(REAL, "c-1")) == ("!aB3dE", "/Contacts/View/c-1")


def test_before_the_short_code_is_known_the_plain_link_still_opens_the_record() -> None:
    plain = links.Organisation("https://api.xero.com", "t-1", None)
    assert links.contact(plain, "c-1") == "https://go.xero.com/Contacts/View/c-1"
    assert links.document(plain, "x-1", "bill") == "https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=x-1"


def test_with_the_simulator_links_open_its_screens() -> None:
    assert links.contact(SIMULATOR, "c-1") == "http://127.0.0.1:8765/screens/orgs/t-1/contacts/c-1"
    assert links.document(SIMULATOR, "x-1", "invoice") == "http://127.0.0.1:8765/screens/orgs/t-1/invoices/x-1"
    assert links.document(SIMULATOR, "x-1", "credit_note") is None  # it has no credit-note screen
    assert links.contact(links.Organisation("http://127.0.0.1:8765"), "c-1") is None  # no organisation yet


def test_nothing_to_open_gives_no_link() -> None:
    assert links.contact(REAL, None) is None and links.document(REAL, None, "invoice") is None
