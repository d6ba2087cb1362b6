"""Contacts pull, the executor's writes: one page of planned actions applied in the caller's transaction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.alerts import notify
from core.contacts import erasure
from core.contacts.pull_plan import FIELDS, Action, Held, Known, index
from core.contacts.xero_contact import XeroContact, imported_platform_id
from core.db import bulk_insert, insert_if_missing, upsert
from core.models.contacts import ContactHistory, MatchReview, ReviewStatus, XeroContactSeen
from core.models.platform import CONTACT_FIELDS, Origin, PlatformContact
from core.models.sync import OutboxEntry, OutboxState
from core.sync import errors, outbox
from core.sync.errors import EntityRef


def held(contact: PlatformContact) -> Held:
    return Held(
        id=contact.id,
        platform_id=contact.platform_id,
        xero_id=contact.xero_contact_id,
        is_supplier=contact.is_supplier,
        is_customer=contact.is_customer,
        values=contact.snapshot(),
        email=contact.email,
        phones=tuple(p.get("number", "") for p in contact.phones or []),
    )


class Unlinked:
    """The company's platform contacts not linked to Xero yet, loaded once per run (they are what can match), and
    those this run linked (a second Xero contact matching one of them is a near-duplicate, not a new contact)."""

    def __init__(self, session: Session, company_id: int) -> None:
        rows = session.scalars(
            select(PlatformContact).where(
                PlatformContact.company_id == company_id, PlatformContact.xero_contact_id.is_(None)
            )
        )
        self.contacts = {c.id: held(c) for c in rows}
        self.linked_here: dict[int, Held] = {}

    def known(self, session: Session, company_id: int, page: list[XeroContact]) -> Known:
        """The index for one page: unlinked contacts, and linked ones sharing this page's ids or emails."""
        ids = [x.xero_id for x in page if x.xero_id]
        given = {str(x.values["email"]) for x in page if x.values.get("email")}
        # Two indexed lookups (an OR of both would scan every linked contact of the company on every page):
        # contacts linked to this page's Xero contacts, and linked ones sharing an email (as given, or lower case).
        by_id = select(PlatformContact).where(
            PlatformContact.company_id == company_id, PlatformContact.xero_contact_id.in_(ids)
        )
        by_email = select(PlatformContact).where(
            PlatformContact.company_id == company_id,
            PlatformContact.email.in_(sorted(given | {e.lower() for e in given})),
            PlatformContact.xero_contact_id.is_not(None),
        )
        found = {h.id: h for h in (*self.contacts.values(), *self.linked_here.values())}
        for query in (by_id, by_email):
            found.update({c.id: held(c) for c in session.scalars(query)})
        return index(list(found.values()))

    def taken(self, contact: PlatformContact) -> None:
        self.contacts.pop(contact.id, None)
        self.linked_here[contact.id] = held(contact)


def _history(session: Session, contact: PlatformContact, source: str, changes: dict[str, Any], note: str = "") -> None:
    if changes or note:
        session.add(
            ContactHistory(
                contact_id=contact.id,
                company_id=contact.company_id,
                at=clock.now(),
                source=source,
                changes={k: {"from": getattr(contact, k, None), "to": v} for k, v in changes.items()},
                note=note or None,
            )
        )


def _from_xero(contact: PlatformContact, xero: XeroContact) -> None:
    """What the hub keeps from Xero on every linked contact, whoever owns its details."""
    contact.xero_contact_id = xero.xero_id
    contact.xero_status = "ARCHIVED" if xero.archived else "ACTIVE"
    contact.xero_updated_at = xero.updated_at
    contact.groups = list(xero.groups)
    contact.outside_policy = False
    contact.last_synced_at = clock.now()
    if contact.origin is Origin.XERO:  # Xero's own contacts take Xero's roles (they can change silently there)
        contact.is_supplier, contact.is_customer = xero.is_supplier, xero.is_customer


def _take(contact: PlatformContact, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        setattr(contact, key, value)
    if changes:
        contact.version += 1
        contact.changed_at = clock.now()


def _archived(session: Session, contact: PlatformContact, xero: XeroContact) -> None:
    """A linked contact archived in Xero is a sync error a person acts on; restored, the error resolves."""
    entity = EntityRef("contact", str(contact.id), contact.name)
    if xero.archived:
        error = errors.record(
            session,
            company_id=contact.company_id,
            code="contact_archived",
            entity=entity,
            detail=f"{contact.name} is archived in Xero, so changes to it cannot be sent.",
        )
        if error.occurrences == 1:  # heard about once, in the next digest email
            notify.alert(
                session,
                company_id=contact.company_id,
                kind="contact_failed",
                summary=f"{contact.name} was archived in Xero: changes to it cannot be sent until it is restored.",
                link="/contacts",
            )
    # Restored in Xero (as far as the hub knew, it was archived): the error goes, unless a change it stopped still
    # waits. Checked only on that transition, so a reconcile of many linked contacts costs no query per contact.
    elif contact.xero_status == "ARCHIVED" and not _change_stopped(session, contact):
        errors.resolve_for_entity(
            session,
            company_id=contact.company_id,
            entity_type="contact",
            entity_id=entity.id,
            cause="contact_archived",
        )


def _change_stopped(session: Session, contact: PlatformContact) -> bool:
    """A change the archive stopped still waits, failed: its error stays open until a person retries it (Sync errors
    page) and the push resolves it, so the error never disappears with the change unsent."""
    found = session.scalar(
        select(OutboxEntry.id)
        .where(
            OutboxEntry.company_id == contact.company_id,
            OutboxEntry.entity_type == "contact",
            OutboxEntry.entity_id == str(contact.id),
            OutboxEntry.state == OutboxState.FAILED,
        )
        .limit(1)
    )
    return found is not None


def seen(session: Session, company_id: int, page: list[XeroContact]) -> None:
    """Remember every contact of the page, imported or not, for the import-policy preview."""
    now = clock.now()
    rows = {
        x.xero_id: {
            "company_id": company_id,
            "xero_contact_id": x.xero_id,
            "name": x.values["name"],
            "is_supplier": x.is_supplier,
            "is_customer": x.is_customer,
            "archived": x.archived,
            "groups": list(x.groups),
            "seen_at": now,
        }
        for x in page
        if x.xero_id
    }
    upsert(session, XeroContactSeen.__table__, list(rows.values()), keys=("company_id", "xero_contact_id"))


def _new_row(company_id: int, xero: XeroContact, now: datetime) -> dict[str, Any]:
    """A contact that exists only in Xero, as a row: a platform record with its own platform id, linked, with what
    Xero holds as its synced snapshot."""
    row = {
        "company_id": company_id,
        "platform_id": imported_platform_id(xero.xero_id),
        "origin": Origin.XERO,
        "is_supplier": xero.is_supplier,
        "is_customer": xero.is_customer,
        "archived": xero.archived,
        "version": 1,
        "created_at": now,
        "changed_at": now,
        "xero_contact_id": xero.xero_id,
        "xero_status": "ARCHIVED" if xero.archived else "ACTIVE",
        "xero_updated_at": xero.updated_at,
        "groups": list(xero.groups),
        "outside_policy": False,
        "last_synced_at": now,
        # Every row names the same columns (one multi-row insert), whatever the Xero contact carried.
        **{name: xero.values.get(name) for name in FIELDS},
    }
    row["phones"], row["addresses"] = row["phones"] or [], row["addresses"] or []
    row["synced_snapshot"] = {name: row[name] for name in CONTACT_FIELDS}
    return row


def apply(session: Session, company_id: int, actions: list[Action], unlinked: Unlinked) -> Counter[str]:
    """Apply one page's actions; return how many of each kind."""
    done: Counter[str] = Counter()
    now = clock.now()
    seen(session, company_id, [a.xero for a in actions])
    creates: list[dict[str, Any]] = []
    for action in actions:
        # Found as it was (a reconnect's import, a reconcile): neither refreshed nor differing, just the same.
        done["same" if action.kind in ("refresh", "drift") and not action.changes else action.kind] += 1
        xero = action.xero
        if action.kind == "create":
            creates.append(_new_row(company_id, xero, now))
            continue
        if action.kind == "review":
            insert_if_missing(
                session,
                MatchReview.__table__,
                {
                    "company_id": company_id,
                    "xero_contact_id": xero.xero_id,
                    "xero_name": xero.values["name"],
                    "xero_contact": {**xero.values, "is_supplier": xero.is_supplier, "is_customer": xero.is_customer},
                    "candidate_ids": list(action.candidates),
                    "reason": action.reason[:255],
                    "status": ReviewStatus.OPEN.value,
                    "created_at": now,
                },
            )
            continue
        if action.contact_id is None or action.kind == "skip":
            continue
        contact = session.get(PlatformContact, action.contact_id)
        if contact is None:
            continue
        if action.kind == "outside":
            contact.outside_policy = True
            continue
        if action.kind == "erase":  # a GDPR request in Xero: the row stays only as the link, a tombstone
            contact.xero_contact_id = contact.xero_contact_id or xero.xero_id
            erasure.erase_contact(session, contact)
            unlinked.taken(contact)
            continue
        if action.kind == "relink":
            _history(session, contact, "relink", {}, f"Merged in Xero into contact {xero.merged_into}")
            contact.xero_contact_id = xero.merged_into
            continue
        if action.kind == "link":
            _history(session, contact, "xero_first_link", action.changes)  # DESIGN: Xero's details fill it once
            _take(contact, action.changes)
            contact.xero_contact_id = xero.xero_id
            unlinked.taken(contact)
            # A create still waiting would make a second Xero contact; Xero's details filled the record instead.
            outbox.settle_creates(session, company_id=company_id, entity_id=str(contact.id), xero_id=xero.xero_id)
        elif action.kind == "claim":  # the hub's own create, found in Xero: what Xero holds is recorded, not taken
            _history(session, contact, "xero_claimed", {}, "Our create was found in Xero; the platform's values stay")
            unlinked.taken(contact)
        elif action.kind == "refresh":
            _history(session, contact, "xero_update", action.changes)
            _take(contact, action.changes)
            contact.drift = None
        elif action.kind == "drift":
            contact.drift = action.changes or None
        _archived(session, contact, xero)
        _from_xero(contact, xero)
        if action.kind == "claim":
            contact.synced_snapshot = {**contact.snapshot(), **xero.held()}
        elif action.kind != "drift":
            contact.synced_snapshot = contact.snapshot()
    if creates:  # one multi-row insert per page: a big import is mostly new contacts
        bulk_insert(session, PlatformContact.__table__, creates)
    session.flush()
    return done
