"""Deterministic generator of realistic UK, AU and NZ Xero organisations for the simulator (stdlib only)."""

from __future__ import annotations

import gc
import random
import string
from dataclasses import dataclass, field

from demodata.accounts import build_accounts
from demodata.contacts import build_contacts
from demodata.data import CONTACT_GROUPS, CORE_GROUPS
from demodata.names import NameMaker, slug
from demodata.numbers import SeedRandom, abn, address, company_number, landline, phone, tax_number, uuid4
from demodata.places import PLACES
from demodata.taxes import build_tax_rates
from demodata.tracking import build_tracking_categories

ROLES = ("admin", "standard", "readonly")
# Country -> settings of a typical organisation there.
COUNTRY_SETTINGS: dict[str, dict] = {
    "GB": {"currency": "GBP", "version": "UK", "timezone": "GMTSTANDARDTIME", "year_end": (31, 3),
           "basis": "ACCRUAL", "period": "QUARTERLY1"},
    "AU": {"currency": "AUD", "version": "AU", "timezone": "AUSEASTERNSTANDARDTIME", "year_end": (30, 6),
           "basis": "ACCRUALS", "period": "QUARTERLY"},
    "NZ": {"currency": "NZD", "version": "NZ", "timezone": "NEWZEALANDSTANDARDTIME", "year_end": (31, 3),
           "basis": "PAYMENTS", "period": "TWOMONTHS"},
}  # fmt: skip
_LINES_OF_BUSINESS = {  # first keyword found in the organisation's name wins
    "event": "Event catering",
    "bakery": "Bakery",
    "plumb": "Plumbing services",
    "garden": "Garden supplies retail",
    "cafe": "Cafe",
}
_OTHER_LINES = ("Retail", "Wholesale trade", "Building and construction", "Professional services", "Hospitality")


@dataclass(frozen=True)
class XeroUser:
    """A person who can sign in to the simulated Xero, with their role in one organisation."""

    email: str
    first_name: str
    last_name: str
    password: str
    role: str  # "admin" (may grant apps access), "standard" or "readonly" -- role in THIS organisation


@dataclass
class OrgSeed:
    """Everything the simulator needs to create one organisation."""

    tenant_id: str
    name: str
    country: str
    base_currency: str
    organisation: dict
    accounts: list[dict]
    tax_rates: list[dict]
    contact_groups: list[dict]
    group_members: dict[str, list[str]]
    contacts: list[dict]
    users: list[XeroUser] = field(default_factory=list)
    tracking_categories: list[dict] = field(default_factory=list)


def _tfn(rng: random.Random) -> str:
    """An Australian Tax File Number with a valid checksum, formatted '123 456 782'."""
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10)
    while True:
        head = str(rng.randrange(10_000_000, 100_000_000))
        partial = sum(int(d) * w for d, w in zip(head, weights, strict=False))
        last = next((d for d in range(10) if (partial + d * 10) % 11 == 0), None)
        if last is not None:
            digits = f"{head}{last}"
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def _organisation(rng: random.Random, tenant_id: str, name: str, country: str) -> dict:
    """A Xero Organisation object (no dates: the simulator adds CreatedDateUTC)."""
    settings = COUNTRY_SETTINGS[country]
    lowered = name.lower()
    line = next((v for k, v in _LINES_OF_BUSINESS.items() if k in lowered), None) or rng.choice(_OTHER_LINES)
    if country == "GB":
        registration, tax = company_number(rng, "GB"), tax_number(rng, "GB")
    elif country == "AU":
        registration, tax = abn(rng), _tfn(rng)
    else:
        registration, tax = f"94290{rng.randrange(10**8):08d}", tax_number(rng, "NZ")
    place = rng.choice(PLACES[country])
    street = address("STREET", rng, country, place)
    postal = dict(street, AddressType="POBOX") if rng.random() < 0.7 else address("POBOX", rng, country, place, True)
    alphabet = string.ascii_letters + string.digits
    return {
        "OrganisationID": tenant_id,
        "APIKey": "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(30)),
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": settings["version"],
        "OrganisationType": "COMPANY",
        "BaseCurrency": settings["currency"],
        "CountryCode": country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": registration,
        "TaxNumber": tax,
        "FinancialYearEndDay": settings["year_end"][0],
        "FinancialYearEndMonth": settings["year_end"][1],
        "SalesTaxBasis": settings["basis"],
        "SalesTaxPeriod": settings["period"],
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "OrganisationEntityType": "COMPANY",
        "Timezone": settings["timezone"],
        "ShortCode": "!" + "".join(rng.choice(alphabet) for _ in range(5)),
        "Edition": "BUSINESS",
        "Class": "STANDARD",
        "LineOfBusiness": line,
        "Addresses": [postal, street],
        "Phones": [phone("OFFICE", country, *landline(rng, country, place.phone_area))],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }


def _groups(rng: random.Random, country: str) -> list[tuple[dict, str]]:
    """3-6 active contact groups, the two core ones first, each with the kind of contact it draws from."""
    extra = rng.sample(CONTACT_GROUPS[country], rng.randint(1, 4))
    chosen = list(CORE_GROUPS) + sorted(extra, key=CONTACT_GROUPS[country].index)
    return [({"ContactGroupID": uuid4(rng), "Name": group, "Status": "ACTIVE"}, kind) for group, kind in chosen]


def _users(rng: random.Random, name: str, country: str) -> list[XeroUser]:
    """An admin, a standard user and sometimes a read-only one, with emails on the organisation's domain."""
    people = NameMaker(rng, country)
    domain = f"{slug(name)}.example"
    users: list[XeroUser] = []
    roles = ROLES if rng.random() < 0.5 else ROLES[:2]
    for role in roles:
        first, last = people.person()
        local = first.lower() if all(u.first_name != first for u in users) else f"{first}.{last}".lower()
        users.append(XeroUser(f"{local.replace(' ', '')}@{domain}", first, last, DEMO_PASSWORD, role))
    return users


def _account_codes(accounts: list[dict]) -> dict[str, list[str]]:
    """Codes of active accounts suitable as contacts' default sales and purchases accounts."""
    live = [a for a in accounts if a["Status"] == "ACTIVE" and "SystemAccount" not in a]
    return {
        "sales": [a["Code"] for a in live if a["Type"] == "REVENUE"],
        "purchases": [a["Code"] for a in live if a["Type"] in ("DIRECTCOSTS", "EXPENSE", "OVERHEADS")],
    }


def generate(
    *,
    name: str,
    country: str,
    contacts: int = 60,
    seed: int = 1,
    tenant_id: str | None = None,
    users: list[XeroUser] | None = None,
) -> OrgSeed:
    """Same arguments -> identical output (ids included)."""
    country = "GB" if country.upper() == "UK" else country.upper()
    if country not in COUNTRY_SETTINGS:
        raise ValueError(f"country must be GB, AU or NZ, not {country!r}")
    # Separate streams, so the organisation, chart and users do not change with the number of contacts.
    org_rng = SeedRandom(f"{seed}:{name}:organisation")
    contact_rng = SeedRandom(f"{seed}:{name}:contacts")
    generated_id = uuid4(org_rng)
    tenant_id = tenant_id or generated_id
    currency = COUNTRY_SETTINGS[country]["currency"]
    organisation = _organisation(org_rng, tenant_id, name, country)
    accounts = build_accounts(org_rng, country, currency)
    groups = _groups(org_rng, country)
    generated_users = _users(org_rng, name, country)
    collecting = gc.isenabled()
    gc.disable()  # the bulk build makes only acyclic objects; repeated full collections would double its time
    try:
        contact_list, members = build_contacts(
            contact_rng, country, contacts, currency, groups, _account_codes(accounts)
        )
    finally:
        if collecting:
            gc.enable()
    return OrgSeed(
        tenant_id=tenant_id,
        name=name,
        country=country,
        base_currency=currency,
        organisation=organisation,
        accounts=accounts,
        tax_rates=build_tax_rates(country),
        contact_groups=[group for group, _kind in groups],
        group_members=members,
        contacts=contact_list,
        users=list(users) if users is not None else generated_users,
        # Own random stream: the rest of the organisation stays as it was generated before tracking existed.
        tracking_categories=build_tracking_categories(SeedRandom(f"{seed}:{name}:tracking")),
    )


# --- The stakeholder demo -------------------------------------------------------------------------------------------

DEMO_PASSWORD = "xero-demo"
FIONA = XeroUser("fiona@harbourbakery.example", "Fiona", "Hughes", DEMO_PASSWORD, "admin")
COLIN = XeroUser("colin@harbourbakery.example", "Colin", "Baker", DEMO_PASSWORD, "standard")
OLIVIA = XeroUser("olivia@kookaburraplumbing.example", "Olivia", "Nguyen", DEMO_PASSWORD, "admin")
MERE = XeroUser("mere@tuigarden.example", "Mere", "Parata", DEMO_PASSWORD, "admin")
PRIYA = XeroUser("bookkeeper@ledgerlane.example", "Priya", "Shah", DEMO_PASSWORD, "admin")
DEMO_USERS: tuple[XeroUser, ...] = (FIONA, COLIN, OLIVIA, MERE, PRIYA)


@dataclass(frozen=True)
class DemoOrg:
    """The arguments of generate() for one demo organisation."""

    name: str
    country: str
    contacts: int
    tenant_id: str
    users: tuple[XeroUser, ...]
    seed: int = 1

    def build(self) -> OrgSeed:
        """This organisation, generated."""
        return generate(
            name=self.name,
            country=self.country,
            contacts=self.contacts,
            seed=self.seed,
            tenant_id=self.tenant_id,
            users=list(self.users),
        )


HARBOUR_BAKERY = DemoOrg("Harbour Bakery Ltd", "GB", 120, "fe7792d2-6456-41ea-8189-1fda0cc1437f", (FIONA, COLIN, PRIYA))
KOOKABURRA = DemoOrg("Kookaburra Plumbing Pty Ltd", "AU", 90, "9f97d296-431f-4210-ae18-27ebf99479b9", (OLIVIA, PRIYA))
TUI_GARDEN = DemoOrg("Tui Garden Supplies Ltd", "NZ", 80, "e23c9fb6-f97e-43f7-ad61-97efaf2078f3", (MERE,))
HARBOUR_EVENTS = DemoOrg("Harbour Bakery Events Ltd", "GB", 60, "a256ee3c-7a70-44f6-af57-7fe6cefc5855", (FIONA, PRIYA))
DEMO_ORGS: tuple[DemoOrg, ...] = (HARBOUR_BAKERY, KOOKABURRA, TUI_GARDEN, HARBOUR_EVENTS)


# The demo story's organisations: the launcher adds them to the simulator (its control API) and connects them to
# their hub companies through Xero's consent page, so support has something to triage from the first minute.
JARRAH = XeroUser("jarrah@bondibean.example", "Jarrah", "Mitchell", DEMO_PASSWORD, "admin")
AROHA = XeroUser("aroha@kapitikayaks.example", "Aroha", "Ngata", DEMO_PASSWORD, "admin")
GARETH = XeroUser("gareth@penninebrewing.example", "Gareth", "Hargreaves", DEMO_PASSWORD, "admin")
BONDI_BEAN = DemoOrg("Bondi Bean Roasters Pty Ltd", "AU", 40, "3b8f6f0e-5c1d-4e0b-9a47-2f1d8c6b7a01", (JARRAH,), 3)
KAPITI_KAYAKS = DemoOrg("Kapiti Kayak Hire Ltd", "NZ", 40, "7d2c4a9e-81f3-4b6a-bc15-9e0a3d5f2c02", (AROHA,), 3)
PENNINE_BREWING = DemoOrg("Pennine Brewing Co Ltd", "GB", 40, "c41e7b3a-2d6f-4f88-a0b9-5b7e1c9d4e03", (GARETH,), 3)
STORY_ORGS: tuple[DemoOrg, ...] = (BONDI_BEAN, KAPITI_KAYAKS, PENNINE_BREWING)


def demo_orgs() -> list[OrgSeed]:
    """The four organisations of the stakeholder demo, generated."""
    return [spec.build() for spec in DEMO_ORGS]
