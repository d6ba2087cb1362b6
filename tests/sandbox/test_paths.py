"""Xero's paths in any letter case, the plural Organisations, and the forms of values Xero's clients send."""

from __future__ import annotations

import httpx
import pytest

from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sandbox.openapi_strict import checked


@pytest.fixture
def api(sim: Simulator) -> httpx.Client:
    return sim.api(sim.connect()["access_token"])


@pytest.mark.parametrize(
    ("path", "collection"),
    [
        ("/organisation", "Organisations"),
        ("/Organisations", "Organisations"),
        ("/ORGANISATIONS", "Organisations"),
        ("/invoices", "Invoices"),
        ("/TAXRATES", "TaxRates"),
        ("/creditnotes", "CreditNotes"),
        ("/payments", "Payments"),
        ("/contacts", "Contacts"),
        ("/contactGroups", "ContactGroups"),
        ("/accounts", "Accounts"),
        ("/currencies", "Currencies"),
    ],
    ids=lambda value: value,
)
def test_paths_in_any_case(api: httpx.Client, path: str, collection: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.json()["Status"] == "OK" and isinstance(answer.json()[collection], list)


def test_a_resource_and_its_subresource_in_any_case_keep_the_key_as_sent(api: httpx.Client) -> None:
    contact = api.get("/Contacts", params={"where": "ContactNumber!=null"}).json()["Contacts"][0]
    by_number = api.get(f"/contacts/{contact['ContactNumber']}")
    assert by_number.status_code == 200 and by_number.json()["Contacts"][0]["ContactID"] == contact["ContactID"]
    group = api.put("/contactgroups", json={"ContactGroups": [{"Name": "Millers"}]}).json()["ContactGroups"][0]
    added = api.put(f"/ContactGroups/{group['ContactGroupID']}/CONTACTS", json={"Contacts": [contact]})
    assert added.status_code == 200, added.text
    members = api.get(f"/contactgroups/{group['ContactGroupID']}").json()["ContactGroups"][0]["Contacts"]
    assert [m["ContactID"] for m in members] == [contact["ContactID"]]


def test_connections_in_any_case(sim: Simulator) -> None:
    token = sim.connect()["access_token"]
    listed = httpx.get(f"{sim.url}/CONNECTIONS", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and listed.json()[0]["tenantId"] == HARBOUR


def test_the_request_log_keeps_the_path_as_sent(api: httpx.Client, sim: Simulator) -> None:
    assert api.get("/organisations").status_code == 200
    assert api.get("/TAXRATES").status_code == 200
    paths = [row["path"] for row in sim.control("GET", "/requests")]
    assert "/api.xro/2.0/organisations" in paths and "/api.xro/2.0/TAXRATES" in paths


def test_a_fault_armed_on_xeros_spelling_catches_every_spelling(api: httpx.Client, sim: Simulator) -> None:
    armed = {"kind": "status", "status": 503, "count": 1, "path": "/api.xro/2.0/Contacts"}
    assert control.post(f"{sim.url}/_sandbox/faults", json=armed).status_code == 200
    assert api.get("/contacts").status_code == 503
    assert api.get("/contacts").status_code == 200


@pytest.mark.parametrize("resource", ["CreditNotes", "Payments", "Invoices", "Contacts"])
@pytest.mark.parametrize("name", ["page", "pageSize"])
def test_a_page_beyond_xeros_whole_numbers_is_a_validation_exception(
    api: httpx.Client, resource: str, name: str
) -> None:
    answer = api.get(f"/{resource}", params={name: "420947247065654755328"})
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["Type"] == "ValidationException" and body["Elements"] == [] and name in body["Message"]
    assert api.get(f"/{resource}", params={name: "2147483647"}).status_code == 200


def test_values_in_the_forms_pyxero_sends(api: httpx.Client) -> None:
    everyone = api.get("/Contacts").json()["Contacts"]
    wanted = [c["ContactID"] for c in everyone[:2]]
    hex_ids = ",".join(i.replace("-", "") for i in wanted)  # pyxero sends uuid.hex
    assert {c["ContactID"] for c in checked(api.get("/Contacts", params={"IDs": hex_ids}))["Contacts"]} == set(wanted)
    name = everyone[0]["Name"]
    both = api.get("/Contacts", params={"where": f'Name=="{name}"&&ContactStatus=="ACTIVE"'}).json()["Contacts"]
    assert [c["ContactID"] for c in both] == [everyone[0]["ContactID"]]
    either = api.get("/Contacts", params={"where": f'Name=="{name}"||Name=="{everyone[1]["Name"]}"'}).json()
    assert len(either["Contacts"]) == 2
    quoted = api.get("/Contacts", headers={"If-Modified-Since": '"2000-01-01"'})  # pyxero quotes a date
    assert quoted.status_code == 200 and len(quoted.json()["Contacts"]) == len(everyone)
    guid = api.get("/Contacts", params={"where": f'ContactID==Guid("{wanted[0].replace("-", "").upper()}")'})
    assert [c["ContactID"] for c in guid.json()["Contacts"]] == [wanted[0]]
