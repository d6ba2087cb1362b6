"""Contact names and email addresses for the seed generator, unique among a organisation's contacts."""

from __future__ import annotations

import random
import re

from demodata.data import (
    BUSINESS_ADJECTIVES,
    BUSINESS_PLACES,
    BUSINESS_TLDS,
    FIRST_NAMES,
    LAST_NAMES,
    MAILBOXES,
    PERSONAL_DOMAINS,
    SUFFIXES,
    TRADES,
    TRADES_EXTRA,
)

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Words left out of a business's web domain (its legal form and filler).
_LEGAL_WORDS = frozenset(
    ("ltd", "limited", "pty", "co", "llp", "group", "uk", "nz", "trading", "holdings", "australia", "services", "the")
)
_FILLER_WORDS = frozenset(("and", "sons"))


def slug(name: str) -> str:
    """A domain-style slug of a business name without its legal form: 'Bondi Sparkies Pty Ltd' -> 'bondisparkies'."""
    words = [w for w in _NOT_ALNUM.sub(" ", name.lower()).split() if w not in _LEGAL_WORDS and w not in _FILLER_WORDS]
    return "".join(words)[:40] or "mail"


class NameMaker:
    """Draws people and business names for one country and keeps names unique (case-insensitive)."""

    def __init__(self, rng: random.Random, country: str) -> None:
        self.rng = rng
        self.country = country
        self.first = FIRST_NAMES[country]
        self.last = LAST_NAMES[country]
        self.places = BUSINESS_PLACES[country]
        self.trades = TRADES + TRADES_EXTRA[country]
        self.suffixes = SUFFIXES[country]
        self.tlds = BUSINESS_TLDS[country]
        self.personal = PERSONAL_DOMAINS[country]
        self.used: set[str] = set()
        self.emails: set[str] = set()
        self.next_number: dict[str, int] = {}

    def person(self) -> tuple[str, str]:
        """(first name, last name)."""
        return self.rng.choice(self.first), self.rng.choice(self.last)

    def business(self) -> str:
        """A business name in one of the common local patterns."""
        rng = self.rng
        pick = rng.random()
        suffix = rng.choice(self.suffixes)
        if pick < 0.40:
            base = f"{rng.choice(self.places)} {rng.choice(self.trades)}"
        elif pick < 0.60:
            base = f"{rng.choice(BUSINESS_ADJECTIVES)} {rng.choice(self.trades)}"
        elif pick < 0.80:
            base = f"{rng.choice(self.last)} & {rng.choice(self.last)}"
        elif pick < 0.90:
            owner = rng.choice(self.last)
            possessive = "'" if owner.endswith("s") else "'s"
            base = f"{owner}{possessive} {rng.choice(self.trades)}"
            suffix = ""
        else:
            base = f"{rng.choice(self.first)} {rng.choice(self.last)} {rng.choice(self.trades)}"
        return f"{base} {suffix}" if suffix else base

    def unique(self, name: str, town: str) -> str:
        """name, or a deterministic variant ('name - Town', then 'name (2)', ...) not used before; records it."""
        key = name.lower()
        if key in self.used:
            name = f"{name} - {town}"
            key = name.lower()
            if key in self.used:
                number = self.next_number.get(key, 2)
                while f"{key} ({number})" in self.used:
                    number += 1
                self.next_number[key] = number + 1
                name = f"{name} ({number})"
                key = name.lower()
        self.used.add(key)
        return name

    def fresh_email(self, email: str) -> str:
        """email, or a numbered variant of its mailbox if an earlier contact already has it; records it."""
        if email in self.emails:
            local, domain = email.split("@")
            while email in self.emails:
                email = f"{local}{self.rng.randrange(2, 1000)}@{domain}"
        self.emails.add(email)
        return email

    def personal_email(self, first: str, last: str) -> str:
        """A sole trader's own mailbox at a local free-mail provider."""
        rng = self.rng
        first_l, last_l = _NOT_ALNUM.sub("", first.lower()), _NOT_ALNUM.sub("", last.lower())
        pick = rng.random()
        if pick < 0.4:
            local = f"{first_l}.{last_l}"
        elif pick < 0.6:
            local = f"{first_l}{last_l}{rng.randrange(1, 99)}"
        elif pick < 0.8:
            local = f"{first_l[0]}{last_l}"
        else:
            local = f"{first_l}.{last_l}{rng.randrange(60, 100)}"
        return f"{local}@{rng.choice(self.personal)}"

    def business_domain(self, name: str) -> str:
        """The web domain of a business, e.g. 'thamesvalleyflour.co.uk'."""
        return f"{slug(name)}{self.rng.choice(self.tlds)}"

    def business_email(self, domain: str, first: str = "", last: str = "") -> str:
        """A mailbox at a business domain: a role address, or the contact person's own."""
        rng = self.rng
        if first and rng.random() < 0.4:
            person = _NOT_ALNUM.sub("", first.lower())
            if rng.random() < 0.5:
                person = f"{person}.{_NOT_ALNUM.sub('', last.lower())}"
            return f"{person}@{domain}"
        return f"{rng.choice(MAILBOXES)}@{domain}"


def merged_variant(rng: random.Random, name: str) -> str:
    """A similar spelling of name, as a duplicate entered by hand would have."""
    pick = rng.random()
    if " Ltd" in name and pick < 0.3:
        return name.replace(" Ltd", " Limited", 1)
    if " & " in name and pick < 0.5:
        return name.replace(" & ", " and ", 1)
    if pick < 0.65:
        return name.lower()
    if pick < 0.8:
        return f"{name}."
    if pick < 0.9:
        return f"The {name}"
    return name.replace(" ", "  ", 1)
