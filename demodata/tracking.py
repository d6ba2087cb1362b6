"""Tracking categories of a generated organisation: the two most organisations set up first (stdlib only)."""

from __future__ import annotations

import random

from demodata.numbers import uuid4

# Xero allows two active tracking categories per organisation; these are the usual first two.
CATEGORIES = (("Region", ("North", "South")), ("Department", ("Sales", "Operations")))


def build_tracking_categories(rng: random.Random) -> list[dict]:
    """Xero TrackingCategory objects, each with its options, all active."""
    found = []
    for name, options in CATEGORIES:
        category_id = uuid4(rng)
        found.append(
            {
                "TrackingCategoryID": category_id,
                "Name": name,
                "Status": "ACTIVE",
                "Options": [{"TrackingOptionID": uuid4(rng), "Name": option, "Status": "ACTIVE"} for option in options],
            }
        )
    return found
