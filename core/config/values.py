"""A setting that must never be shown, and the error a bad setting raises."""

from __future__ import annotations

from dataclasses import dataclass, field


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Secret:
    """A value that must never be printed or logged: it shows as ***."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self.value)
