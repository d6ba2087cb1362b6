"""Every table the hub has: importing this registers all model modules on one metadata (Alembic and tests use it)."""

from __future__ import annotations

from core.models.base import Base

__all__ = ["Base"]
