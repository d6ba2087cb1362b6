"""Files attached to invoices and credit notes over real HTTP: listed, uploaded with PUT and POST (the raw bytes),
downloaded by AttachmentID and by file name, within Xero's limits (size, ten a document, file names), every JSON
answer checked against strict Xero OpenAPI; the document says HasAttachments; the invoice screen links the file."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from sandbox import attachments
from tests.sandbox.conftest import HARBOUR, REDIRECT, SCOPE, Simulator
from tests.sandbox.openapi_strict import check_accounting, checked
from tests.sandbox.test_documents_api import Org, bill, create, sale

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def api(sim: Simulator) -> httpx.Client:
    code = sim.consent("fiona@harbourbakery.example", [HARBOUR], scope=f"{SCOPE} accounting.attachments")
    token = sim.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()["access_token"]
    return sim.api(token)


def put(api: httpx.Client, path: str, content: bytes = PDF, method: str = "PUT", **headers: str) -> httpx.Response:
    return api.request(method, path, content=content, headers={"Content-Type": "application/pdf", **headers})


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(checked(response)["Message"])


def test_an_invoice_takes_a_pdf_lists_it_and_gives_it_back(api: httpx.Client, sim: Simulator) -> None:
    (invoice,) = create(api, sale(Org(api).customer))
    assert invoice.get("HasAttachments") in (None, False)
    base = f"/Invoices/{invoice['InvoiceID']}/Attachments"

    uploaded = put(api, f"{base}/INV%20001.pdf?IncludeOnline=true")
    assert uploaded.status_code == 200, uploaded.text
    (made,) = checked(uploaded)["Attachments"]
    assert made["FileName"] == "INV 001.pdf" and made["MimeType"] == "application/pdf"
    assert made["ContentLength"] == len(PDF) and made["IncludeOnline"] is True

    (listed,) = checked(api.get(base))["Attachments"]
    assert listed["AttachmentID"] == made["AttachmentID"]
    for wanted in (made["AttachmentID"], "inv 001.PDF"):  # by id, and by name in any letter case
        got = api.get(f"{base}/{wanted}")
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        check_accounting(
            "GET", f"{base}/{wanted}", status=200, body=got.content, content_type="application/octet-stream"
        )
    (again,) = checked(api.get(f"/Invoices/{invoice['InvoiceID']}"))["Invoices"]
    assert again["HasAttachments"] is True

    with httpx.Client(base_url=sim.url, timeout=30) as browser:  # the invoice screen a Xero user sees
        page = browser.get(f"/screens/orgs/{HARBOUR}/invoices/{invoice['InvoiceID']}")
        assert page.status_code == 200 and 'data-testid="invoice-attachments"' in page.text
        link = re.search(r'href="([^"]+)" download data-testid="attachment-link">INV 001.pdf<', page.text)
        assert link, page.text
        downloaded = browser.get(html.unescape(link.group(1)))
    assert downloaded.status_code == 200 and downloaded.content == PDF
    assert "INV%20001.pdf" in downloaded.headers["content-disposition"]


def test_credit_notes_take_files_with_post_and_a_bill_with_put(api: httpx.Client) -> None:
    org = Org(api)
    (credit,) = create(api, sale(org.customer, Type="ACCRECCREDIT"), path="/CreditNotes", plural="CreditNotes")
    base = f"/CreditNotes/{credit['CreditNoteID']}/Attachments"
    posted = put(api, f"{base}/CN.pdf", method="POST")
    assert posted.status_code == 200, posted.text
    assert checked(posted)["Attachments"][0]["FileName"] == "CN.pdf"
    assert api.get(f"{base}/CN.pdf").content == PDF
    (made,) = create(api, bill(org.supplier))
    assert put(api, f"/Invoices/{made['InvoiceID']}/Attachments/bill.pdf").status_code == 200


def test_the_same_idempotency_key_attaches_once(api: httpx.Client) -> None:
    (invoice,) = create(api, sale(Org(api).customer))
    base = f"/Invoices/{invoice['InvoiceID']}/Attachments"
    first = put(api, f"{base}/a.pdf", **{"Idempotency-Key": "pdf-1"})
    second = put(api, f"{base}/a.pdf", **{"Idempotency-Key": "pdf-1"})
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert len(checked(api.get(base))["Attachments"]) == 1
    put(api, f"{base}/a.pdf")  # no key: a second file of the same name, as Xero does not promise a replace
    assert len(checked(api.get(base))["Attachments"]) == 2


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("big.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES, "larger than the 10 MB"),
        ("empty.pdf", b"", "The file is empty"),
        ("a%3Fb.pdf", PDF, "cannot contain"),
        ("n" * 97 + ".pdf", PDF, "100 characters or fewer"),
    ],
    ids=["over-10-MB", "empty", "question-mark-in-name", "name-too-long"],
)
def test_xero_refuses_a_file_past_its_limits(api: httpx.Client, name: str, content: bytes, said: str) -> None:
    (invoice,) = create(api, sale(Org(api).customer))
    base = f"/Invoices/{invoice['InvoiceID']}/Attachments"
    assert said in refusal(put(api, f"{base}/{name}", content))
    assert checked(api.get(base))["Attachments"] == []


def test_a_document_holds_ten_files_at_most(api: httpx.Client) -> None:
    (invoice,) = create(api, sale(Org(api).customer))
    base = f"/Invoices/{invoice['InvoiceID']}/Attachments"
    for n in range(attachments.MAX_PER_DOCUMENT):
        assert put(api, f"{base}/{n}.pdf").status_code == 200
    assert "at most 10 attachments" in refusal(put(api, f"{base}/eleven.pdf"))


def test_unknown_documents_and_files_are_not_found(api: httpx.Client) -> None:
    missing = "00000000-0000-0000-0000-000000000001"
    assert put(api, f"/Invoices/{missing}/Attachments/a.pdf").status_code == 404
    assert api.get(f"/CreditNotes/{missing}/Attachments").status_code == 404
    (invoice,) = create(api, sale(Org(api).customer))
    assert api.get(f"/Invoices/{invoice['InvoiceID']}/Attachments/nothing.pdf").status_code == 404


def test_uploading_needs_the_attachments_scope(sim: Simulator) -> None:
    without = sim.api(sim.connect()["access_token"])  # a grant without accounting.attachments
    (invoice,) = create(without, sale(Org(without).customer))
    answer = put(without, f"/Invoices/{invoice['InvoiceID']}/Attachments/a.pdf")
    assert answer.status_code == 401 and answer.json()["Detail"] == "AuthorizationUnsuccessful"
    assert without.get(f"/Invoices/{invoice['InvoiceID']}/Attachments").status_code == 401
