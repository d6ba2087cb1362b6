"""Default mappings suggested from the chart of accounts on first connect (pure), kept simple so a person can
predict them:

- a line category gets the allowed account whose name shares the most words with the category's name (ties: the
  lowest code); with no shared word, a sales category gets the account named "Sales" and a purchase category
  "General Expenses", when the chart has them;
- a platform tax rate gets, per side, the allowed Xero tax type (same effective rate, usable on that side) whose
  name shares the most words with it (ties: Xero's order); with several candidates and no shared word, none;
- a currency gets the first active bank account in that currency; when the company takes payments into accounts
  with payments enabled instead, the first of those (by code);
- a dimension value on lines gets the active Xero tracking option of the same name (ignoring case), in the category
  named as the dimension when there is one; with several such options and none in that category, none.

Only rows without a mapping get a suggestion; suggestions are saved marked "suggested" so the page asks for a look.
"""

from __future__ import annotations

import re

from core.mappings.plan import Catalog, Change
from core.mappings.reference import Reference
from core.mappings.rules import account_choices, payment_choices, side_of, tax_choices
from core.mappings.tracking import suggestions as tracking_suggestions
from core.models.mappings import CategorySide, MappingKind
from core.models.platform import DocumentKind

FALLBACK = {"sales": "sales", "purchases": "general expenses"}
# Words that say nothing about what an account is for.
NOISE = {"and", "the", "for", "other", "rate", "tax", "vat", "gst"}


def words(text: str) -> set[str]:
    """The meaningful words of a name, lower case."""
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 3 and w not in NOISE}


def _best(name: str, candidates: list[tuple[str, str]], *, unique_fallback: bool) -> str | None:
    """The candidate (code, name) sharing most words with `name`; ties keep the earliest."""
    wanted = words(name)
    scored = [(len(wanted & words(label)), index, code) for index, (code, label) in enumerate(candidates)]
    best = max(scored, key=lambda s: (s[0], -s[1]), default=None)
    if best is not None and best[0] > 0:
        return best[2]
    if unique_fallback and len(candidates) == 1:
        return candidates[0][0]
    return None


def suggest(reference: Reference, catalog: Catalog, existing: dict[tuple[str, str, str], str]) -> list[Change]:
    """Suggested mappings for every row that has none."""
    changes: list[Change] = []
    for category in catalog.categories:
        for kind in DocumentKind:
            side = side_of(kind)
            if category.side not in (CategorySide.BOTH, CategorySide(side)):
                continue
            if (MappingKind.ACCOUNT.value, kind.value, category.code) in existing:
                continue
            accounts = sorted(account_choices(reference, kind), key=lambda a: a.code)
            code = _best(category.name, [(a.code, a.name) for a in accounts], unique_fallback=True)
            if code is None:
                code = next((a.code for a in accounts if a.name.lower() == FALLBACK[side]), None)
            if code is not None:
                changes.append(Change(MappingKind.ACCOUNT, kind.value, category.code, code))
    for rate in catalog.rates:
        for side in ("sales", "purchases"):
            if (MappingKind.TAX.value, side, rate.code) in existing:
                continue
            taxes = tax_choices(reference, side, rate)
            code = _best(rate.name, [(t.tax_type, t.name) for t in taxes], unique_fallback=True)
            if code is not None:
                changes.append(Change(MappingKind.TAX, side, rate.code, code))
    for currency in catalog.currencies:
        if (MappingKind.PAYMENT.value, "", currency) in existing:
            continue
        accepts, base = catalog.payment_accounts, catalog.base_currency
        if accepts == "payments_enabled":
            fitting = [a.code for a in payment_choices(reference, currency, base_currency=base, accepts=accepts)]
        else:
            fitting = sorted(
                a.code for a in reference.accounts if a.active and a.type == "BANK" and a.currency == currency
            )
        if fitting:
            changes.append(Change(MappingKind.PAYMENT, "", currency, fitting[0]))
    for dimension, value, option in tracking_suggestions(reference, catalog.dimensions, existing):
        changes.append(Change(MappingKind.TRACKING, dimension, value, option))
    return changes
