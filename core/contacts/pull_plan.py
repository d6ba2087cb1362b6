"""Contacts pull, the pure part: a page of Xero contacts and what the hub holds → the actions to take.

DESIGN's rules live here: match by ContactNumber (ours), email or phone instead of duplicating; several candidates
wait for a person; Xero's details fill a platform record once when it is first linked; afterwards whoever owns the
contact's details (the company's setting, `companies.platform_owns`) wins: the platform (Xero's differing values are
drift, shown beside ours) or Xero (its edits flow in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.companies import platform_owns
from core.contacts.xero_contact import XeroContact, in_policy, phone_key

ERASED_REASON = "Erased at the contact's request in Xero"
# Fields Xero can fill or refresh on a platform contact.
FIELDS = ("name", "first_name", "last_name", "email", "phones", "addresses", "bank_account", "tax_number")


@dataclass(frozen=True)
class Held:
    """A platform contact as the plan needs it."""

    id: int
    platform_id: str | None
    xero_id: str | None
    is_supplier: bool
    is_customer: bool
    values: dict[str, Any]
    email: str | None = None
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """One thing to do: kind is create, claim, link, refresh, drift, review, outside, relink, erase or skip."""

    kind: str
    xero: XeroContact
    contact_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    candidates: tuple[int, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Known:
    """The company's platform contacts that could match this page, indexed the ways a match is found."""

    by_xero: dict[str, Held]
    by_number: dict[str, Held]
    by_email: dict[str, list[Held]]
    by_phone: dict[str, list[Held]]


def index(held: list[Held]) -> Known:
    by_email: dict[str, list[Held]] = {}
    by_phone: dict[str, list[Held]] = {}
    for h in held:
        if h.email:
            by_email.setdefault(h.email.lower(), []).append(h)
        for key in {phone_key(p) for p in h.phones} - {None}:
            by_phone.setdefault(str(key), []).append(h)
    return Known(
        by_xero={h.xero_id: h for h in held if h.xero_id},
        by_number={h.platform_id: h for h in held if h.platform_id},
        by_email=by_email,
        by_phone=by_phone,
    )


def _differences(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    return {k: theirs[k] for k in FIELDS if k in theirs and not _same(k, ours.get(k), theirs[k])}


def _same(name: str, ours: Any, theirs: Any) -> bool:
    if name == "phones":  # Xero answers a contact's phones in its own order
        return sorted(map(_phone, ours or [])) == sorted(map(_phone, theirs or []))
    return bool(ours == theirs)


def _phone(phone: dict[str, str]) -> tuple[str, str]:
    return phone.get("type", ""), phone.get("number", "")


def _linked_differences(ours: dict[str, Any], xero: XeroContact) -> dict[str, Any]:
    """What Xero holds that differs from a linked contact. Its first name filled from the contact's name (Xero holds
    no first or last name) is how the hub reads such a contact, not a change made in Xero."""
    changes = _differences(ours, xero.values)
    if xero.given_names == (None, None):
        changes.pop("first_name", None)
    return changes


def _matches(xero: XeroContact, known: Known) -> list[Held]:
    """Platform contacts sharing this Xero contact's email or a phone number (linked or not)."""
    found: dict[int, Held] = {}
    if xero.values.get("email"):
        for h in known.by_email.get(str(xero.values["email"]).lower(), []):
            found[h.id] = h
    for number in xero.all_phones:
        key = phone_key(number)
        for h in known.by_phone.get(key or "", []):
            found[h.id] = h
    return [h for h in found.values() if h.xero_id != xero.xero_id]


def decide(
    xero: XeroContact,
    known: Known,
    *,
    policy: str,
    groups: tuple[str, ...] = (),
    ownership: str = "by_role",
    claimed: set[int] | None = None,
) -> Action:
    """What to do with one Xero contact. `claimed` holds platform contacts this page already linked."""
    claimed = claimed if claimed is not None else set()
    linked = known.by_xero.get(xero.xero_id)
    if xero.erased:  # a GDPR request in Xero: erase what we hold of it; never import, link or review it
        ours = known.by_number.get(xero.contact_number or "")
        if linked is None and ours is not None and ours.xero_id is None:  # the hub's own create, found erased
            linked = ours
        if linked is not None:
            return Action("erase", xero, linked.id, reason=ERASED_REASON)
        return Action("skip", xero, reason=ERASED_REASON)
    if linked is not None and xero.merged_into:  # merged in Xero: follow the survivor, automatically
        return Action("relink", xero, linked.id, reason="Merged into another contact in Xero")
    if linked is not None:
        if not in_policy(xero, policy, groups) and not xero.archived:
            return Action("outside", xero, linked.id, reason="Outside the company's import policy now")
        changes = _linked_differences(linked.values, xero)
        if platform_owns(linked.is_supplier, ownership):  # Xero's differing values are shown, not taken
            return Action("drift", xero, linked.id, changes=changes)
        return Action("refresh", xero, linked.id, changes=changes)
    if xero.merged_into:
        return Action("skip", xero, reason="Merged into another contact in Xero")
    if not in_policy(xero, policy, groups):
        return Action("skip", xero, reason="Outside the company's import policy")
    ours = known.by_number.get(xero.contact_number or "")
    if ours is not None and ours.xero_id is None and ours.id not in claimed:
        # ContactNumber carries our own id: the hub created it (its answer was lost), so it is ours for sure, and
        # the platform's values are the newer ones: linked, never overwritten; what differs goes out as an update.
        claimed.add(ours.id)
        return Action("claim", xero, ours.id, changes=_differences(ours.values, xero.values))
    matches = _matches(xero, known)
    free = [h for h in matches if h.xero_id is None and h.id not in claimed]
    if len(free) == 1 and len(matches) == 1:
        claimed.add(free[0].id)
        return Action("link", xero, free[0].id, changes=_differences(free[0].values, xero.values))
    if matches:  # several candidates, or one already linked to another Xero contact (a near-duplicate in Xero)
        reason = (
            f"{len(matches)} platform contacts share this email or phone"
            if len(matches) > 1
            else "The platform contact with this email or phone is already linked to another Xero contact"
        )
        return Action(
            "review",
            xero,
            candidates=tuple(sorted(h.id for h in matches)),
            reason=reason,
        )
    return Action("create", xero)


def plan(
    page: list[XeroContact], known: Known, *, policy: str, groups: tuple[str, ...] = (), ownership: str = "by_role"
) -> list[Action]:
    """Every contact of one page, decided (a platform contact is linked to one Xero contact at most)."""
    claimed: set[int] = set()
    return [
        decide(x, known, policy=policy, groups=groups, ownership=ownership, claimed=claimed) for x in page if x.xero_id
    ]
