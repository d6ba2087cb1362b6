"""Phones between the hub and Xero: one string in the hub, three parts in Xero, and back to the same string."""

from __future__ import annotations

import pytest

from core.contacts.phones import parts, text
from core.contacts.xero_contact import from_xero


@pytest.mark.parametrize(
    ("number", "sent"),
    [
        ("+44 7788 123456", ("44", "", "7788 123456")),
        ("+44 01632 960111", ("44", "", "01632 960111")),
        ("+1 555 123 4567", ("1", "", "555 123 4567")),
        ("01632 960111", ("", "", "01632 960111")),
        ("+447788123456", ("", "", "+447788123456")),  # where the country code ends is not written: kept whole
        ("+44  7788 123456", ("", "", "+44  7788 123456")),
        ("+44", ("", "", "+44")),
        ("", ("", "", "")),
    ],
)
def test_a_number_is_sent_as_three_parts_and_read_back_the_same(number: str, sent: tuple[str, str, str]) -> None:
    phone = {"PhoneType": "MOBILE", **parts(number)}
    assert (phone["PhoneCountryCode"], phone["PhoneAreaCode"], phone["PhoneNumber"]) == sent
    assert text(phone) == number
    read = from_xero({"ContactID": "x", "Name": "Ely Eggs Ltd", "Phones": [phone]}, ("MOBILE",))
    assert read.values["phones"] == ([{"type": "MOBILE", "number": number}] if number else [])


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ({"PhoneCountryCode": "44", "PhoneAreaCode": "01632", "PhoneNumber": "960111"}, "+44 01632 960111"),
        ({"PhoneCountryCode": "+61", "PhoneAreaCode": "02", "PhoneNumber": "9385 1234"}, "+61 02 9385 1234"),
        ({"PhoneCountryCode": "", "PhoneAreaCode": "01632", "PhoneNumber": " 960111 "}, "01632 960111"),
        ({"PhoneCountryCode": "44", "PhoneAreaCode": "01632", "PhoneNumber": ""}, ""),  # no number, no phone
        ({"PhoneNumber": "960111"}, "960111"),
    ],
)
def test_xero_parts_are_shown_as_one_number_with_the_country_code_after_a_plus(
    phone: dict[str, str], shown: str
) -> None:
    assert text(phone) == shown
