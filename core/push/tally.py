"""The tally of a push turn, and how many tries before a Xero blip shows as a sync error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# A Xero outage is an error a person sees only once it lasts: a blip retries quietly.
QUIET_ATTEMPTS = 3


@dataclass
class Tally:
    """Records sent, refused by Xero (or the check before it), and waiting to retry; `noun` names the records."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0
    noun: ClassVar[str] = "changes"
    retry_word: ClassVar[str] = "to retry"  # how the waiting ones are named

    def add(self, other: Tally) -> None:
        self.sent, self.failed, self.waiting = (
            self.sent + other.sent,
            self.failed + other.failed,
            self.waiting + other.waiting,
        )

    def __str__(self) -> str:
        return f"{self.sent} {self.noun} sent to Xero, {self.failed} refused, {self.waiting} {self.retry_word}"
