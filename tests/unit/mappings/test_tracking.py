"""Tracking mappings, the pure parts: what may be mapped, what is suggested, how a CSV row names an option, the
pre-flight check of a line's dimensions and the Tracking a line carries to Xero."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from core.documents.gather import usable
from core.documents.plan import element
from core.documents.preflight import ContactFacts, Lookups, Refusal, check
from core.mappings import csv_files, tracking
from core.mappings.reference import EMPTY, Reference, TrackingOption
from core.mappings.store import Problem, Resolved
from core.models.mappings import MappingKind
from core.models.platform import DocumentKind
from core.platform_api.checks import PlatformInputError
from core.platform_api.dimensions import Dimensions

NORTH = TrackingOption("o-north", "North", "ACTIVE", "c-region", "Region", "ACTIVE")
SOUTH = TrackingOption("o-south", "South", "ACTIVE", "c-region", "Region", "ACTIVE")
WEST = TrackingOption("o-west", "West", "ARCHIVED", "c-region", "Region", "ACTIVE")
SALES = TrackingOption("o-sales", "Sales", "ACTIVE", "c-dept", "Department", "ACTIVE")
SALES_AREA = TrackingOption("o-sales-area", "Sales", "ACTIVE", "c-area", "Area", "ACTIVE")
OLD = TrackingOption("o-old", "Old", "ACTIVE", "c-gone", "Projects", "ARCHIVED")
REF = replace(EMPTY, fetched_at=datetime(2026, 12, 1, tzinfo=UTC), tracking=(NORTH, SOUTH, WEST, SALES, OLD))


@pytest.mark.parametrize(
    ("dimension", "value", "target", "said"),
    [
        pytest.param("region", "North", "o-north", None, id="fits"),
        pytest.param("region", "North", "O-NORTH", None, id="id-in-any-case"),
        pytest.param("region", "North", None, None, id="removal"),
        pytest.param("region", "North", "o-west", "is archived", id="archived-option"),
        pytest.param("project", "Old", "o-old", "in a category that is archived", id="archived-category"),
        pytest.param("region", "North", "o-nope", "not among the organisation's tracking categories", id="unknown"),
        pytest.param("region", "North", "Region\x1fEast", "'Region: East' is not among", id="unknown-by-name"),
        pytest.param("Region", "North", "o-north", "lower-case letters", id="dimension-case"),
        pytest.param("region", "x" * 65, "o-north", "1 to 64 characters", id="value-too-long"),
    ],
)
def test_what_a_dimension_value_may_map_to(dimension: str, value: str, target: str | None, said: str | None) -> None:
    found = tracking.check_tracking(REF, dimension, value, target)
    assert found is None if said is None else said in (found or "")


@pytest.mark.parametrize(
    ("reference", "dimension", "value", "expected"),
    [
        pytest.param(REF, "region", "north", "o-north", id="name-ignoring-case"),
        pytest.param(REF, "team", "SALES", "o-sales", id="only-one-in-any-category"),
        pytest.param(replace(REF, tracking=(*REF.tracking, SALES_AREA)), "department", "Sales", "o-sales", id="cat"),
        pytest.param(replace(REF, tracking=(*REF.tracking, SALES_AREA)), "team", "Sales", None, id="ambiguous"),
        pytest.param(REF, "region", "West", None, id="archived-never"),
        pytest.param(REF, "region", "East", None, id="no-match"),
    ],
)
def test_suggestions_match_names_ignoring_case(reference: Reference, dimension: str, value: str, expected) -> None:
    assert tracking.suggest(reference, dimension, value) == expected


def test_a_csv_row_names_its_option_by_category_and_name_and_an_empty_one_removes() -> None:
    text = "dimension,value,tracking_category,tracking_option\nRegion,North,region,NORTH\nregion,South,,\n"
    changes, problems = csv_files.parse(MappingKind.TRACKING, text)
    assert problems == []
    assert [(c.scope, c.source, c.target) for c in changes] == [
        ("region", "North", "region\x1fNORTH"),
        ("region", "South", None),
    ]
    assert tracking.target_of(REF, "region", "NORTH") == "o-north"
    assert tracking.target_of(REF, "", "o-south") == "o-south"
    assert tracking.target_of(REF, "Region", "East") == "Region\x1fEast"
    _, wrong = csv_files.parse(MappingKind.TRACKING, "dimension,value,tracking_option\n")
    assert "tracking_category, tracking_option" in wrong[0]


@pytest.mark.parametrize(
    ("sent", "field", "said"),
    [
        pytest.param({"a": "1", "b": "2", "c": "3"}, "data.lines[0].tracking", "at most 2 dimensions", id="three"),
        pytest.param({"region": 5}, "data.lines[0].tracking.region", "must be text, not int", id="number"),
        pytest.param({"region": "N" * 65}, "data.lines[0].tracking.region", "at most 64 characters", id="long-value"),
        pytest.param({"region": " "}, "data.lines[0].tracking.region", "is required", id="blank"),
        pytest.param({"Region!": "N"}, "data.lines[0].tracking.Region!", "lower-case letters", id="bad-name"),
        pytest.param({"r" * 40: "N"}, "data.lines[0].tracking." + "r" * 30 + "\u2026", "1 to 30", id="long-name"),
        pytest.param(["region"], "data.lines[0].tracking", "must be a JSON object", id="list"),
    ],
)
def test_bad_tracking_is_refused_naming_the_field(sent: Any, field: str, said: str) -> None:
    with pytest.raises(PlatformInputError) as refused:
        Dimensions().read(sent, "data.lines[0].tracking")
    assert refused.value.field == field and said in refused.value.message


def test_good_tracking_is_read_trimmed_and_null_is_none() -> None:
    assert Dimensions().read({"region": " North ", "department": "Sales"}, "t") == {
        "department": "Sales",
        "region": "North",
    }
    assert Dimensions().read(None, "t") == {}


CONTACT = ContactFacts(3, "Ely Eggs Ltd", "xero-3", "ACTIVE")
LOOKUPS = Lookups(
    accounts={("sales_invoice", "Bread"): Resolved("200")},
    taxes={("sales_invoice", "VAT20", "Bread"): Resolved("OUTPUT2")},
    rates={"OUTPUT2": Decimal(20)},
    currencies=frozenset({"GBP"}),
    tracking={
        ("region", "North"): NORTH,
        ("region", "South"): SOUTH,
        ("department", "Sales"): SALES,
        ("area", "South"): SOUTH,
        ("region", "East"): Problem("missing_tracking_mapping", "The region 'East' has no Xero tracking option."),
        ("region", "West"): Problem("mapping_stale", "The region 'West' maps to Xero's tracking option Region: West."),
    },
)


def doc(tracking_values: dict[str, str]) -> dict[str, Any]:
    line = {
        "description": "Sourdough",
        "quantity": "1",
        "unit_amount": "10",
        "category": "Bread",
        "tax_rate": "VAT20",
        "tax_amount": "2.00",
        "line_amount": "10.00",
        "tracking": tracking_values,
    }
    return {"number": "INV-1", "currency": "GBP", "lines": [line], "total": "12.00", "issue_date": "2026-11-01"}


def test_a_mapped_line_carries_tracking_by_id_and_name() -> None:
    lines = check(DocumentKind.SALES_INVOICE, doc({"region": "North", "department": "Sales"}), CONTACT, LOOKUPS)
    assert not isinstance(lines, Refusal)
    body = element(DocumentKind.SALES_INVOICE, doc({}), "xero-3", lines)
    assert body["LineItems"][0]["Tracking"] == [
        {"TrackingCategoryID": "c-dept", "Name": "Department", "TrackingOptionID": "o-sales", "Option": "Sales"},
        {"TrackingCategoryID": "c-region", "Name": "Region", "TrackingOptionID": "o-north", "Option": "North"},
    ]
    untracked = check(DocumentKind.SALES_INVOICE, doc({}), CONTACT, LOOKUPS)
    assert not isinstance(untracked, Refusal)
    assert "Tracking" not in element(DocumentKind.SALES_INVOICE, doc({}), "xero-3", untracked)["LineItems"][0]


@pytest.mark.parametrize(
    ("values", "cause", "said"),
    [
        pytest.param({"region": "East"}, "missing_tracking_mapping", "line 1: The region 'East' has no", id="unmapped"),
        pytest.param({"region": "West"}, "mapping_stale", "Region: West", id="archived"),
        pytest.param({"region": "Nowhere"}, "preflight_failed", "was not looked up", id="not-looked-up"),
        pytest.param(
            {"region": "North", "area": "South"}, "preflight_failed", "one option per category", id="same-cat"
        ),
    ],
)
def test_a_line_whose_dimension_cannot_go_is_refused_naming_it(values: dict, cause: str, said: str) -> None:
    refused = check(DocumentKind.SALES_INVOICE, doc(values), CONTACT, LOOKUPS)
    assert isinstance(refused, Refusal) and refused.cause == cause and said in refused.detail


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        pytest.param(Resolved("O-NORTH"), NORTH, id="active"),
        pytest.param(Resolved("o-west"), "which is archived in Xero", id="archived"),
        pytest.param(Resolved("o-old"), "which is in a category that is archived in Xero", id="archived-category"),
        pytest.param(Resolved("o-gone"), "no longer in Xero (deleted there)", id="deleted"),
        pytest.param(Problem("missing_tracking_mapping", "not mapped"), "not mapped", id="unmapped"),
    ],
)
def test_a_mapped_option_is_usable_only_while_xero_still_has_it_active(found, expected) -> None:
    got = usable(REF, "region", "North", found)
    if isinstance(expected, TrackingOption):
        assert got == expected
    else:
        assert isinstance(got, Problem) and expected in got.message
        assert got.cause == ("mapping_stale" if isinstance(found, Resolved) else found.cause)
