"""A line's `tracking`: the platform's dimensions (such as department and region) and the line's value of each,
mapped per company to Xero tracking options on the Mappings page. Declared like the other fields
(core.platform_api.checks): reading it names the field of every refusal, and it describes itself as JSON Schema."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.platform_api.checks import PlatformInputError, Text

MOST = 2  # Xero puts at most two tracking categories on a line (xero-api-facts.md §5.3)
KEY_LIMIT = 30
VALUE_LIMIT = 64
_KEY = re.compile(r"[a-z][a-z0-9_]*")
KEY_PATTERN = f"^{_KEY.pattern}$"


def key_problem(key: str) -> str | None:
    """Why this is not a dimension's name, or None."""
    if not 1 <= len(key) <= KEY_LIMIT:
        return f"must be 1 to {KEY_LIMIT} characters"
    if not _KEY.fullmatch(key):
        return "must be lower-case letters, digits and underscores, starting with a letter (such as department)"
    return None


@dataclass(frozen=True)
class Dimensions:
    """A JSON object of at most two dimensions, each name → the line's value (text); empty or null: none."""

    required: bool = False
    doc: str = ""

    def read(self, value: Any, path: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise PlatformInputError(path, 'must be a JSON object of dimension → value, such as {"region": "North"}')
        if len(value) > MOST:
            raise PlatformInputError(
                path,
                f"may hold at most {MOST} dimensions (Xero takes two tracking categories per line), not {len(value)}",
            )
        found = {}
        for key in sorted(value):
            wrong = key_problem(key)
            if wrong:
                shown = key if len(key) <= KEY_LIMIT else f"{key[:KEY_LIMIT]}…"
                raise PlatformInputError(f"{path}.{shown}", f"is not a dimension: its name {wrong}")
            found[key] = Text(VALUE_LIMIT, required=True).read(value[key], f"{path}.{key}")
        return found

    def schema(self) -> dict[str, Any]:
        found = {
            "type": ["object", "null"],
            "maxProperties": MOST,
            "propertyNames": {"pattern": KEY_PATTERN, "maxLength": KEY_LIMIT},
            "additionalProperties": Text(VALUE_LIMIT, required=True).schema(),
        }
        return {**found, "description": self.doc} if self.doc else found
