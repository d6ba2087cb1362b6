"""The supplier push plan: which Xero writes a set of waiting contact changes becomes (pure, no I/O)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from core.contacts.push_plan import UNCONFIRMED, Known, plan, sent
from core.sync.outbox import Claimed


def edited(known: Known, payload: dict[str, Any]) -> Known:
    """The contact as it stands after the change: what Xero holds, with the changed fields."""
    return replace(known, current={**known.snapshot, **payload})


def change(payload: dict[str, Any], *, entity: str = "7", version: int = 2, attempts: int = 1) -> Claimed:
    operation = "update"
    return Claimed(1, 3, 5, "contact", entity, version, operation, payload, f"contact:{entity}:v{version}", attempts)


LINKED = Known(
    7,
    "Ely Eggs Ltd",
    "SUP-7",
    "xero-7",
    {"phones": [{"type": "MOBILE", "number": "07700 900123"}], "email": "old@ely.example", "bank_account": "20-00-00"},
)
NEW = Known(7, "Ely Eggs Ltd", "SUP-7", None)
NO_CODES = {"PhoneCountryCode": "", "PhoneAreaCode": ""}  # sent blank, so Xero drops the codes it had
NEW_HUB_ONLY = Known(7, "Ely Eggs Ltd", None, None)


@pytest.mark.parametrize(
    ("known", "payload", "element"),
    [
        pytest.param(
            LINKED,
            {"email": "a@ely.example"},
            {"ContactID": "xero-7", "EmailAddress": "a@ely.example"},
            id="update-one-field",
        ),
        pytest.param(
            LINKED,
            {"phones": [{"type": "DEFAULT", "number": "01353 123456"}]},
            {
                "ContactID": "xero-7",
                "Phones": [
                    {"PhoneType": "DEFAULT", **NO_CODES, "PhoneNumber": "01353 123456"},
                    {"PhoneType": "MOBILE", **NO_CODES, "PhoneNumber": ""},
                ],
            },
            id="a-dropped-phone-is-blanked",
        ),
        pytest.param(
            LINKED,
            {"phones": [{"type": "MOBILE", "number": "+44 7788 123456"}]},
            {
                "ContactID": "xero-7",
                "Phones": [
                    {"PhoneType": "MOBILE", "PhoneCountryCode": "44", "PhoneAreaCode": "", "PhoneNumber": "7788 123456"}
                ],
            },
            id="a-phone-goes-whole-and-clears-the-area-code",
        ),
        pytest.param(
            LINKED, {"bank_account": None}, {"ContactID": "xero-7", "BankAccountDetails": ""}, id="cleared-field"
        ),
        pytest.param(
            LINKED,
            {"addresses": [{"type": "STREET", "line1": "1 Fen Rd", "city": "Ely", "postal_code": "CB7 4AA"}]},
            {
                "ContactID": "xero-7",
                "Addresses": [
                    {
                        "AddressType": "STREET",
                        "AddressLine1": "1 Fen Rd",
                        "AddressLine2": "",
                        "AddressLine3": "",
                        "AddressLine4": "",
                        "City": "Ely",
                        "Region": "",
                        "PostalCode": "CB7 4AA",
                        "Country": "",
                    }
                ],
            },
            id="address",
        ),
        pytest.param(
            NEW,
            {"name": "Ely Eggs Ltd", "email": "a@ely.example", "is_customer": False},
            {"Name": "Ely Eggs Ltd", "EmailAddress": "a@ely.example", "ContactNumber": "SUP-7"},
            id="create-carries-our-id",
        ),
        pytest.param(
            NEW_HUB_ONLY,
            {"email": "a@ely.example"},
            {"Name": "Ely Eggs Ltd", "EmailAddress": "a@ely.example", "ContactNumber": "hub-7"},
            id="create-needs-a-name",
        ),
    ],
)
def test_each_change_becomes_one_element(known: Known, payload: dict[str, Any], element: dict[str, Any]) -> None:
    writes, settles = plan([change(payload)], {7: edited(known, payload)})
    assert settles == [] and [w.element for w in writes] == [element]
    assert writes[0].create is (known.xero_contact_id is None)


@pytest.mark.parametrize(
    ("known", "payload", "reason"),
    [
        pytest.param({7: LINKED}, {"is_customer": True}, "Nothing Xero holds changed.", id="only-derived-flags"),
        pytest.param({7: LINKED}, {}, "Nothing Xero holds changed.", id="empty"),
        pytest.param({}, {"email": "a@ely.example"}, "The contact no longer exists in the hub.", id="contact-gone"),
    ],
)
def test_changes_that_need_no_call_settle(known: dict[int, Known], payload: dict[str, Any], reason: str) -> None:
    writes, settles = plan([change(payload)], {k: edited(v, payload) for k, v in known.items()})
    assert writes == [] and [s.reason for s in settles] == [reason]


def test_what_is_sent_is_worked_out_from_what_xero_holds_not_from_the_change() -> None:
    """A take-back of an edit still in flight: the change says nothing differs, the contact differs from Xero."""
    in_flight = replace(LINKED, snapshot={**LINKED.snapshot, "email": "b@ely.example"}, current=LINKED.snapshot)
    writes, _ = plan([change({})], {7: in_flight})
    assert [w.element for w in writes] == [{"ContactID": "xero-7", "EmailAddress": "old@ely.example"}]


MIXED = "+44 01632 +44 7788 123456"  # our number behind the country and area code Xero kept from before


@pytest.mark.parametrize(
    ("xero_holds", "phones_sent"),
    [
        pytest.param(MIXED, True, id="our-number-behind-parts-left-in-xero"),
        pytest.param("44 01632 +44 7788 123456", True, id="the-same-as-an-older-hub-read-it"),
        pytest.param("+44 1223 555000", False, id="another-number-edited-in-xero"),
    ],
)
def test_a_phone_xero_holds_mixed_with_old_parts_goes_whole_with_the_next_update(
    xero_holds: str, phones_sent: bool
) -> None:
    ours = [{"type": "MOBILE", "number": "+44 7788 123456"}]
    synced = replace(
        LINKED,
        snapshot={**LINKED.snapshot, "phones": ours},
        drift={"phones": [{"type": "MOBILE", "number": xero_holds}]},
    )
    writes, _ = plan([change({"email": "a@ely.example"})], {7: edited(synced, {"email": "a@ely.example"})})
    (write,) = writes
    whole = [{"PhoneType": "MOBILE", "PhoneCountryCode": "44", "PhoneAreaCode": "", "PhoneNumber": "7788 123456"}]
    assert write.element.get("Phones") == (whole if phones_sent else None)
    assert ("phones" in write.fields) is phones_sent and write.element["EmailAddress"] == "a@ely.example"


def test_a_field_sent_without_an_answer_goes_again_even_when_it_matches_the_snapshot() -> None:
    """Sent email B, no answer; taken back to A, which the snapshot holds: A still goes, as Xero may hold B."""
    snapshot = sent({"name": "Ely Eggs", "email": "a@ely.example"}, {"email": "b@ely.example"}, answered=False)
    assert snapshot == {"name": "Ely Eggs", "email": "a@ely.example", UNCONFIRMED: ["email"]}
    known = {7: Known(7, "Ely Eggs", "SUP-7", "xero-7", snapshot, {"name": "Ely Eggs", "email": "a@ely.example"})}
    (write,), _ = plan([change({"email": "a@ely.example"}, entity="7")], known)
    assert write.fields == {"email": "a@ely.example"} and write.element["EmailAddress"] == "a@ely.example"
    assert sent(snapshot, write.fields, answered=True) == {"name": "Ely Eggs", "email": "a@ely.example"}
