"""The bulk of a seeded organisation: its contacts, their contact groups and a few deliberate near duplicates."""

from __future__ import annotations

import random

from demodata.names import NameMaker, merged_variant
from demodata.numbers import (
    address,
    bank_account,
    company_number,
    landline,
    mobile,
    phone,
    tax_number,
    uuid4,
)
from demodata.places import PLACES, Place
from demodata.taxes import tax_codes

FOREIGN_CURRENCIES = {"GB": ("EUR", "USD"), "AU": ("USD", "NZD"), "NZ": ("AUD", "USD")}
# Share of eligible active contacts in each group, by position (core groups first) and "Do not use".
_GROUP_SHARE = (0.12, 0.15, 0.06, 0.05, 0.04, 0.04, 0.04, 0.04)
_DO_NOT_USE_SHARE = 0.01


def _money(rng: random.Random) -> tuple[float, float]:
    """(outstanding, overdue) for one side of a contact's balances; often nothing is owed."""
    if rng.random() < 0.55:
        return 0.0, 0.0
    outstanding = round(15 + rng.random() ** 3 * 12_000, 2)
    overdue = 0.0 if rng.random() < 0.5 else round(outstanding * rng.random(), 2)
    return outstanding, overdue


class ContactBuilder:
    """Builds Xero Contact objects for one organisation from one random stream."""

    def __init__(self, rng: random.Random, country: str, currency: str, account_codes: dict[str, list[str]]) -> None:
        self.rng = rng
        self.country = country
        self.currency = currency
        self.names = NameMaker(rng, country)
        self.places = PLACES[country]
        self.taxes = tax_codes(country)
        self.sales_codes = account_codes["sales"]
        self.purchase_codes = account_codes["purchases"]
        self.contact_numbers = 0
        self.mobiles: set[tuple[str, str]] = set()

    def phones(self, place: Place) -> list[dict]:
        """The four Xero phone slots, some filled: landline and mobile, one of them, or neither."""
        rng, country = self.rng, self.country
        pick = rng.random()
        default = ddi = fax = mob = None
        if pick < 0.65:
            default = landline(rng, country, place.phone_area)
            if rng.random() < 0.08:
                ddi = landline(rng, country, place.phone_area)
            if rng.random() < 0.05:
                fax = landline(rng, country, place.phone_area)
        if pick < 0.25 or 0.65 <= pick < 0.85:
            mob = mobile(rng, country)
            while mob in self.mobiles:  # only the deliberate near duplicates share a mobile
                mob = mobile(rng, country)
            self.mobiles.add(mob)
        slots = (("DEFAULT", default), ("DDI", ddi), ("FAX", fax), ("MOBILE", mob))
        return [phone(kind, country, *value) if value else phone(kind) for kind, value in slots]

    def addresses(self, place: Place) -> list[dict]:
        """POBOX and STREET addresses: postal only, both, street only or neither."""
        rng, country = self.rng, self.country
        pick = rng.random()
        if pick < 0.45:
            postal = address("POBOX", rng, country, place, pobox=rng.random() < 0.25)
            return [postal, address("STREET")]
        if pick < 0.70:
            street = address("STREET", rng, country, place)
            if rng.random() < 0.6:
                postal = dict(street, AddressType="POBOX")
            else:
                postal = address("POBOX", rng, country, place, pobox=True)
            return [postal, street]
        if pick < 0.85:
            return [address("POBOX"), address("STREET", rng, country, place)]
        return [address("POBOX"), address("STREET")]

    def contact(self, supplier: bool, customer: bool, active: bool) -> dict:
        """One contact with a unique name (among all non-merged contacts) and fields fitting its role."""
        rng, names, country = self.rng, self.names, self.country
        place = rng.choice(self.places)
        sole_trader = rng.random() < 0.15
        first = last = ""
        if sole_trader:
            first, last = names.person()
            name = names.unique(f"{first} {last}", place.city)
            email = names.personal_email(first, last)
            domain = ""
        else:
            name = names.unique(names.business(), place.city)
            if rng.random() < 0.45:
                first, last = names.person()
            domain = names.business_domain(name)
            email = names.business_email(domain, first, last)
        email = names.fresh_email(email) if rng.random() >= 0.10 else ""
        contact: dict = {"ContactID": uuid4(rng)}
        if rng.random() < 0.05:
            self.contact_numbers += 1
            contact["ContactNumber"] = f"{'SUPP' if supplier else 'CUST'}-{self.contact_numbers:05d}"
        if (supplier and rng.random() < 0.15) or (customer and rng.random() < 0.10):
            contact["AccountNumber"] = str(rng.randrange(10_000, 999_999))
        contact["ContactStatus"] = "ACTIVE" if active else "ARCHIVED"
        contact["Name"] = name
        if first:
            contact["FirstName"] = first
            contact["LastName"] = last
        if not sole_trader and rng.random() < 0.15:
            contact["CompanyNumber"] = company_number(rng, country)
        contact["EmailAddress"] = email
        contact["BankAccountDetails"] = bank_account(rng, country) if supplier and rng.random() < 0.4 else ""
        if rng.random() < (0.10 if sole_trader else 0.35):
            contact["TaxNumber"] = tax_number(rng, country)
        currency = self.currency
        if supplier and not customer and rng.random() < 0.03:
            currency = rng.choice(FOREIGN_CURRENCIES[country])
        if customer and rng.random() < 0.2:
            contact["AccountsReceivableTaxType"] = self.taxes["sales"]
        if supplier and rng.random() < 0.25:
            contact["AccountsPayableTaxType"] = self.taxes["imports" if currency != self.currency else "purchases"]
        contact["Addresses"] = self.addresses(place)
        contact["Phones"] = self.phones(place)
        contact["IsSupplier"] = supplier
        contact["IsCustomer"] = customer
        contact["DefaultCurrency"] = currency
        if customer and rng.random() < 0.15:
            contact["SalesDefaultAccountCode"] = rng.choice(self.sales_codes)
        if supplier and rng.random() < 0.25:
            contact["PurchasesDefaultAccountCode"] = rng.choice(self.purchase_codes)
        if domain and rng.random() < 0.15:
            contact["Website"] = f"https://www.{domain}"
        contact["ContactGroups"] = []
        contact["ContactPersons"] = self.persons(domain) if domain and rng.random() < 0.03 else []
        contact["HasAttachments"] = False
        contact["HasValidationErrors"] = False
        receivable = _money(rng) if customer and active else (0.0, 0.0)
        payable = _money(rng) if supplier and active else (0.0, 0.0)
        contact["Balances"] = {
            "AccountsReceivable": {"Outstanding": receivable[0], "Overdue": receivable[1]},
            "AccountsPayable": {"Outstanding": payable[0], "Overdue": payable[1]},
        }
        return contact

    def persons(self, domain: str) -> list[dict]:
        """One or two additional contact people at a business."""
        people = []
        for _ in range(1 + (self.rng.random() < 0.4)):
            first, last = self.names.person()
            email = self.names.business_email(domain, first, last) if self.rng.random() < 0.8 else ""
            people.append({"FirstName": first, "LastName": last, "EmailAddress": email, "IncludeInEmails": False})
        return people

    def merged(self, target: dict) -> dict:
        """An archived duplicate of target that Xero merged into it (MergedToContactID set, nothing owed)."""
        duplicate = self.contact(target["IsSupplier"], target["IsCustomer"], active=False)
        self.names.used.discard(duplicate["Name"].lower())  # its drawn name is freed; the variant is used instead
        duplicate["Name"] = merged_variant(self.rng, target["Name"])
        if target["EmailAddress"] and self.rng.random() < 0.5:
            duplicate["EmailAddress"] = target["EmailAddress"]
        duplicate["MergedToContactID"] = target["ContactID"]
        return duplicate


def build_contacts(
    rng: random.Random,
    country: str,
    count: int,
    currency: str,
    groups: list[tuple[dict, str]],
    account_codes: dict[str, list[str]],
) -> tuple[list[dict], dict[str, list[str]]]:
    """count contacts (~45% suppliers, ~35% customers, ~10% both, ~10% neither; ~4% archived, ~1% merged)."""
    builder = ContactBuilder(rng, country, currency, account_codes)
    members: dict[str, list[str]] = {group["ContactGroupID"]: [] for group, _kind in groups}
    shares = [_DO_NOT_USE_SHARE if g["Name"] == "Do not use" else _GROUP_SHARE[i] for i, (g, _) in enumerate(groups)]
    contacts: list[dict] = []
    active_positions: list[int] = []
    random_ = rng.random
    for _ in range(count):
        role = random_()
        supplier, customer = role < 0.45 or 0.80 <= role < 0.90, 0.45 <= role < 0.90
        status = random_()
        if status < 0.01 and active_positions:
            target = contacts[active_positions[int(random_() * len(active_positions))]]
            contacts.append(builder.merged(target))
            continue
        contact = builder.contact(supplier, customer, active=status >= 0.05)
        if status >= 0.05:
            active_positions.append(len(contacts))
            for (group, kind), share in zip(groups, shares, strict=True):
                eligible = kind == "A" or (supplier if kind == "S" else customer)
                if eligible and random_() < share:
                    contact["ContactGroups"].append(
                        {"ContactGroupID": group["ContactGroupID"], "Name": group["Name"], "Status": "ACTIVE",
                         "Contacts": []}
                    )  # fmt: skip
                    members[group["ContactGroupID"]].append(contact["ContactID"])
        contacts.append(contact)
    _near_duplicates(builder, contacts, active_positions)
    return contacts, members


def _near_duplicates(builder: ContactBuilder, contacts: list[dict], active_positions: list[int]) -> None:
    """Two pairs of active contacts with different names: one sharing an email address, one a mobile number."""
    if len(active_positions) < 4:
        return
    rng = builder.rng
    first, second, third, fourth = (contacts[i] for i in rng.sample(active_positions, 4))
    names = builder.names
    if not first["EmailAddress"]:
        first["EmailAddress"] = names.fresh_email(names.business_email(names.business_domain(first["Name"])))
    second["EmailAddress"] = first["EmailAddress"]
    mobile_slot = next(p for p in third["Phones"] if p["PhoneType"] == "MOBILE")
    if not mobile_slot["PhoneNumber"]:
        number = mobile(rng, builder.country)
        while number in builder.mobiles:
            number = mobile(rng, builder.country)
        mobile_slot.update(phone("MOBILE", builder.country, *number))
    other_slot = next(p for p in fourth["Phones"] if p["PhoneType"] == "MOBILE")
    other_slot.update(mobile_slot)
