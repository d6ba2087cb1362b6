"""Every table the hub has: importing this registers all model modules on one metadata (Alembic and tests use it)."""

from __future__ import annotations

from core.models import alerts, contacts, mappings, platform, sync
from core.models.base import Base

__all__ = ["Base", "alerts", "contacts", "mappings", "platform", "sync"]
