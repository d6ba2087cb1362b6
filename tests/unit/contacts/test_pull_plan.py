"""The contacts pull plan: one Xero contact and what the hub holds → one action (pure, table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from core.contacts.pull_plan import Held, decide, index, plan
from core.contacts.xero_contact import XeroContact, from_xero, in_policy, parse_date, phone_key

SUPPLIER = {"ContactID": "x-1", "Name": "Ely Eggs Ltd", "EmailAddress": "orders@elyeggs.example", "IsSupplier": True}


def xero(**fields: Any) -> XeroContact:
    return from_xero({**SUPPLIER, **fields}, ("MOBILE", "DEFAULT"))


def held(
    id: int,
    *,
    email: str | None = None,
    phone: str | None = None,
    xero_id: str | None = None,
    platform_id: str | None = "SUP-1",
    supplier: bool = True,
) -> Held:
    values = {"name": "Ely Eggs", "email": email, "phones": [{"type": "MOBILE", "number": phone}] if phone else []}
    return Held(id, platform_id, xero_id, supplier, not supplier, values, email, (phone,) if phone else ())


@pytest.mark.parametrize(
    ("contact", "hub", "kind", "detail"),
    [
        pytest.param(xero(), [], "create", None, id="no-match-creates"),
        pytest.param(xero(), [held(1, email="ORDERS@elyeggs.example")], "link", 1, id="email-match-any-case"),
        pytest.param(
            xero(
                Phones=[{"PhoneType": "MOBILE", "PhoneNumber": "07700 900123", "PhoneCountryCode": "44"}],
                EmailAddress="",
            ),
            [held(2, phone="+44 7700 900123")],
            "link",
            2,
            id="phone-match-across-formats",
        ),
        pytest.param(
            xero(ContactNumber="SUP-9"), [held(9, platform_id="SUP-9")], "claim", 9, id="our-contact-number-stays-ours"
        ),
        pytest.param(
            xero(),
            [held(1, email="orders@elyeggs.example"), held(2, email="orders@elyeggs.example")],
            "review",
            (1, 2),
            id="two-candidates-wait-for-a-person",
        ),
        pytest.param(
            xero(),
            [held(3, email="orders@elyeggs.example", xero_id="x-other")],
            "review",
            (3,),
            id="already-linked-elsewhere-is-a-near-duplicate",
        ),
        pytest.param(
            xero(EmailAddress="new@elyeggs.example"),
            [held(4, email="a@b.example", xero_id="x-1")],
            "drift",
            {"email": "new@elyeggs.example"},
            id="our-supplier-drifts",
        ),
        pytest.param(
            xero(EmailAddress="new@elyeggs.example"),
            [held(5, email="a@b.example", xero_id="x-1", platform_id=None, supplier=False)],
            "refresh",
            {"email": "new@elyeggs.example"},
            id="xero-owned-refreshes",
        ),
        pytest.param(xero(IsSupplier=False, IsCustomer=True), [], "skip", None, id="customer-only-not-imported"),
        pytest.param(
            xero(IsSupplier=False, IsCustomer=True),
            [held(6, xero_id="x-1")],
            "outside",
            6,
            id="linked-but-outside-policy-now",
        ),
        pytest.param(
            xero(MergedToContactID="x-2", ContactStatus="ARCHIVED"),
            [held(7, xero_id="x-1")],
            "relink",
            7,
            id="merged-follows-the-survivor",
        ),
        pytest.param(xero(ContactStatus="ARCHIVED"), [], "skip", None, id="archived-not-imported-by-default"),
    ],
)
def test_decide(contact: XeroContact, hub: list[Held], kind: str, detail: Any) -> None:
    action = decide(contact, index(hub), policy="suppliers_and_contacts")
    assert action.kind == kind
    if isinstance(detail, int):
        assert action.contact_id == detail
    elif isinstance(detail, tuple):
        assert action.candidates == detail
    elif isinstance(detail, dict):
        assert detail.items() <= action.changes.items()


@pytest.mark.parametrize(
    ("supplier", "ownership", "kind"),
    [
        pytest.param(True, "by_role", "drift", id="by-role-a-supplier-is-the-platforms"),
        pytest.param(False, "by_role", "refresh", id="by-role-a-customer-only-contact-is-xeros"),
        pytest.param(True, "platform", "drift", id="platform-owns-its-suppliers"),
        pytest.param(False, "platform", "drift", id="platform-owns-its-customers-too"),
        pytest.param(True, "xero", "refresh", id="xero-owns-suppliers-too"),
        pytest.param(False, "xero", "refresh", id="xero-owns-its-customers"),
    ],
)
def test_who_owns_a_linked_contacts_details_is_the_companys_choice(supplier: bool, ownership: str, kind: str) -> None:
    """Imported or created in the platform, every linked contact has a platform id: the setting alone decides."""
    ours = held(4, email="a@b.example", xero_id="x-1", platform_id="X-x-1", supplier=supplier)
    contact = xero(EmailAddress="new@elyeggs.example", IsSupplier=supplier, IsCustomer=not supplier)
    action = decide(contact, index([ours]), policy="all", ownership=ownership)
    assert action.kind == kind and action.changes["email"] == "new@elyeggs.example"


def test_a_linked_contact_read_back_unchanged_is_not_a_difference() -> None:
    """Phones in another order, and the name Xero's contact falls back to for a missing first name, change nothing:
    otherwise a supplier would show drift for ever after its own push."""
    ours = Held(
        4, "SUP-1", "x-1", True, False,
        {"name": "Ely Eggs Ltd", "email": "orders@elyeggs.example", "first_name": None, "last_name": None,
         "addresses": [],
         "phones": [{"type": "MOBILE", "number": "+44 7700 900123"}, {"type": "DEFAULT", "number": "+44 1353 1"}]},
    )  # fmt: skip
    phones = [{"PhoneType": "DEFAULT", "PhoneCountryCode": "44", "PhoneNumber": "1353 1"},
              {"PhoneType": "MOBILE", "PhoneCountryCode": "44", "PhoneNumber": "7700 900123"}]  # fmt: skip
    action = decide(xero(Phones=phones), index([ours]), policy="all")
    assert (action.kind, action.changes) == ("drift", {})


def test_one_platform_contact_is_linked_to_one_xero_contact_per_page() -> None:
    twins = [xero(ContactID="x-1"), xero(ContactID="x-2", Name="Ely Eggs Limited")]
    kinds = [a.kind for a in plan(twins, index([held(1, email="orders@elyeggs.example")]), policy="all")]
    assert kinds == ["link", "review"]


@pytest.mark.parametrize(
    ("fields", "policy", "groups", "taken"),
    [
        ({"IsCustomer": True, "IsSupplier": False}, "suppliers_and_contacts", (), False),
        ({"IsCustomer": True, "IsSupplier": True}, "suppliers_and_contacts", (), True),
        ({"IsSupplier": False}, "suppliers_and_contacts", (), True),
        ({"IsCustomer": True, "ContactStatus": "ARCHIVED"}, "customers_only", (), False),
        ({"IsCustomer": True}, "customers_only", (), True),
        ({"ContactStatus": "ARCHIVED"}, "all", (), True),
        ({"ContactGroups": [{"Name": "Bakers"}]}, "groups", ("Bakers",), True),
        ({"ContactGroups": [{"Name": "Millers"}]}, "groups", ("Bakers",), False),
    ],
)
def test_policies(fields: dict[str, Any], policy: str, groups: tuple[str, ...], taken: bool) -> None:
    assert in_policy(xero(**fields), policy, groups) is taken


def test_a_contact_without_first_or_last_name_uses_its_name_and_phone_types_are_a_setting() -> None:
    contact = from_xero(
        {
            **SUPPLIER,
            "Phones": [
                {"PhoneType": "MOBILE", "PhoneNumber": "07700 900123"},
                {"PhoneType": "FAX", "PhoneNumber": "01353 000000"},
            ],
        },
        ("MOBILE",),
    )
    assert contact.values["first_name"] == "Ely Eggs Ltd" and contact.values["last_name"] is None
    assert [p["type"] for p in contact.values["phones"]] == ["MOBILE"] and len(contact.all_phones) == 2


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("/Date(1700000000000+0000)/", "2023-11-14T22:13:20+00:00"),
        ("2026-11-21T10:00:00", "2026-11-21T10:00:00+00:00"),
        ("garbage", None),
        (None, None),
    ],
)
def test_xero_dates(raw: Any, iso: str | None) -> None:
    parsed = parse_date(raw)
    assert (parsed.isoformat() if parsed else None) == iso


@pytest.mark.parametrize(
    ("number", "key"), [("+44 7700 900123", "700900123"), ("07700 900123", "700900123"), ("123", None), (None, None)]
)
def test_phone_keys(number: str | None, key: str | None) -> None:
    assert phone_key(number) == key


@pytest.mark.parametrize(
    ("fields", "name", "phones"),
    [
        pytest.param({"Name": ""}, "(no name in Xero)", 0, id="empty-name"),
        pytest.param({"Name": "N" * 300}, "N" * 255, 0, id="name-over-255"),
        pytest.param({"Name": "Tūī Kōwhai Ngā Hua 株式会社"}, "Tūī Kōwhai Ngā Hua 株式会社", 0, id="non-latin"),
        pytest.param(
            {"Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "call me maybe"}, {"PhoneType": "MOBILE"}]},
            "Ely Eggs Ltd",
            1,
            id="malformed-phones-kept-as-text-never-matched",
        ),
        pytest.param({"Phones": "not a list", "Addresses": [None, 7]}, "Ely Eggs Ltd", 0, id="wrong-shapes"),
    ],
)
def test_odd_xero_contacts_come_in_cleanly(fields: dict[str, Any], name: str, phones: int) -> None:
    contact = from_xero({**SUPPLIER, **fields}, ("MOBILE", "DEFAULT"))
    assert contact.values["name"] == name and len(contact.values["phones"]) == phones
    assert all(phone_key(p) is None for p in contact.all_phones if not any(ch.isdigit() for ch in p))
    assert decide(contact, index([]), policy="all").kind == "create"


def test_two_platform_contacts_with_one_email_wait_for_a_person() -> None:
    hub = [held(1, email="accounts@fen.example"), held(2, email="accounts@fen.example", platform_id="SUP-2")]
    action = decide(xero(EmailAddress="accounts@fen.example"), index(hub), policy="all")
    assert action.kind == "review" and action.candidates == (1, 2)


@pytest.mark.parametrize(
    ("hub", "kind", "contact_id"),
    [
        pytest.param([held(1, email="orders@elyeggs.example", xero_id="x-1")], "erase", 1, id="linked-is-erased"),
        pytest.param([held(2, email="orders@elyeggs.example")], "skip", None, id="never-linked-by-its-email"),
        pytest.param([], "skip", None, id="never-imported"),
    ],
)
def test_a_gdpr_request_in_xero_erases_a_linked_contact_and_never_imports_or_links_one(
    hub: list[Held], kind: str, contact_id: int | None
) -> None:
    contact = xero(ContactStatus="GDPRREQUEST", Phones=[{"PhoneType": "MOBILE", "PhoneNumber": "07700 900123"}])
    assert contact.erased and contact.values["email"] is None and contact.all_phones == ()  # nothing of it is held
    action = decide(contact, index(hub), policy="all")
    assert (action.kind, action.contact_id) == (kind, contact_id)


def test_our_own_create_found_erased_in_xero_is_erased_by_its_contact_number() -> None:
    action = decide(
        xero(ContactStatus="GDPRREQUEST", ContactNumber="SUP-9"), index([held(9, platform_id="SUP-9")]), policy="all"
    )
    assert (action.kind, action.contact_id) == ("erase", 9)
