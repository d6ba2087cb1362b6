"""The simulated Accounting API over real HTTP, every response checked against the strict Xero OpenAPI copy."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.sandbox.conftest import HARBOUR, Simulator, ms_of
from tests.sandbox.openapi_strict import checked


@pytest.fixture
def api(sim: Simulator) -> httpx.Client:
    return sim.api(sim.connect()["access_token"])


def test_contacts_page_at_the_requested_size_with_a_pagination_block(api: httpx.Client) -> None:
    first = checked(api.get("/Contacts", params={"page": 1, "pageSize": 20}))
    assert first["pagination"]["page"] == 1 and first["pagination"]["pageSize"] == 20
    assert len(first["Contacts"]) == 20 and first["pagination"]["itemCount"] > 20
    names = [c["Name"].lower() for c in first["Contacts"]]
    assert names == sorted(names)
    total = first["pagination"]["itemCount"]
    seen = {
        c["ContactID"]
        for p in range(1, first["pagination"]["pageCount"] + 1)
        for c in api.get("/Contacts", params={"page": p, "pageSize": 20}).json()["Contacts"]
    }
    assert len(seen) == total
    assert checked(api.get("/Contacts", params={"page": 1, "pageSize": 5000}))["pagination"]["pageSize"] == 1000
    assert api.get("/Contacts", params={"page": 1}).json()["pagination"]["pageSize"] == 100


def test_archived_contacts_only_when_asked(api: httpx.Client) -> None:
    active = api.get("/Contacts").json()["Contacts"]
    everything = checked(api.get("/Contacts", params={"includeArchived": "true"}))["Contacts"]
    assert {c["ContactStatus"] for c in active} == {"ACTIVE"}
    assert "ARCHIVED" in {c["ContactStatus"] for c in everything} and len(everything) > len(active)
    merged = [c for c in everything if c.get("MergedToContactID")]
    assert merged and all(c["ContactStatus"] == "ARCHIVED" for c in merged)


def test_if_modified_since_where_ids_search_and_order(api: httpx.Client, sim: Simulator) -> None:
    contacts = api.get("/Contacts").json()["Contacts"]
    newest = max(ms_of(c["UpdatedDateUTC"]) for c in contacts)
    from datetime import UTC, datetime

    since = datetime.fromtimestamp(newest / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    recent = checked(api.get("/Contacts", headers={"If-Modified-Since": since}))["Contacts"]
    assert recent and all(ms_of(c["UpdatedDateUTC"]) >= newest - 1000 for c in recent) and len(recent) < len(contacts)

    supplier = next(c for c in contacts if c["IsSupplier"] and c.get("EmailAddress"))
    by_email = api.get("/Contacts", params={"where": f'EmailAddress=="{supplier["EmailAddress"]}"'}).json()
    assert supplier["ContactID"] in {c["ContactID"] for c in by_email["Contacts"]}
    suppliers = checked(api.get("/Contacts", params={"where": 'IsSupplier==true AND ContactStatus=="ACTIVE"'}))
    assert suppliers["Contacts"] and all(c["IsSupplier"] for c in suppliers["Contacts"])
    either = api.get("/Contacts", params={"where": "IsSupplier==true OR IsCustomer==true"}).json()["Contacts"]
    assert len(either) == sum(1 for c in contacts if c["IsSupplier"] or c["IsCustomer"])

    two = [contacts[0]["ContactID"], contacts[5]["ContactID"]]
    assert {c["ContactID"] for c in api.get("/Contacts", params={"IDs": ",".join(two)}).json()["Contacts"]} == set(two)
    word = supplier["Name"].split()[0].lower()
    found = api.get("/Contacts", params={"searchTerm": word.upper()}).json()["Contacts"]
    assert supplier["ContactID"] in {c["ContactID"] for c in found}
    newest_first = api.get("/Contacts", params={"order": "UpdatedDateUTC DESC"}).json()["Contacts"]
    stamps = [ms_of(c["UpdatedDateUTC"]) for c in newest_first]
    assert stamps == sorted(stamps, reverse=True)
    lean = checked(api.get("/Contacts", params={"summaryOnly": "true", "page": 1}))["Contacts"]
    assert all("Balances" not in c for c in lean)


def test_create_update_archive_and_the_unique_name_rule(api: httpx.Client) -> None:
    body = {
        "Contacts": [
            {
                "Name": "Fenland Flour Mill",
                "EmailAddress": "orders@fenlandflour.example",
                "ContactNumber": "SUP-0042",
                "IsSupplier": True,
                "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "7700 900123", "PhoneCountryCode": "44"}],
            }
        ]
    }
    raw = json.dumps(body).encode()
    created = checked(api.put("/Contacts", content=raw))["Contacts"][0]
    assert created["IsSupplier"] is False  # never writable: Xero derives it from documents
    mobile = next(p for p in created["Phones"] if p["PhoneType"] == "MOBILE")
    assert mobile["PhoneNumber"] == "7700 900123"

    duplicate = api.put("/Contacts", json={"Contacts": [{"Name": "fenland flour mill"}]})
    error = checked(duplicate)
    assert duplicate.status_code == 400 and error["Type"] == "ValidationException"
    assert "is already assigned to another contact" in error["Elements"][0]["ValidationErrors"][0]["Message"]

    mixed = api.post(
        "/Contacts",
        params={"summarizeErrors": "false"},
        json={"Contacts": [{"Name": "Fenland Flour Mill"}, {"Name": "Ouse Valley Eggs"}]},
    )
    results = checked(mixed)["Contacts"]
    assert mixed.status_code == 200
    assert [r["StatusAttributeString"] for r in results] == ["ERROR", "OK"]

    updated = checked(
        api.post(
            f"/Contacts/{created['ContactID']}", json={"Contacts": [{"EmailAddress": "accounts@fenlandflour.example"}]}
        )
    )["Contacts"][0]
    assert updated["EmailAddress"] == "accounts@fenlandflour.example" and updated["Name"] == "Fenland Flour Mill"
    by_number = api.post("/Contacts", json={"Contacts": [{"ContactNumber": "SUP-0042", "AccountNumber": "FF1"}]})
    assert by_number.json()["Contacts"][0]["ContactID"] == created["ContactID"]

    api.post(f"/Contacts/{created['ContactID']}", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    refused = api.post(f"/Contacts/{created['ContactID']}", json={"Contacts": [{"EmailAddress": "x@y.example"}]})
    assert refused.status_code == 400 and "has been archived" in refused.text
    back = api.post(f"/Contacts/{created['ContactID']}", json={"Contacts": [{"ContactStatus": "ACTIVE"}]})
    assert back.json()["Contacts"][0]["ContactStatus"] == "ACTIVE"
    assert checked(api.get(f"/Contacts/{created['ContactID']}"))["Contacts"][0]["AccountNumber"] == "FF1"
    assert api.get("/Contacts/SUP-0042").json()["Contacts"][0]["ContactID"] == created["ContactID"]


def test_a_phone_keeps_the_parts_not_sent_and_clears_those_sent_blank(api: httpx.Client) -> None:
    landline = {"PhoneType": "DEFAULT", "PhoneCountryCode": "44", "PhoneAreaCode": "01632", "PhoneNumber": "960111"}
    created = checked(api.put("/Contacts", json={"Contacts": [{"Name": "Soham Phones", "Phones": [landline]}]}))

    def default_after(phone: dict[str, str]) -> tuple[str, str, str]:
        body = {"Contacts": [{"Phones": [{"PhoneType": "DEFAULT", **phone}]}]}
        saved = checked(api.post(f"/Contacts/{created['Contacts'][0]['ContactID']}", json=body))["Contacts"][0]
        found = next(p for p in saved["Phones"] if p["PhoneType"] == "DEFAULT")
        return found["PhoneCountryCode"], found["PhoneAreaCode"], found["PhoneNumber"]

    assert default_after({"PhoneNumber": "7788 123456"}) == ("44", "01632", "7788 123456")  # as Xero: parts kept
    whole = {"PhoneCountryCode": "44", "PhoneAreaCode": "", "PhoneNumber": "7788 123456"}
    assert default_after(whole) == ("44", "", "7788 123456")


def test_idempotency_key_replays_and_refuses_reuse(api: httpx.Client) -> None:
    body = {"Contacts": [{"Name": "Wash Fen Honey"}]}
    first = api.put("/Contacts", json=body, headers={"Idempotency-Key": "contact-42-v1"})
    again = api.put("/Contacts", json=body, headers={"Idempotency-Key": "contact-42-v1"})
    assert first.status_code == again.status_code == 200
    assert first.json()["Contacts"][0]["ContactID"] == again.json()["Contacts"][0]["ContactID"]
    other = api.put("/Contacts", json={"Contacts": [{"Name": "Other"}]}, headers={"Idempotency-Key": "contact-42-v1"})
    assert other.status_code == 400 and "different request" in other.text
    too_long = api.put("/Contacts", json=body, headers={"Idempotency-Key": "k" * 129})
    assert too_long.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "text"),
    [
        ("PUT", "/Contacts", {"content": b"{not json"}, 400, "not valid JSON"),
        ("PUT", "/Contacts", {"json": {"Contacts": [{"Name": "X", "Colour": "red"}]}}, 400, "not a field of a contact"),
        ("PUT", "/Contacts", {"json": {"Contacts": [{"Name": 42}]}}, 400, "Name must be text"),
        ("PUT", "/Contacts", {"json": {"Contacts": [{"Name": "X", "EmailAddress": "nope"}]}}, 400, "Email address"),
        ("PUT", "/Contacts", {"json": {"Contacts": [{"Name": "X" * 256}]}}, 400, "no more than 255"),
        ("PUT", "/Contacts", {"json": {"Contacts": "all of them"}}, 400, "must be a list"),
        ("PUT", "/Contacts", {"content": b"{}" + b" " * (10 * 1024 * 1024)}, 400, "10 MB"),
        ("GET", "/Contacts", {"params": {"IDs": "not-a-guid"}}, 400, "not a valid GUID"),
        ("GET", "/Contacts", {"params": {"where": 'Name=="unterminated'}}, 400, "could not be read"),
        ("GET", "/Contacts", {"params": {"page": "two"}}, 400, "whole numbers"),
        ("GET", "/Contacts/00000000-0000-0000-0000-000000000000", {}, 404, "cannot be found"),
        ("GET", "/Widgets", {}, 404, "cannot be found"),
    ],
    ids=[
        "malformed-json",
        "unknown-field",
        "wrong-type",
        "bad-email",
        "too-long",
        "not-a-list",
        "oversized",
        "bad-guid",
        "bad-where",
        "bad-page",
        "unknown-contact",
        "unknown-resource",
    ],
)
def test_bad_input_gets_xeros_error_shape(
    api: httpx.Client, method: str, path: str, kwargs: dict, status: int, text: str
) -> None:
    response = api.request(method, path, **kwargs)
    assert response.status_code == status and text in response.text
    assert "Traceback" not in response.text
    if status == 400:
        assert response.json()["Type"] == "ValidationException"


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({"xero-tenant-id": ""}, 403, "AuthenticationUnsuccessful"),
        ({"xero-tenant-id": "not-a-guid"}, 403, "AuthenticationUnsuccessful"),
        ({"xero-tenant-id": "11111111-1111-1111-1111-111111111111"}, 403, "AuthenticationUnsuccessful"),
        ({"Authorization": "Bearer forged.token.value"}, 401, "AuthenticationUnsuccessful"),
    ],
    ids=["no-tenant", "bad-tenant", "unconnected-tenant", "forged-token"],
)
def test_auth_failures_in_xeros_shape(api: httpx.Client, headers: dict, status: int, detail: str) -> None:
    response = api.get("/Contacts", headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["Detail"] == detail and body["Status"] == status and body["Type"] is None and body["Extensions"] == {}


def test_missing_scope_is_authorization_unsuccessful(sim: Simulator) -> None:
    code = sim.consent("fiona@harbourbakery.example", [HARBOUR], scope="offline_access accounting.settings")
    token = sim.token(
        grant_type="authorization_code", code=code, redirect_uri=sim.url and "http://127.0.0.1:8501/xero/callback"
    ).json()["access_token"]
    denied = sim.api(token).get("/Contacts")
    assert denied.status_code == 401 and denied.json()["Detail"] == "AuthorizationUnsuccessful"
    assert sim.api(token).get("/Accounts").status_code == 200


def test_reference_data(api: httpx.Client) -> None:
    organisation = checked(api.get("/Organisation"))["Organisations"][0]
    assert organisation["Name"] == "Harbour Bakery Ltd" and organisation["BaseCurrency"] == "GBP"
    accounts = checked(api.get("/Accounts"))["Accounts"]
    assert {"BANK", "REVENUE"} <= {a["Type"] for a in accounts}
    banks = checked(api.get("/Accounts", params={"where": 'Status=="ACTIVE" AND Type=="BANK"'}))["Accounts"]
    assert banks and all(a["Type"] == "BANK" for a in banks)
    rates = checked(api.get("/TaxRates"))["TaxRates"]
    assert any(len(r["TaxComponents"]) > 1 for r in rates)
    one = checked(api.get("/TaxRates/OUTPUT2"))["TaxRates"]
    assert one[0]["TaxType"] == "OUTPUT2"
    groups = checked(api.get("/ContactGroups"))["ContactGroups"]
    group = checked(api.get(f"/ContactGroups/{groups[0]['ContactGroupID']}"))["ContactGroups"][0]
    assert group["Contacts"] and all("ContactID" in c for c in group["Contacts"])


def test_group_membership_and_the_archived_contact_rule(api: httpx.Client, sim: Simulator) -> None:
    created = checked(api.put("/ContactGroups", json={"ContactGroups": [{"Name": "Flour suppliers"}]}))
    group_id = created["ContactGroups"][0]["ContactGroupID"]
    contacts = api.get("/Contacts").json()["Contacts"]
    added = api.put(f"/ContactGroups/{group_id}/Contacts", json={"Contacts": [{"ContactID": contacts[0]["ContactID"]}]})
    assert added.status_code == 200
    contact = api.get(f"/Contacts/{contacts[0]['ContactID']}").json()["Contacts"][0]
    assert group_id in {g["ContactGroupID"] for g in contact["ContactGroups"]}
    archived = next(
        c
        for c in api.get("/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
        if c["ContactStatus"] == "ARCHIVED"
    )
    refused = api.put(f"/ContactGroups/{group_id}/Contacts", json={"Contacts": [{"ContactID": archived["ContactID"]}]})
    assert refused.status_code == 400 and "Unable to assign an Archived contact." in refused.text
    assert api.delete(f"/ContactGroups/{group_id}/Contacts/{contacts[0]['ContactID']}").status_code == 204


def test_changes_xero_makes_without_moving_updated_date(api: httpx.Client, sim: Simulator) -> None:
    contact = next(c for c in api.get("/Contacts").json()["Contacts"] if not c["IsSupplier"])
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{contact['ContactID']}/silent", IsSupplier=True)
    after = api.get(f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert after["IsSupplier"] is True and after["UpdatedDateUTC"] == contact["UpdatedDateUTC"]
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{contact['ContactID']}/archive")
    archived = api.get(f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert archived["ContactStatus"] == "ARCHIVED" and ms_of(archived["UpdatedDateUTC"]) > ms_of(
        contact["UpdatedDateUTC"]
    )


def test_request_log_records_xero_calls(api: httpx.Client, sim: Simulator) -> None:
    api.get("/Organisation")
    log = sim.control("GET", "/requests")
    assert any(
        row["path"] == "/api.xro/2.0/Organisation" and row["tenant_id"] == HARBOUR and row["status"] == 200
        for row in log
    )


def test_tracking_categories_list_options_and_leave_archived_ones_out_unless_asked(
    api: httpx.Client, sim: Simulator
) -> None:
    categories = checked(api.get("/TrackingCategories"))["TrackingCategories"]
    assert [c["Name"] for c in categories] == ["Department", "Region"]  # Name ASC, as Xero orders them
    region = categories[1]
    assert [o["Name"] for o in region["Options"]] == ["North", "South"]
    north = region["Options"][0]
    assert {o["Status"] for c in categories for o in c["Options"]} == {"ACTIVE"}
    sim.control("POST", f"/orgs/{HARBOUR}/tracking-options/{north['TrackingOptionID']}/archive")
    active = checked(api.get("/TrackingCategories"))["TrackingCategories"]
    assert [o["Name"] for o in active[1]["Options"]] == ["South"]
    every = checked(api.get("/TrackingCategories", params={"includeArchived": "true"}))["TrackingCategories"]
    assert [(o["Name"], o["Status"]) for o in every[1]["Options"]] == [("North", "ARCHIVED"), ("South", "ACTIVE")]
    one = checked(api.get(f"/TrackingCategories/{region['TrackingCategoryID']}"))["TrackingCategories"]
    assert one[0]["TrackingCategoryID"] == region["TrackingCategoryID"] and len(one[0]["Options"]) == 2
    assert api.get(f"/TrackingCategories/{north['TrackingOptionID']}").status_code == 404
    filtered = checked(api.get("/TrackingCategories", params={"where": 'Name=="Region"'}))["TrackingCategories"]
    assert [c["Name"] for c in filtered] == ["Region"]
