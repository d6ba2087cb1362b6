"""The company's contact import policy and phone types: a preview of what a new policy would do, then saving it.

DESIGN (import policy changed): contacts now outside the policy stay (they may have documents) but are marked
"outside policy" and no longer refreshed; new matches import at the next sync. The preview shows both counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from core import companies
from core.auth import Actor, Permission, require
from core.companies import CompanyError, settings_of
from core.contacts.xero_contact import POLICIES, XeroContact, in_policy
from core.models.contacts import XeroContactSeen
from core.models.platform import PlatformContact
from core.models.sync import Connection, ConnectionState
from core.platform_api.checks import PHONE_TYPES
from core.sync import runs

SAMPLE = 8
KINDS_SAMPLED = 50  # a sample needs only a few kinds of contact, not every one


@dataclass(frozen=True)
class Preview:
    """What a policy would do to the contacts the hub has seen in Xero (every pull remembers each one it sees)."""

    policy: str
    groups: tuple[str, ...]
    known: int  # Xero contacts the pulls have seen, imported or not
    taken: int  # of those, how many the policy takes
    outside: int  # already imported, not archived, that would fall outside it (kept, marked, no longer refreshed)
    back_in: int  # marked outside policy now, that this policy takes again
    sample_taken: tuple[str, ...]
    sample_outside: tuple[str, ...]

    @property
    def text(self) -> str:
        """The preview in words, with what it cannot know."""
        if self.policy == "groups" and not self.groups:
            return "Pick at least one contact group: this policy imports only contacts in the groups you pick."
        if not self.known:
            return "No Xero contacts have been seen yet: the preview counts them once the first import has run."
        words = [
            f"Of the {self.known:,} contacts the hub has seen in Xero, this policy takes {self.taken:,}.",
            f"{self.outside:,} already-imported contacts would fall outside it: they stay in the hub (they may have "
            "documents) marked “outside policy”, and are no longer refreshed from Xero.",
        ]
        if self.back_in:
            words.append(f"{self.back_in:,} contacts now outside the policy would be refreshed again.")
        words.append("Contacts it takes that are not in the hub yet are imported at the next sync.")
        return " ".join(words)


def _as_xero(supplier: bool, customer: bool, archived: bool, groups: tuple[str, ...]) -> XeroContact:
    """Just enough of a Xero contact for the policy rule (core.contacts.xero_contact.in_policy), so the rule is
    not copied."""
    return XeroContact(
        xero_id="",
        values={},
        is_supplier=supplier,
        is_customer=customer,
        archived=archived,
        groups=groups,
        contact_number=None,
        merged_into=None,
        updated_at=None,
    )


def _groups(text: str | None) -> tuple[str, ...]:
    try:
        found = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(g) for g in found) if isinstance(found, list) else ()


def _kind(supplier: bool, customer: bool, archived: bool, groups_text: str | None) -> ColumnElement[bool]:
    """The contacts of one kind the policy rule tells apart (for picking sample names)."""
    x = XeroContactSeen
    text = cast(x.groups, Text)
    return and_(
        x.is_supplier == supplier,
        x.is_customer == customer,
        x.archived == archived,
        text.is_(None) if groups_text is None else text == groups_text,
    )


def _sample(session: Session, company_id: int, kinds: list[ColumnElement[bool]], *extra: Any) -> tuple[str, ...]:
    if not kinds:
        return ()
    x, c = XeroContactSeen, PlatformContact
    query = (
        select(x.name)
        .outerjoin(c, and_(c.company_id == x.company_id, c.xero_contact_id == x.xero_contact_id))
        .where(x.company_id == company_id, or_(*kinds[:KINDS_SAMPLED]), *extra)
    )
    return tuple(session.scalars(query.order_by(x.name, x.id).limit(SAMPLE)))


def policy_preview(session: Session, actor: Actor, company_id: int, policy: str, groups: tuple[str, ...]) -> Preview:
    """How a policy would treat every Xero contact the pulls have seen: counts and a sample of names.

    Counted per kind of contact (roles, archived, groups) in SQL, each kind judged by the pull's own rule, so the
    preview stays quick at 100,000 contacts and never disagrees with what the next sync does."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    if policy not in POLICIES:
        raise CompanyError(f"Pick one of the import policies: {', '.join(POLICIES.values())}.")
    x, c = XeroContactSeen, PlatformContact
    linked = case((c.id.is_not(None), True), else_=False)
    marked = case((c.outside_policy.is_(True), True), else_=False)
    kind = (x.is_supplier, x.is_customer, x.archived, cast(x.groups, Text), marked, linked)
    rows = session.execute(
        select(*kind, func.count())
        .outerjoin(c, and_(c.company_id == x.company_id, c.xero_contact_id == x.xero_contact_id))
        .where(x.company_id == company_id)
        .group_by(*kind)
    )
    known = taken = outside = back_in = 0
    taken_kinds: list[ColumnElement[bool]] = []
    outside_kinds: list[ColumnElement[bool]] = []
    for supplier, customer, is_archived, groups_text, is_marked, is_linked, count in rows:
        known += count
        where = _kind(bool(supplier), bool(customer), bool(is_archived), groups_text)
        if in_policy(_as_xero(bool(supplier), bool(customer), bool(is_archived), _groups(groups_text)), policy, groups):
            taken += count
            back_in += count if is_marked else 0
            taken_kinds.append(where)
        elif is_linked and not is_archived:  # the pull marks these, never archived ones (still followed)
            outside += count
            outside_kinds.append(where)
    return Preview(
        policy,
        groups,
        known,
        taken,
        outside,
        back_in,
        _sample(session, company_id, taken_kinds),
        _sample(session, company_id, outside_kinds, c.id.is_not(None)),
    )


def save_policy(
    session: Session,
    actor: Actor,
    company_id: int,
    *,
    policy: str,
    groups: tuple[str, ...],
    phone_types: tuple[str, ...],
) -> str:
    """Save the import policy and phone types (audited as a settings change); they apply from the next sync."""
    require(actor, Permission.EDIT_COMPANY, company_id)
    if policy not in POLICIES:
        raise CompanyError(f"Pick one of the import policies: {', '.join(POLICIES.values())}.")
    groups = tuple(dict.fromkeys(g.strip() for g in groups if g.strip()))
    if policy == "groups" and not groups:
        raise CompanyError("Pick at least one contact group for the “selected contact groups” policy.")
    if not phone_types or set(phone_types) - set(PHONE_TYPES):
        raise CompanyError(f"Pick at least one phone type to import, from {', '.join(PHONE_TYPES)}.")
    current = settings_of(companies.get(session, actor, company_id))
    changed = companies.change_settings(
        session,
        actor,
        company_id,
        contact_import_policy=policy,
        import_groups=groups if policy == "groups" else current.import_groups,
        phone_types=tuple(t for t in PHONE_TYPES if t in phone_types),
    )
    return applied_at_next_sync(session, actor, company_id) if changed else "Nothing changed."


def applied_at_next_sync(session: Session, actor: Actor, company_id: int) -> str:
    """A contacts setting was saved: a full pass over the company's contacts is asked for, so it applies to every
    one of them (a poll only sees contacts changed in Xero since the last one). Says when it applies."""
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        return "Saved. It applies once the company is connected to Xero."
    if runs.under_way(session, company_id, ("contacts_import",)):
        return "Saved. The import under way uses it from its next page."
    runs.request(session, company_id=company_id, job="contacts_reconcile", requested_by=actor.user_id)
    return "Saved. The next sync (asked for now) applies it to every contact; it runs within a minute."
