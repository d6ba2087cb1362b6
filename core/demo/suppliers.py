"""The demo's supplier edit: a platform supplier's details in a form, and the change sent as the platform sends it (a
supplier.changed event through core.platform_api.events), so the stakeholder demo shows a change travel to Xero."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.companies import settings_of
from core.contacts.actions import ContactError
from core.models.base import Company
from core.models.platform import PlatformContact
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError


@dataclass(frozen=True)
class SupplierForm:
    """A supplier's details as the demo's edit form shows them."""

    id: int
    platform_id: str
    name: str
    email: str
    phone: str
    bank_account: str
    xero_contact_id: str | None


def _supplier(session: Session, company_id: int, contact_id: int) -> PlatformContact:
    contact = session.get(PlatformContact, contact_id)
    if contact is None or contact.company_id != company_id:
        raise ContactError("That supplier is not in this company. Reload the page and pick it again.")
    if not contact.is_supplier or not contact.platform_id:
        raise ContactError(f"{contact.name} is not a supplier, so the supplier form cannot change it.")
    company = session.get(Company, company_id)
    if company is None or not settings_of(company).platform_owns(True):
        raise ContactError(
            f"Xero owns this company's supplier details (Company settings), so {contact.name} is changed in Xero."
        )
    return contact


def supplier_form(session: Session, actor: Actor, company_id: int, contact_id: int) -> SupplierForm:
    """The supplier's current details, to fill the demo's edit form."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    contact = _supplier(session, company_id, contact_id)
    phones = contact.phones or []
    return SupplierForm(
        id=contact.id,
        platform_id=contact.platform_id or "",
        name=contact.name,
        email=contact.email or "",
        phone=phones[0].get("number", "") if phones else "",
        bank_account=contact.bank_account or "",
        xero_contact_id=contact.xero_contact_id,
    )


FIELD_WORDS = {"name": "Name", "email": "Email", "phones": "Phone", "bank_account": "Bank account"}


def edit_supplier(
    session: Session,
    actor: Actor,
    company_id: int,
    contact_id: int,
    *,
    name: str,
    email: str,
    phone: str,
    bank_account: str,
) -> dict[str, Any]:
    """The demo's supplier edit, sent as the platform sends it (a supplier.changed event): the change and its
    outbox entry are recorded together, and the sidecar pushes it to Xero within seconds."""
    require(actor, Permission.EDIT_MAPPINGS, company_id)
    contact = _supplier(session, company_id, contact_id)
    phones = [dict(p) for p in contact.phones or []]
    if phone.strip():
        first = {"type": phones[0].get("type", "MOBILE") if phones else "MOBILE", "number": phone.strip()}
        phones = [first, *phones[1:]]
    else:
        phones = phones[1:]
    data = {
        "supplier_id": contact.platform_id,
        "name": name,
        "email": email,
        "phones": [{"type": p.get("type", "DEFAULT"), "number": p.get("number", "")} for p in phones],
        "bank_account": bank_account,
    }
    try:
        result = platform.handle(
            session,
            company_id=company_id,
            event_id=f"hub-edit-{contact.id}-{secrets.token_hex(8)}",
            kind="supplier.changed",
            data=data,
        )
    except PlatformInputError as exc:
        name_of = FIELD_WORDS.get(exc.field.removeprefix("data.").split(".")[0].split("[")[0], exc.field)
        raise ContactError(f"{name_of}: {exc.message}. Nothing was changed.") from None
    if result["changed"]:
        audit.record(
            session,
            actor=actor,
            action="supplier_edited",
            company_id=company_id,
            target=contact.name,
            after={"fields": ", ".join(result["changed"]), "sync": result["sync"]},
        )
    return result
