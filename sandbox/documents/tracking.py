"""Tracking on document lines: each element names a tracking category and one of its options, by id or by name
(ignoring case), and is stored as Xero returns it: both ids and both names. An unknown or archived option, or two
options of one category on a line, is refused (LineItem.Tracking, at most two; xero_accounting.yaml
LineItemTracking)."""

from __future__ import annotations

from typing import Any


def _pick(items: list[dict[str, Any]], id_key: str, id_value: Any, name_key: str, name: Any) -> dict[str, Any] | None:
    if id_value:
        return next((i for i in items if str(i.get(id_key, "")).lower() == str(id_value).lower()), None)
    return next((i for i in items if str(i.get(name_key, "")).lower() == str(name or "").strip().lower()), None)


def resolve(categories: list[dict[str, Any]], sent: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The line's Tracking as Xero stores it, and why it is refused."""
    shown: list[dict[str, Any]] = []
    errors: list[str] = []
    for item in sent if isinstance(sent, list) else []:
        if not isinstance(item, dict):
            errors.append("Each tracking item must be a JSON object.")
            continue
        category = _pick(categories, "TrackingCategoryID", item.get("TrackingCategoryID"), "Name", item.get("Name"))
        if category is None or category.get("Status") == "DELETED":
            errors.append(
                f"The tracking category '{item.get('Name') or item.get('TrackingCategoryID')}' does not exist."
            )
            continue
        options = category.get("Options") or []
        option = _pick(options, "TrackingOptionID", item.get("TrackingOptionID"), "Name", item.get("Option"))
        said = item.get("Option") or item.get("TrackingOptionID")
        if option is None or option.get("Status") == "DELETED":
            errors.append(f"The tracking option '{said}' does not exist in the tracking category '{category['Name']}'.")
            continue
        if option.get("Status") != "ACTIVE" or category.get("Status") != "ACTIVE":
            errors.append(f"The tracking option '{option['Name']}' of '{category['Name']}' is archived.")
            continue
        if any(s["TrackingCategoryID"] == category["TrackingCategoryID"] for s in shown):
            errors.append(f"A line item can only have one option for the tracking category '{category['Name']}'.")
            continue
        shown.append(
            {
                "Name": category["Name"],
                "Option": option["Name"],
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
            }
        )
    return shown, errors
