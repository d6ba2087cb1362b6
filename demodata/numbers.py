"""Realistic identifiers for the seed generator: tax and company numbers, bank details, phones and addresses."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from demodata.places import (
    COUNTRY_NAMES,
    MOBILE_PREFIXES,
    PHONE_COUNTRY,
    POSTCODE_LETTERS,
    PREMISES,
    STREETS,
    Place,
)

T = TypeVar("T")


class SeedRandom(random.Random):
    """random.Random with cheaper choice() and randrange() (plain scaling of random(); fine for seed data)."""

    def choice(self, seq: Sequence[T]) -> T:
        """A random element of a non-empty sequence."""
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        """A random integer in range(start, stop); step is not supported."""
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def uuid4(rng: random.Random) -> str:
    """A version-4 uuid string from rng; the same text as str(uuid.UUID(int=rng.getrandbits(128), version=4))."""
    value = rng.getrandbits(128) & ~(0xC000 << 48) | 0x8000 << 48
    text = f"{value & ~(0xF000 << 64) | 4 << 76:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_VAT_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)
_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
_IRD_WEIGHTS = ((3, 2, 7, 6, 5, 4, 3, 2), (7, 4, 3, 2, 5, 2, 7, 6))


def _digits(rng: random.Random, count: int) -> str:
    """A string of count random decimal digits."""
    return str(rng.randrange(10**count)).zfill(count)


def uk_vat(rng: random.Random) -> str:
    """A UK VAT number that passes HMRC's mod-97 check, e.g. GB123456782."""
    body = str(rng.randrange(1_000_000, 10_000_000))
    total = sum(int(d) * w for d, w in zip(body, _VAT_WEIGHTS, strict=True))
    check = (-total) % 97
    return f"GB{body}{check:02d}"


def abn(rng: random.Random) -> str:
    """An 11-digit Australian Business Number with a valid checksum."""
    tail = _digits(rng, 9)
    partial = sum(int(d) * w for d, w in zip(tail, _ABN_WEIGHTS[2:], strict=True))
    need = (-partial) % 89  # 10*(first-1) + second must be congruent to this
    first, second = need // 10 + 1, need % 10
    return f"{first}{second}{tail}"


def nz_gst(rng: random.Random) -> str:
    """An NZ GST (IRD) number with a valid mod-11 check digit, formatted 123-456-789."""
    while True:
        base = str(rng.randrange(1_000_000, 15_000_000)).zfill(8)
        for weights in _IRD_WEIGHTS:
            remainder = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
            check = 0 if remainder == 0 else 11 - remainder
            if check != 10:
                digits = f"{base}{check}"
                return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def tax_number(rng: random.Random, country: str) -> str:
    """A contact's or organisation's tax number as Xero shows it per country."""
    if country == "GB":
        return uk_vat(rng)
    if country == "AU":
        number = abn(rng)
        return number if rng.random() < 0.7 else f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    return nz_gst(rng)


def company_number(rng: random.Random, country: str) -> str:
    """A company registration number: Companies House, ACN or NZ company number."""
    if country == "GB":
        return f"SC{_digits(rng, 6)}" if rng.random() < 0.08 else f"{rng.randrange(1, 16):02d}{_digits(rng, 6)}"
    if country == "AU":
        acn = _digits(rng, 9)
        return f"{acn[:3]} {acn[3:6]} {acn[6:]}"
    return str(rng.randrange(1_000_000, 9_000_000))


def iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits for a country code and basic bank account number."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def bank_account(rng: random.Random, country: str) -> str:
    """A domestic bank account number in the usual local notation."""
    if country == "GB":
        sort = _digits(rng, 6)
        return f"{sort[:2]}-{sort[2:4]}-{sort[4:]} {_digits(rng, 8)}"
    if country == "AU":
        bsb = rng.choice(("062", "063", "082", "083", "033", "034", "013", "012"))
        return f"{bsb}-{_digits(rng, 3)} {_digits(rng, 8)}"
    return f"{rng.choice(('01', '02', '03', '06', '12', '38'))}-{_digits(rng, 4)}-{_digits(rng, 7)}-{_digits(rng, 2)}"


def landline(rng: random.Random, country: str, area: str) -> tuple[str, str]:
    """(area code, local number) for a landline, e.g. ("0118", "496 0123") or ("02", "9385 1234")."""
    length = 11 - len(area) if country == "GB" else 8 if country == "AU" else 7
    number = str(rng.randrange(2, 10)) + _digits(rng, length - 1)
    if length == 8:
        return area, f"{number[:4]} {number[4:]}"
    if length == 7:
        return area, f"{number[:3]} {number[3:]}"
    return area, number


def mobile(rng: random.Random, country: str) -> tuple[str, str]:
    """(prefix, number) for a mobile phone, e.g. ("0412", "345 678") or ("021", "234 5678")."""
    prefix = rng.choice(MOBILE_PREFIXES[country])
    if country == "GB":
        return prefix, _digits(rng, 6)
    if country == "AU":
        rest = _digits(rng, 6)
        return prefix, f"{rest[:3]} {rest[3:]}"
    rest = str(rng.randrange(1, 10)) + _digits(rng, 6)
    return prefix, f"{rest[:3]} {rest[3:]}"


def phone(kind: str, country: str = "", area: str = "", number: str = "") -> dict:
    """One Xero Phone object; empty strings where unknown, as Xero returns them."""
    if not number:
        return {"PhoneType": kind, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}
    return {"PhoneType": kind, "PhoneNumber": number, "PhoneAreaCode": area, "PhoneCountryCode": PHONE_COUNTRY[country]}


def postcode(rng: random.Random, place: Place) -> str:
    """A postcode for place: fixed for AU/NZ, generated from the area letters in the UK."""
    if not place.postcode.isalpha():
        return place.postcode
    letters = POSTCODE_LETTERS
    inward = f"{rng.randrange(10)}{letters[rng.randrange(20)]}{letters[rng.randrange(20)]}"
    return f"{place.postcode}{rng.randrange(1, 24)} {inward}"


def street_line(rng: random.Random, country: str) -> tuple[str, str]:
    """(AddressLine1, AddressLine2) for a business or home on a local street."""
    street = f"{rng.randrange(1, 240)} {rng.choice(STREETS[country])}"
    if rng.random() < 0.3:
        premises = rng.choice(PREMISES[country]).format(n=rng.randrange(1, 30))
        if country == "AU" and premises.startswith("Unit "):
            return f"{premises.split()[1]}/{street}", ""
        return premises, street
    return street, ""


def address(
    kind: str, rng: random.Random | None = None, country: str = "", place: Place | None = None, pobox: bool = False
) -> dict:
    """One Xero Address object of kind POBOX or STREET; all empty when rng/place are not given."""
    line1 = line2 = city = region = code = country_name = ""
    if rng is not None and place is not None:
        if pobox:
            line1 = f"PO Box {rng.randrange(1, 9999 if country != 'GB' else 999)}"
        else:
            line1, line2 = street_line(rng, country)
        if place.suburb and not line2:
            line2 = place.suburb
        city, region, code = place.city, place.region, postcode(rng, place)
        country_name = COUNTRY_NAMES[country] if rng.random() < 0.6 else ""
    return {
        "AddressType": kind,
        "AddressLine1": line1,
        "AddressLine2": line2,
        "AddressLine3": "",
        "AddressLine4": "",
        "City": city,
        "Region": region,
        "PostalCode": code,
        "Country": country_name,
    }
