"""Every way a Xero call can end, named by what the hub does next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class XeroProblem(Exception):
    """A Xero call that did not succeed; `cause` is the sync-error cause it becomes (core.sync.errors.CAUSES)."""

    cause = "hub_bug"

    def __init__(self, message: str, *, status: int | None = None, response: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.response = response
        # The call that got this answer, secrets removed (the client fills it in): stored with the sync error.
        self.request: dict[str, Any] | None = None


class RefreshAndRetry(XeroProblem):
    """The access token expired: refresh it once and repeat the call."""

    cause = "token_revoked"


class ReconnectNeeded(XeroProblem):
    """Xero no longer accepts this grant for the organisation: the connection needs a person to reconnect."""

    cause = "token_revoked"


class MissingScope(ReconnectNeeded):
    """The grant lacks a scope the call needs: reconnecting asks Xero for it."""


class RetryAfter(XeroProblem):
    """A rate limit: wait `seconds`, then carry on (nothing is wrong with the data)."""

    cause = "minute_budget"

    def __init__(self, message: str, *, seconds: int, problem: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.seconds = seconds
        self.problem = problem


class DailyBudgetSpent(RetryAfter):
    """The organisation's 5,000 calls for the day are used: stop until Xero's day resets."""

    cause = "daily_budget"


class ValidationFailed(XeroProblem):
    """Xero refused the data; `items` holds each refused element's messages."""

    cause = "validation"

    def __init__(self, message: str, *, items: list[ItemResult], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.items = items


class NotFound(XeroProblem):
    """The record is not in Xero (any more)."""

    cause = "validation"


class Transient(XeroProblem):
    """Xero is unavailable or failed on its side: retry later with backoff."""

    cause = "xero_outage"


class UncertainOutcome(Transient):
    """No answer to a write: Xero may or may not have saved it; look it up before retrying."""

    cause = "uncertain_timeout"


@dataclass(frozen=True)
class ItemResult:
    """One element of a batch write: saved (with its Xero JSON) or refused (with Xero's messages)."""

    ok: bool
    element: dict[str, Any]
    messages: tuple[str, ...] = field(default=())

    @property
    def warning(self) -> bool:
        return self.element.get("StatusAttributeString") == "WARNING"
