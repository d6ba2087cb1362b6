"""Every table the hub has: importing this registers all model modules on one metadata (Alembic and tests use it)."""

from __future__ import annotations

from core import models_contacts, models_mappings, models_notify, models_platform, models_sync  # noqa: F401 - imported for their tables
from core.models import Base

__all__ = ["Base"]
