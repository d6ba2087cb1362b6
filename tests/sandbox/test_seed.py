"""The simulator's seed generator: deterministic, realistic UK/AU/NZ organisations (no database involved)."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest

from demodata import orgs as seed
from demodata.orgs import DEMO_ORGS, OrgSeed, XeroUser, demo_orgs, generate

COUNTRIES = ("GB", "AU", "NZ")
CURRENCY = {"GB": "GBP", "AU": "AUD", "NZ": "NZD"}
EXPECTED_CLASS = {
    **dict.fromkeys(("BANK", "CURRENT", "FIXED", "INVENTORY", "NONCURRENT", "PREPAYMENT"), "ASSET"),
    **dict.fromkeys(("CURRLIAB", "LIABILITY", "TERMLIAB", "PAYG"), "LIABILITY"),
    **dict.fromkeys(("DEPRECIATN", "DIRECTCOSTS", "EXPENSE", "OVERHEADS"), "EXPENSE"),
    **dict.fromkeys(("OTHERINCOME", "REVENUE", "SALES"), "REVENUE"),
    "EQUITY": "EQUITY",
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module", params=COUNTRIES)
def big(request: pytest.FixtureRequest) -> OrgSeed:
    """20,000 contacts in one organisation per country."""
    return generate(name=f"Big Test Org {request.param}", country=request.param, contacts=20_000, seed=5)


@pytest.fixture(scope="module", params=COUNTRIES)
def small(request: pytest.FixtureRequest) -> OrgSeed:
    return generate(name="Small Test Co Ltd", country=request.param, contacts=400, seed=3)


def active(org: OrgSeed) -> list[dict]:
    return [c for c in org.contacts if c["ContactStatus"] == "ACTIVE"]


def mobile_of(contact: dict) -> str:
    slot = next(p for p in contact["Phones"] if p["PhoneType"] == "MOBILE")
    return f"{slot['PhoneAreaCode']} {slot['PhoneNumber']}" if slot["PhoneNumber"] else ""


def test_same_arguments_give_identical_output_and_others_differ() -> None:
    base = generate(name="Determinism Ltd", country="GB", contacts=500, seed=7)
    assert base == generate(name="Determinism Ltd", country="GB", contacts=500, seed=7)
    assert UUID.match(base.tenant_id) and all(UUID.match(c["ContactID"]) for c in base.contacts)
    other_seed = generate(name="Determinism Ltd", country="GB", contacts=500, seed=8)
    other_name = generate(name="Determinism Two Ltd", country="GB", contacts=500, seed=7)
    for other in (other_seed, other_name):
        assert other.tenant_id != base.tenant_id
        assert [c["Name"] for c in other.contacts] != [c["Name"] for c in base.contacts]


def test_organisation_does_not_depend_on_the_number_of_contacts() -> None:
    few = generate(name="Stable Org Ltd", country="NZ", contacts=10)
    many = generate(name="Stable Org Ltd", country="NZ", contacts=1000)
    for part in ("tenant_id", "organisation", "accounts", "users", "contact_groups"):
        assert getattr(few, part) == getattr(many, part), part


def test_given_tenant_id_and_users_are_used_and_unknown_countries_refused() -> None:
    user = XeroUser("someone@example.test", "Some", "One", "pw", "readonly")
    tenant = "11111111-2222-4333-8444-555555555555"
    org = generate(name="Given Ltd", country="AU", contacts=5, tenant_id=tenant, users=[user])
    assert org.tenant_id == org.organisation["OrganisationID"] == tenant and org.users == [user]
    with pytest.raises(ValueError, match="GB, AU or NZ"):
        generate(name="Nowhere Inc", country="US")


def test_active_names_are_unique_case_insensitively(big: OrgSeed) -> None:
    names = [c["Name"].lower() for c in active(big)]
    assert len(names) == len(set(names))


def test_contact_mix_roughly_holds(big: OrgSeed) -> None:
    total = len(big.contacts)
    roles = Counter((c["IsSupplier"], c["IsCustomer"]) for c in big.contacts)
    assert roles[(True, False)] / total == pytest.approx(0.45, abs=0.03)
    assert roles[(False, True)] / total == pytest.approx(0.35, abs=0.03)
    assert roles[(True, True)] / total == pytest.approx(0.10, abs=0.02)
    assert roles[(False, False)] / total == pytest.approx(0.10, abs=0.02)
    merged = [c for c in big.contacts if "MergedToContactID" in c]
    archived = [c for c in big.contacts if c["ContactStatus"] == "ARCHIVED" and "MergedToContactID" not in c]
    assert len(archived) / total == pytest.approx(0.04, abs=0.01)
    assert len(merged) / total == pytest.approx(0.01, abs=0.005)
    numbers = [c["ContactNumber"] for c in big.contacts if "ContactNumber" in c]
    assert len(numbers) / total == pytest.approx(0.05, abs=0.015) and len(numbers) == len(set(numbers))
    assert sum(bool(c["EmailAddress"]) for c in big.contacts) / total > 0.8
    sole_traders = [c for c in big.contacts if c.get("FirstName") and c["Name"] == f"{c['FirstName']} {c['LastName']}"]
    nameless = [c for c in big.contacts if "FirstName" not in c]
    assert sole_traders and nameless
    assert 0.01 < sum(c["DefaultCurrency"] != big.base_currency for c in big.contacts) / total < 0.05


def test_merged_contacts_point_at_active_contacts_of_similar_name(big: OrgSeed) -> None:
    by_id = {c["ContactID"]: c for c in big.contacts}
    merged = [c for c in big.contacts if "MergedToContactID" in c]
    squash = re.compile(r"[^a-z0-9]|ltd|limited|and|the")
    for contact in merged:
        target = by_id[contact["MergedToContactID"]]
        assert contact["ContactStatus"] == "ARCHIVED" and target["ContactStatus"] == "ACTIVE"
        assert squash.sub("", contact["Name"].lower()) == squash.sub("", target["Name"].lower())


def test_group_membership_is_consistent_both_ways(big: OrgSeed) -> None:
    assert 3 <= len(big.contact_groups) <= 6
    names = {g["ContactGroupID"]: g["Name"] for g in big.contact_groups}
    assert all(g["Status"] == "ACTIVE" and set(g) == {"ContactGroupID", "Name", "Status"} for g in big.contact_groups)
    assert set(big.group_members) == set(names)
    from_contacts: dict[str, set[str]] = {gid: set() for gid in names}
    by_id = {c["ContactID"]: c for c in big.contacts}
    for contact in big.contacts:
        for group in contact["ContactGroups"]:
            assert group["Name"] == names[group["ContactGroupID"]] and group["Status"] == "ACTIVE"
            from_contacts[group["ContactGroupID"]].add(contact["ContactID"])
    for gid, members in big.group_members.items():
        assert members and len(members) == len(set(members)) == len(from_contacts[gid])
        assert set(members) == from_contacts[gid]
        assert all(by_id[cid]["ContactStatus"] == "ACTIVE" for cid in members)


def test_accounts_look_like_a_default_chart(small: OrgSeed) -> None:
    accounts = small.accounts
    assert 30 <= len(accounts) <= 50
    assert len({a["Code"] for a in accounts}) == len(accounts) == len({a["Name"] for a in accounts})
    for account in accounts:
        assert account["Class"] == EXPECTED_CLASS[account["Type"]], account
        assert account["HasAttachments"] is False and account["AddToWatchlist"] is False
        assert UUID.match(account["AccountID"])
    by_code = {a["Code"]: a for a in accounts}
    assert [by_code[code]["Type"] for code in ("090", "200", "310")] == ["BANK", "REVENUE", "DIRECTCOSTS"]
    assert [by_code[code]["SystemAccount"] for code in ("610", "800", "820")] == ["DEBTORS", "CREDITORS", "GST"]
    banks = [a for a in accounts if a["Type"] == "BANK"]
    assert len(banks) == 2 and all(a["BankAccountType"] == "BANK" and a["BankAccountNumber"] for a in banks)
    assert {a["CurrencyCode"] == small.base_currency for a in banks} == {True, False}
    assert [a["Name"] for a in accounts if a["EnablePaymentsToAccount"]] == ["Stripe Clearing"]
    archived = [a for a in accounts if a["Status"] == "ARCHIVED"]
    assert 1 <= len(archived) <= 2 and all(a["Class"] == "EXPENSE" for a in archived)
    assert {a["TaxType"] for a in accounts} <= {r["TaxType"] for r in small.tax_rates}


def test_tax_rates_per_country(small: OrgSeed) -> None:
    by_type = {r["TaxType"]: r for r in small.tax_rates}
    expected = {"GB": {"OUTPUT2", "INPUT2", "RROUTPUT", "RRINPUT", "ZERORATEDOUTPUT", "EXEMPTINPUT", "NONE"},
                "AU": {"OUTPUT", "INPUT", "EXEMPTOUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED", "GSTONIMPORTS"},
                "NZ": {"OUTPUT2", "INPUT2", "ZERORATED", "GSTONIMPORTS", "NONE"}}[small.country]  # fmt: skip
    assert expected <= set(by_type)
    standard = {"GB": 20.0, "AU": 10.0, "NZ": 15.0}[small.country]
    assert by_type["OUTPUT2" if small.country != "AU" else "OUTPUT"]["EffectiveRate"] == standard
    assert any(r["Status"] in ("ARCHIVED", "DELETED") for r in small.tax_rates)
    multi = [r for r in small.tax_rates if len(r["TaxComponents"]) > 1]
    simple = [r for r in multi if not any(c["IsCompound"] for c in r["TaxComponents"])]
    compound = [r for r in multi if any(c["IsCompound"] for c in r["TaxComponents"])]
    assert simple and compound
    for rate in simple:
        assert rate["EffectiveRate"] == pytest.approx(sum(c["Rate"] for c in rate["TaxComponents"]))
    for rate in compound:
        assert rate["DisplayTaxRate"] == pytest.approx(sum(c["Rate"] for c in rate["TaxComponents"]))
        assert rate["EffectiveRate"] > rate["DisplayTaxRate"]
    for rate in small.tax_rates:
        assert {"Name", "ReportTaxType", "CanApplyToRevenue", "DisplayTaxRate", "Status"} <= set(rate)
        assert all(isinstance(c["Rate"], float) for c in rate["TaxComponents"])


def test_contacts_have_xero_shapes(small: OrgSeed) -> None:
    code = {"GB": "44", "AU": "61", "NZ": "64"}[small.country]
    tld = {"GB": ".uk", "AU": ".au", "NZ": ".nz"}[small.country]
    emails = [c["EmailAddress"] for c in small.contacts if c["EmailAddress"]]
    assert all(e == e.lower() and "@" in e for e in emails)
    assert sum(e.endswith(tld) for e in emails) > len(emails) / 3
    for contact in small.contacts:
        assert not any("Date" in key for key in contact), contact
        assert [p["PhoneType"] for p in contact["Phones"]] == ["DEFAULT", "DDI", "FAX", "MOBILE"]
        for slot in contact["Phones"]:
            assert slot["PhoneCountryCode"] == (code if slot["PhoneNumber"] else "")
        assert sorted(a["AddressType"] for a in contact["Addresses"]) == ["POBOX", "STREET"]
        assert contact["HasAttachments"] is False and isinstance(contact["ContactPersons"], list)
        balances = contact["Balances"]
        for side, applies in (("AccountsReceivable", "IsCustomer"), ("AccountsPayable", "IsSupplier")):
            outstanding, overdue = balances[side]["Outstanding"], balances[side]["Overdue"]
            assert isinstance(outstanding, float) and round(outstanding, 2) == outstanding
            assert 0 <= overdue <= outstanding
            if not contact[applies] or contact["ContactStatus"] != "ACTIVE":
                assert outstanding == 0
    assert any(mobile_of(c) and not c["Phones"][0]["PhoneNumber"] for c in small.contacts)  # mobile only
    assert any(c["Phones"][0]["PhoneNumber"] and not mobile_of(c) for c in small.contacts)  # landline only
    assert any(c["BankAccountDetails"] for c in small.contacts if c["IsSupplier"])
    assert any("TaxNumber" in c for c in small.contacts)


def test_tax_numbers_are_valid(small: OrgSeed) -> None:
    numbers = [c["TaxNumber"] for c in small.contacts if "TaxNumber" in c]
    assert numbers
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        if small.country == "GB":
            assert re.fullmatch(r"GB\d{9}", number)
            total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True)) + int(digits[7:])
            assert total % 97 == 0
        elif small.country == "AU":
            weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
            values = [int(digits[0]) - 1] + [int(d) for d in digits[1:]]
            assert len(digits) == 11 and sum(v * w for v, w in zip(values, weights, strict=True)) % 89 == 0
        else:
            assert re.fullmatch(r"\d{3}-\d{3}-\d{3}", number)


def test_deliberate_near_duplicates_share_email_or_mobile(small: OrgSeed) -> None:
    live = active(small)
    emails = Counter(c["EmailAddress"] for c in live if c["EmailAddress"])
    mobiles = Counter(mobile_of(c) for c in live if mobile_of(c))
    shared_emails = [e for e, n in emails.items() if n > 1]
    shared_mobiles = [m for m, n in mobiles.items() if n > 1]
    assert len(shared_emails) == 1 and len(shared_mobiles) == 1
    pair = [c["Name"] for c in live if c["EmailAddress"] == shared_emails[0]]
    assert len(pair) == 2 and pair[0] != pair[1]


def test_generated_users() -> None:
    org = generate(name="Waitemata Widgets Ltd", country="NZ", contacts=3)
    roles = [u.role for u in org.users]
    assert roles[:2] == ["admin", "standard"] and set(roles) <= {"admin", "standard", "readonly"}
    assert all(u.email.endswith("@waitematawidgets.example") and u.password == "xero-demo" for u in org.users)
    assert len({u.email for u in org.users}) == len(org.users)


def test_organisation_object(small: OrgSeed) -> None:
    org = small.organisation
    timezone = {"GB": "GMTSTANDARDTIME", "AU": "AUSEASTERNSTANDARDTIME", "NZ": "NEWZEALANDSTANDARDTIME"}
    assert org["OrganisationID"] == small.tenant_id and org["Name"] == small.name
    assert (org["CountryCode"], org["BaseCurrency"]) == (small.country, CURRENCY[small.country])
    assert org["Timezone"] == timezone[small.country]
    assert org["Version"] == {"GB": "UK", "AU": "AU", "NZ": "NZ"}[small.country]
    assert re.fullmatch(r"![A-Za-z0-9]{5}", org["ShortCode"])
    assert (org["OrganisationStatus"], org["IsDemoCompany"], org["PaysTax"]) == ("ACTIVE", False, True)
    assert org["RegistrationNumber"] and org["TaxNumber"] and org["ExternalLinks"] == []
    assert "PeriodLockDate" not in org and not any("Date" in key for key in org)


def test_demo_organisations_and_users() -> None:
    people = {  # constant -> (email, first name, last name, role)
        "FIONA": ("fiona@harbourbakery.example", "Fiona", "Hughes", "admin"),
        "COLIN": ("colin@harbourbakery.example", "Colin", "Baker", "standard"),
        "OLIVIA": ("olivia@kookaburraplumbing.example", "Olivia", "Nguyen", "admin"),
        "MERE": ("mere@tuigarden.example", "Mere", "Parata", "admin"),
        "PRIYA": ("bookkeeper@ledgerlane.example", "Priya", "Shah", "admin"),
    }
    for constant, expected_user in people.items():
        user = getattr(seed, constant)
        assert (user.email, user.first_name, user.last_name, user.role) == expected_user
        assert user.password == seed.DEMO_PASSWORD == "xero-demo"
    expected = {  # constant -> (name, country, currency, users)
        "HARBOUR_BAKERY": ("Harbour Bakery Ltd", "GB", "GBP", {"FIONA", "COLIN", "PRIYA"}),
        "KOOKABURRA": ("Kookaburra Plumbing Pty Ltd", "AU", "AUD", {"OLIVIA", "PRIYA"}),
        "TUI_GARDEN": ("Tui Garden Supplies Ltd", "NZ", "NZD", {"MERE"}),
        "HARBOUR_EVENTS": ("Harbour Bakery Events Ltd", "GB", "GBP", {"FIONA", "PRIYA"}),
    }
    orgs = demo_orgs()
    assert [getattr(seed, constant) for constant in expected] == list(DEMO_ORGS)
    for org, spec, (name, country, currency, users) in zip(orgs, DEMO_ORGS, expected.values(), strict=True):
        assert (org.name, org.country, org.base_currency) == (spec.name, country, currency) == (name, country, currency)
        assert set(org.users) == {getattr(seed, person) for person in users}
        assert org.tenant_id == spec.tenant_id and 60 <= len(org.contacts) <= 120
    assert len({org.tenant_id for org in orgs}) == 4 and demo_orgs() == orgs


def test_one_hundred_thousand_contacts_are_fast() -> None:
    started = time.perf_counter()
    org = generate(name="Very Large Wholesale Ltd", country="GB", contacts=100_000)
    elapsed = time.perf_counter() - started
    print(f"generate(contacts=100_000) took {elapsed:.2f} s")
    assert len(org.contacts) == 100_000
    names = [c["Name"].lower() for c in active(org)]
    assert len(names) == len(set(names))
    assert elapsed < 20


def test_objects_match_the_published_schemas(small: OrgSeed) -> None:
    """Every seeded object validates against Xero's own component schemas (enums, types, formats)."""
    yaml = pytest.importorskip("yaml")
    validators = pytest.importorskip("openapi_schema_validator")
    path = Path(__file__).resolve().parents[2] / "sandbox" / "xero-openapi" / "xero_accounting.yaml"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    components = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    objects = [("Organisation", small.organisation)] + [("Account", a) for a in small.accounts]
    objects += [("TaxRate", r) for r in small.tax_rates] + [("ContactGroup", g) for g in small.contact_groups]
    objects += [("Contact", c) for c in small.contacts]
    problems = []
    for name, value in objects:
        schema = {"$ref": f"#/components/schemas/{name}", "components": components["components"]}
        validator = validators.OAS30ReadValidator(schema, format_checker=validators.oas30_format_checker)
        problems += [f"{name} {list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
    assert not problems, "\n".join(problems[:20])
