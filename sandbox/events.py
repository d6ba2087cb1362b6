"""Changes that Xero would announce by webhook: recorded here, delivered by the webhook sender."""

from __future__ import annotations

from sandbox.store import Store


def record(store: Store, tenant_id: str, category: str, resource_id: str, *, created: bool) -> None:
    """Note a CREATE or UPDATE of a contact, invoice or credit note (delivery comes with webhooks)."""
    with store.tx() as db:
        db.execute(
            "INSERT INTO events (tenant_id, category, resource_id, event_type, at_ms) VALUES (?, ?, ?, ?, ?)",
            (tenant_id, category, resource_id, "CREATE" if created else "UPDATE", store.now_ms()),
        )
