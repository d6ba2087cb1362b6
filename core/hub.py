"""One process's handle on the hub: its settings and its database, checked once before use."""

from __future__ import annotations

from dataclasses import dataclass, field

from core import clock, crypto, migrate, timeshift
from core.db import Database
from core.settings import Settings


@dataclass
class Hub:
    settings: Settings
    db: Database
    _ready: bool = field(default=False, repr=False)

    def ensure_ready(self) -> None:
        """Check the database is reachable, migrated and readable with our key (raises with advice)."""
        if self._ready:
            return
        self.db.check()
        migrate.require_current(self.db)
        with self.db.write() as session:
            crypto.check_key(session, self.settings)
        if self.settings.shared_clock:
            clock.share(lambda: timeshift.offset(self.db))
        self._ready = True


def open_hub(settings: Settings) -> Hub:
    """A hub handle for these settings (the database is opened lazily)."""
    return Hub(settings=settings, db=Database(settings.database_url.value))
