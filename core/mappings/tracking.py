"""Tracking mappings (pure): a value of one of the platform's line dimensions (`tracking` on a line, such as
{"department": "Sales"}) → a Xero tracking option, per dimension. What may be mapped, what is suggested (names that
match, ignoring case), and how a CSV row names an option (its category and option names, or its id).

Xero puts at most two tracking categories on a line, one option of each
(https://developer.xero.com/documentation/api/accounting/types#lineitems, xero-api-facts.md §5.3)."""

from __future__ import annotations

from core.mappings.reference import Reference, TrackingOption
from core.models.mappings import MappingKind
from core.platform_api.dimensions import VALUE_LIMIT, key_problem

# A CSV row names its option as category and option; inside a Change they travel joined by this (never in a name).
NAME_JOIN = "\x1f"
_REFRESH = "press \u201cRefresh from Xero\u201d here"


def check_tracking(reference: Reference, dimension: str, value: str, target: str | None) -> str | None:
    """Why this dimension value cannot map to this tracking option, or None when it can (None target: a removal)."""
    wrong = key_problem(dimension)
    if wrong:
        return f"The dimension {dimension!r} {wrong}."
    if not value.strip() or len(value) > VALUE_LIMIT:
        return f"A dimension value must hold 1 to {VALUE_LIMIT} characters."
    if target is None:
        return None
    option = reference.option(target) if NAME_JOIN not in target else None
    if option is None:
        named = target.replace(NAME_JOIN, ": ")
        return (
            f"Tracking option {named!r} is not among the organisation's tracking categories as last read from Xero "
            f"(it may have been deleted or renamed there). Pick one from the list, or {_REFRESH} if it was added "
            "just now."
        )
    if not option.active:
        return (
            f"Xero's tracking option {option.label} is {option.state}, and Xero refuses it on new lines. Pick an "
            "active option, or restore this one in Xero (Settings \u2192 Tracking categories) and refresh."
        )
    return None


def choices(reference: Reference) -> list[TrackingOption]:
    """Every active tracking option, by category and option name."""
    return sorted((o for o in reference.tracking if o.active), key=lambda o: (o.category.lower(), o.name.lower()))


def target_of(reference: Reference, category: str, option: str) -> str:
    """The option id a CSV row means by its category and option names (ignoring case), or an id given as is; the
    names joined when nothing matches (the check then says so)."""
    if not category.strip() and reference.option(option.strip()) is not None:
        return option.strip()
    found = [
        o
        for o in reference.tracking
        if o.category.lower() == category.strip().lower() and o.name.lower() == option.strip().lower()
    ]
    found.sort(key=lambda o: not o.active)  # an active option before an archived one of the same name
    return found[0].option_id if found else f"{category.strip()}{NAME_JOIN}{option.strip()}"


def suggest(reference: Reference, dimension: str, value: str) -> str | None:
    """The active option named as the value (ignoring case): in the category named as the dimension when there is
    one, else the only such option in any category; None when there is no match or more than one."""
    named = [o for o in choices(reference) if o.name.lower() == value.strip().lower()]
    same_category = [o for o in named if o.category.lower() == dimension.replace("_", " ").lower()]
    picked = same_category or named
    return picked[0].option_id if len(picked) == 1 else None


def suggestions(
    reference: Reference, dimensions: tuple[tuple[str, str], ...], existing: dict[tuple[str, str, str], str]
) -> list[tuple[str, str, str]]:
    """(dimension, value, option id) for every dimension value without a mapping whose name matches an option."""
    found = []
    for dimension, value in dimensions:
        if (MappingKind.TRACKING.value, dimension, value) in existing:
            continue
        option = suggest(reference, dimension, value)
        if option is not None:
            found.append((dimension, value, option))
    return found
