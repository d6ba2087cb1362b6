"""Who owns a contact's details after the import, a company setting: what a change would do, then saving it.

The owner's values win when the two sides differ: the platform's (Xero's differing values are kept beside ours as
drift, shown on the Contacts page) or Xero's (its edits flow into the platform). By role, the default, suppliers and
contacts that are both are the platform's and customer-only contacts are Xero's (`companies.platform_owns`). The
pull plan applies it; a change applies to every contact at the next sync.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import companies
from core.auth import Actor, Permission, require
from core.companies import OWNERSHIPS, CompanyError, platform_owns, settings_of
from core.contacts.import_policy import applied_at_next_sync
from core.models.platform import PlatformContact
from core.text import plural


def _in_drift(session: Session, company_id: int) -> dict[bool, int]:
    """Linked contacts whose Xero values differ from ours now, by whether they are suppliers."""
    rows = session.execute(
        select(PlatformContact.is_supplier, func.count())
        .where(PlatformContact.company_id == company_id, PlatformContact.drift.is_not(None))
        .group_by(PlatformContact.is_supplier)
    ).all()
    return {bool(supplier): n for supplier, n in rows}


def effect(session: Session, actor: Actor, company_id: int, wanted: str) -> str:
    """What saving `wanted` would do, in words a finance manager reads before saving."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    if wanted not in OWNERSHIPS:
        raise CompanyError(f"Pick one of: {', '.join(OWNERSHIPS.values())}")
    current = settings_of(companies.get(session, actor, company_id)).contact_ownership
    if wanted == current:
        return "This is the current setting."
    drift = _in_drift(session, company_id)
    given_up = sum(n for supplier, n in drift.items() if not platform_owns(supplier, wanted))
    taken = [w for supplier, w in ((True, "suppliers"), (False, "customer-only contacts"))
             if platform_owns(supplier, wanted) and not platform_owns(supplier, current)]  # fmt: skip
    words = []
    if given_up:
        differs = plural(given_up, "contact differs", "contacts differ")
        words.append(f"{differs} from Xero now: Xero's values replace the platform's at the next sync.")
    else:
        words.append("No contact differs from Xero now, so nothing is replaced.")
    if taken:
        words.append(f"From then on, edits made in Xero to {' and '.join(taken)} show as differences and never "
                     "overwrite the platform's values.")  # fmt: skip
    else:
        words.append("From then on, edits made in Xero flow into the platform for the contacts Xero owns.")
    return " ".join(words)


def save(session: Session, actor: Actor, company_id: int, ownership: str) -> str:
    """Save who owns contact details (audited as a settings change); it applies to every contact at the next sync."""
    require(actor, Permission.EDIT_COMPANY, company_id)
    if ownership not in OWNERSHIPS:
        raise CompanyError(f"Pick one of: {', '.join(OWNERSHIPS.values())}")
    if not companies.change_settings(session, actor, company_id, contact_ownership=ownership):
        return "Nothing changed."
    return applied_at_next_sync(session, actor, company_id)
