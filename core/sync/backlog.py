"""A company's whole backlog at once: held on a disconnect, released on a reconnect, discarded on a remove, due
again as soon as its organisation answers again, and counted; and the leases of sidecars that are gone."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import clock
from core.models.sync import OutboxEntry, OutboxState

# Changes that failed more often than this keep their own back-off when the organisation answers again: one that
# fails on its own (not with the organisation) is not tried again at every turn of the others.
RECOVER_UP_TO_FAILURES = 8


def release_leases(session: Session, owners: list[str]) -> int:
    """Sidecars that stopped or died hold these leases: free them now (the entries are claimed again at once)."""
    if not owners:
        return 0
    now = clock.now()
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.state == OutboxState.LEASED, OutboxEntry.lease_owner.in_(owners))
        .values(lease_until=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def recovered(session: Session, company_id: int) -> int:
    """The organisation answered again (a change went through): what backs off after an outage or a pause is due
    now, instead of at the end of a back-off that grew while Xero was away. Returns how many."""
    now = clock.now()
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.company_id == company_id,
            OutboxEntry.state == OutboxState.PENDING,
            OutboxEntry.not_before > now,
            OutboxEntry.failures.between(1, RECOVER_UP_TO_FAILURES),
        )
        .values(not_before=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def hold_company(session: Session, company_id: int) -> int:
    """Disconnect: every waiting entry of the company is held (kept, not pushed). An entry in flight is left to
    its worker, so the push it is making is recorded, not lost."""
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.company_id == company_id, OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.FAILED)))
        .values(state=OutboxState.HELD, updated_at=clock.now())
    )
    return result.rowcount or 0


def release_company(session: Session, company_id: int) -> int:
    """Reconnect to the same organisation: held entries go back in the queue."""
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.company_id == company_id, OutboxEntry.state == OutboxState.HELD)
        .values(state=OutboxState.PENDING, not_before=clock.now(), updated_at=clock.now())
    )
    return result.rowcount or 0


def discard_company(session: Session, company_id: int) -> list[int]:
    """Remove: waiting entries are discarded (kept for the record, listed to the user, never pushed); an entry in
    flight is left to its worker."""
    ids = list(
        session.scalars(
            select(OutboxEntry.id).where(
                OutboxEntry.company_id == company_id,
                OutboxEntry.state.in_((OutboxState.PENDING, OutboxState.HELD, OutboxState.FAILED)),
            )
        )
    )
    if ids:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids))
            .values(state=OutboxState.DISCARDED, lease_owner=None, lease_until=None, updated_at=clock.now())
        )
    return ids


def counts(session: Session, company_id: int | None = None) -> dict[OutboxState, int]:
    """How many entries are in each state (for the overview)."""
    query = select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)
    if company_id is not None:
        query = query.where(OutboxEntry.company_id == company_id)
    return {state: n for state, n in session.execute(query)}
