"""The platform API's OpenAPI document says what the code does: every route and event type is in it, each field's
schema takes exactly the values its check takes, and the README lists the same routes, event types and fields."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from core.models.platform import CONTACT_FIELDS
from core.platform_api import events
from core.platform_api.checks import Amount, Choice, Currency, Day, Email, Flag, Items, PlatformInputError, Shape, Text
from core.platform_api.openapi import OPERATIONS, PREFIX, REFUSALS, document
from core.platform_api.shapes import CONTACT, EVENTS
from core.settings import PROJECT_ROOT
from web.api_routes import ROUTES


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(document())
    assert document()["openapi"] == "3.1.0"


def test_every_api_route_is_in_the_document_and_every_documented_one_is_routed() -> None:
    routed = {
        (method, route.path)
        for route in ROUTES
        if isinstance(route, Route) and "{rest:path}" not in route.path and route.path != PREFIX
        for method in (route.methods or ()) - {"HEAD"}
    }
    documented = {(method.upper(), path) for path, item in document()["paths"].items() for method in item}
    assert routed == documented
    assert all(route.path.startswith(PREFIX) for route in ROUTES if isinstance(route, Route))


def test_every_event_type_is_in_the_document() -> None:
    (events_path,) = [op.path for op in OPERATIONS if op.name == "post_event"]
    body = document()["paths"][events_path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["discriminator"]["mapping"]) == set(events._handlers()) == set(EVENTS)
    assert set(CONTACT) == set(CONTACT_FIELDS), "every contact field the platform owns is declared"


def test_every_refusal_a_route_answers_is_documented_with_its_error_word() -> None:
    source = (PROJECT_ROOT / "web" / "api_routes.py").read_text()
    answered = set(re.findall(r"_error\((\d{3}), \"(\w+)\"", source))
    assert answered, "the routes answer through _error(status, word, …)"
    for status, word in answered:
        assert word in REFUSALS[int(status)][0], f"{status} {word} is not in the document"


def accepts(spec: Any, value: Any) -> bool:
    try:
        spec.read(value, "x")
    except PlatformInputError:
        return False
    return True


# Each declaration with values on both sides of its rules: its schema must take exactly the values its check takes.
CASES: list[tuple[str, Any, list[Any]]] = [
    ("text", Text(5), ["abc", "", "   ", None, "abcde", "abcdef", " abc ", 5, "a\x00b", "é" * 5, ["a"]]),
    ("required-text", Text(5, required=True), ["abc", "", "   ", None, "abcdef", " a ", "\x00", True]),
    ("filled-text", Text(5, filled=True), ["abc", "", "  ", None, "abcdef"]),
    ("email", Email(), ["a@b.co", "A@B.CO", "", None, "  ", " a@b.co", "a@b.co\n", "ab.co", "a@b", 7, "a@@b.co"]),
    ("choice", Choice(("DDI", "FAX")), ["DDI", "FAX", "ddi", " DDI", None, "", 3]),
    ("flag", Flag(), [True, False, None, 0, 1, "true"]),
    ("day", Day(), ["2026-11-02", "2026-02-30", "20261102", "2026-11-2", " 2026-11-02", None, "", 20261102]),
    ("required-day", Day(required=True), ["2026-11-02", None]),
    ("currency", Currency(), ["GBP", "gbp", "GB", "GBPX", "ÀÉÎ", None, "", 123, "GBP\n"]),
    (
        "amount",
        Amount(),
        [0, 1, -1, 1.5, 1.25, 1.255, 999_999_999_999.99, 1e12, -1e12, 1e27, 1e-7, None, "5", True, 10**15],
    ),
    ("quantity", Amount(places=4, required=False), [1.2345, 1.23456, None]),
    ("positive", Amount(above=Decimal(0)), [0, 0.01, -0.01, 5]),
    ("percentage", Amount(required=False, least=Decimal(0), most=Decimal(100)), [0, 100, 100.01, -0.01, 50.5]),
    (
        "shape",
        Shape({"a": Text(3, required=True), "b": Flag()}),
        [{"a": "x"}, {"a": "x", "b": True}, {}, {"b": True}, {"a": "x", "c": 1}, [], None, "a"],
    ),
    ("at-least-one", Shape({"a": Text(3)}, at_least_one=True), [{}, {"a": None}, {"a": "x"}]),
    (
        "items",
        Items(Shape({"a": Flag()}), limit=2, at_least=1),
        [[{"a": True}], [], [{"a": True}] * 3, [{}], [1], {"a": True}, None],
    ),
]


@pytest.mark.parametrize(("spec", "values"), [(spec, values) for _, spec, values in CASES], ids=[c[0] for c in CASES])
def test_each_fields_schema_takes_exactly_what_its_check_takes(spec: Any, values: list[Any]) -> None:
    # The validator Schemathesis uses: ECMA-262 patterns (no newline before $) and exact decimal multipleOf.
    validator = jsonschema_rs.validator_for(spec.schema(), validate_formats=True)
    for value in values:
        assert validator.is_valid(value) == accepts(spec, value), value


README = (PROJECT_ROOT / "README.md").read_text()
SECTION = README[README.index("## Platform API") : README.index("## Configuration")]


def test_the_readme_lists_the_documents_routes() -> None:
    listed = set(re.findall(r"^\| `(GET|POST|PUT)` \| `(/api/v1/[^`]+)` \|", SECTION, flags=re.MULTILINE))
    assert listed == {(op.method, op.path) for op in OPERATIONS}
    assert "`GET /api/v1/openapi.json`" in SECTION


def test_the_readme_lists_every_event_type_with_its_fields_and_the_required_ones_in_bold() -> None:
    rows = re.findall(r"^\| (`[a-z_]+\.[a-z_.]+`(?:, `[a-z_.]+`)*) \| (.+) \|$", SECTION, flags=re.MULTILINE)
    listed = {kind: fields for types, fields in rows for kind in re.findall(r"`([a-z_.]+)`", types)}
    assert set(listed) == set(EVENTS)
    for kind, event in EVENTS.items():
        for name, spec in event.data.fields.items():
            assert f"`{name}`" in listed[kind], f"{kind}: {name} is not listed"
            assert (f"**`{name}`**" in listed[kind]) == spec.required, f"{kind}: {name} bold when required"


def test_the_readme_names_every_refusal() -> None:
    for status, (words, _) in REFUSALS.items():
        for word in words:
            if word != "refused":  # any other refusal core makes: its message says why
                assert f"`{status} {word}`" in SECTION, f"{status} {word}"
