"""Phones between the hub and Xero (pure functions, no I/O).

The hub holds a phone as one string, the way the platform writes it: "+44 1632 960111". Xero holds it in three
parts: PhoneCountryCode, PhoneAreaCode and PhoneNumber.

- **Read from Xero** (`text`): the parts present are joined with single spaces, the country code after a "+":
  (44, 01632, 960111) is "+44 01632 960111", (none, 01632, 960111) is "01632 960111". A phone with no PhoneNumber
  is no phone, whatever country or area code is left on it.
- **Sent to Xero** (`parts`): a number written "+", a country code of one to three digits, one space and the rest
  is split there: the digits go in PhoneCountryCode and the rest, whole, in PhoneNumber ("+44 7788 123456" is
  44 / "" / "7788 123456"). Any other number goes whole in PhoneNumber with no country code ("01632 960111",
  "+447788123456"). The area code is always sent empty: it cannot be told apart from the start of the number (and
  mobiles have none), so it stays in PhoneNumber.
- All three parts are always sent, blanks included: Xero keeps any part it is not sent, so sending the number alone
  would leave the old country and area code in front of the new number.

Reading back what was sent gives the very string the hub holds (the platform's numbers come trimmed), so a phone the
hub pushed never shows as a difference with Xero.
"""

from __future__ import annotations

import re
from typing import Any

_COUNTRY = re.compile(r"\+(\d{1,3}) (\S.*)", re.DOTALL)


def parts(number: str) -> dict[str, str]:
    """The three Xero parts to send for one number (all of them, so the phone is replaced whole)."""
    found = _COUNTRY.fullmatch(number)
    if found is None:
        return {"PhoneCountryCode": "", "PhoneAreaCode": "", "PhoneNumber": number}
    return {"PhoneCountryCode": found.group(1), "PhoneAreaCode": "", "PhoneNumber": found.group(2)}


def text(phone: dict[str, Any]) -> str:
    """One Xero Phone as the hub shows and compares it; "" when it has no number."""
    number = str(phone.get("PhoneNumber") or "").strip()
    if not number:
        return ""
    country = str(phone.get("PhoneCountryCode") or "").strip().lstrip("+").strip()
    area = str(phone.get("PhoneAreaCode") or "").strip()
    return " ".join(p for p in (f"+{country}" if country else "", area, number) if p)


def mixed(ours: str, theirs: str) -> bool:
    """Whether Xero holds our number with parts left in front of it (a country or area code from before)."""
    return theirs != ours and bool(ours) and theirs.endswith(f" {ours}")
