"""Where a change goes the moment it is recorded: queued while the company is connected, held while it is
disconnected, discarded after a remove, and nowhere when the company never linked Xero."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.sync import Connection, ConnectionState, OutboxState
from core.sync import outbox


def push_state(session: Session, company_id: int) -> tuple[int | None, OutboxState | None]:
    """Where a change goes: queued (connected), held (disconnected), discarded (removed) or nowhere (never linked)."""
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is ConnectionState.PENDING_CONFIRMATION:
        return None, None
    state = {ConnectionState.CONNECTED: OutboxState.PENDING, ConnectionState.REMOVED: OutboxState.DISCARDED}.get(
        connection.state, OutboxState.HELD
    )
    return connection.id, state


def queue(
    session: Session,
    company_id: int,
    entity_type: str,
    entity_id: int,
    version: int,
    operation: str,
    payload: dict[str, Any],
) -> str:
    """Put a change in the outbox as the connection's state allows; say what happened to it."""
    connection_id, state = push_state(session, company_id)
    if state is None:
        return "not connected"
    outbox.enqueue(
        session,
        company_id=company_id,
        entity_type=entity_type,
        entity_id=str(entity_id),
        version=version,
        operation=operation,
        payload=payload,
        connection_id=connection_id,
        state=state,
    )
    return {OutboxState.PENDING: "queued", OutboxState.HELD: "held", OutboxState.DISCARDED: "discarded"}[state]
