"""Validate simulator responses against a STRICT copy of Xero's official OpenAPI files.

Xero's schemas declare no `required` and allow unknown properties, so as published an empty object passes. This
module parses sandbox/xero-openapi/*.yaml (Xero's files, copied with their SOURCE.md) once, tightens a deep
copy in memory (tables and reasons in openapi_strict_fields.py) and validates responses with openapi-core against it:

    check_accounting("GET", "/Contacts", status=200, body=response.content)
    check_identity("GET", "/connections", status=200, body=response.content)
    check_identity_schema("AccessToken", body)  # the token endpoint is in neither spec file

Each raises AssertionError listing every problem (JSON path: message). Only the response is validated; the request
is there so the path and method resolve to an operation (an unknown one fails loudly).
"""

from __future__ import annotations

import copy
import functools
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from tests.sandbox import openapi_strict_fields as fields

SPEC_DIR = Path(__file__).resolve().parents[2] / "sandbox" / "xero-openapi"
ACCOUNTING_HOST, ACCOUNTING_BASE = "https://api.xero.com", "/api.xro/2.0"  # servers[0].url, split for openapi-core
IDENTITY_HOST = "https://api.xero.com"  # xero-identity.yaml servers[0].url (no base path)
STRICT = fields.STRICT
TIMINGS: dict[str, float] = {}  # seconds taken by each cached step the first (only) time it ran
_REF = "#/components/schemas/"


class _JsonYamlLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML as JSON would see it: unquoted timestamps in examples stay strings instead of becoming datetimes."""


_JsonYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def raw_spec(filename: str) -> dict[str, Any]:
    """The published file, parsed once (treat as read-only; the strict builders deep-copy it)."""
    started = time.perf_counter()
    with open(SPEC_DIR / filename, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_JsonYamlLoader)  # a SafeLoader subclass: no arbitrary objects
    TIMINGS[f"parse {filename}"] = time.perf_counter() - started
    return data


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _tighten(schemas: dict[str, Any], name: str, required: list[str], extra: dict[str, Any]) -> None:
    schema = schemas[name]
    schema.setdefault("properties", {}).update(copy.deepcopy(extra))
    for prop in schema["properties"].values():
        if prop.get("x-is-msdate") or prop.get("x-is-msdate-time"):
            prop["pattern"] = fields.MS_DATE_PATTERN
    unknown = set(required) - set(schema["properties"])
    assert not unknown, f"STRICT[{name!r}] requires fields the schema does not declare: {sorted(unknown)}"
    schema.update(type="object", additionalProperties=False, required=list(required))


def _walk(node: Any):
    """Every dict inside node (node included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _make_echo(schemas: dict[str, Any], name: str, strict_names: set[str]) -> None:
    echo = copy.deepcopy(schemas[name])
    echo.pop("required", None)
    for node in _walk(echo):
        target = node.get("$ref", "").removeprefix(_REF)
        if target in strict_names:
            node["$ref"] = _REF + target + "@echo"
        if node.get("pattern") == fields.MS_DATE_PATTERN:
            del node["pattern"]  # an echo repeats what was sent
    schemas[name + "@echo"] = echo


def _use(schemas: dict[str, Any], location: str, target: str | list[str]) -> None:
    parent, prop = location.rsplit(".", 1)
    targets = [target] if isinstance(target, str) else target
    assert parent in schemas, f"USES[{location!r}]: unknown schema {parent!r}"
    replacement = _ref(targets[0]) if len(targets) == 1 else {"anyOf": [_ref(t) for t in targets]}
    properties = schemas[parent]["properties"]
    assert prop in properties, f"USES[{location!r}]: {parent} has no property {prop!r}"
    if properties[prop].get("type") == "array":
        properties[prop]["items"] = replacement
    else:
        properties[prop] = replacement


def _set_response(spec: dict[str, Any], method: str, path: str, status: str, schema_name: str) -> None:
    operation = spec["paths"][path][method.lower()]
    old = operation["responses"][status]
    description = (
        old.get("description") or spec["components"]["responses"][old["$ref"].rsplit("/", 1)[1]]["description"]
    )
    operation["responses"][status] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def build_strict_accounting(spec: dict[str, Any]) -> dict[str, Any]:
    """Tighten (in place) and return a deep copy of xero_accounting.yaml; order matters, see the comments."""
    schemas = spec["components"]["schemas"]
    for name, required in fields.STRICT.items():  # 1. the strict schemas themselves
        _tighten(schemas, name, required, fields.EXTRA_PROPERTIES.get(name, {}))
    for name in fields.STRICT:  # 2. X@echo: copies before any USES rewrite, so they stay fully lenient on nesting
        _make_echo(schemas, name, set(fields.STRICT))
    uses_on_variants = {loc: t for loc, t in fields.USES.items() if "@" in loc.rsplit(".", 1)[0]}
    for location, target in fields.USES.items():  # 3. embedded shapes inside the strict schemas...
        if location not in uses_on_variants:
            _use(schemas, location, target)
    for name, (bases, required) in fields.VARIANTS.items():  # 4. ...which variants then inherit
        assert all(b in schemas for b in bases), f"VARIANTS[{name!r}]: unknown base in {bases}"
        variant = copy.deepcopy(schemas[bases[0]])
        for base in bases[1:]:
            variant["properties"].update(copy.deepcopy(schemas[base]["properties"]))
        variant["properties"].update(copy.deepcopy(fields.VARIANT_PROPERTIES.get(name, {})))
        variant.update(type="object", additionalProperties=False, required=list(required))
        assert set(required) <= set(variant["properties"]), f"VARIANTS[{name!r}] requires undeclared fields"
        schemas[name] = variant
    for location, target in uses_on_variants.items():  # 5. variants' own embedded shapes
        _use(schemas, location, target)
    for key, schema_name in fields.RESPONSES.items():  # 6. per-operation response shapes
        method, path, status = key.split(" ")
        _set_response(spec, method, path, status, schema_name)
    for path, resource in fields.ERROR_ELEMENTS.items():
        for method, operation in spec["paths"][path].items():
            if isinstance(operation, dict) and "400" in operation.get("responses", {}):
                _set_response(spec, method, path, "400", f"Error@{resource}")
    dangling = {n["$ref"] for n in _walk(spec) if n.get("$ref", "").startswith(_REF)} - {_REF + n for n in schemas}
    assert not dangling, f"strict copy refers to unknown schemas: {sorted(dangling)}"  # a typo in the tables
    return spec


def build_strict_identity(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    for name, required in fields.IDENTITY_STRICT.items():
        _tighten(schemas, name, required, fields.IDENTITY_EXTRA_PROPERTIES.get(name, {}))
    return spec


@functools.cache
def strict_accounting_dict() -> dict[str, Any]:
    raw = raw_spec("xero_accounting.yaml")
    started = time.perf_counter()
    strict = build_strict_accounting(copy.deepcopy(raw))
    TIMINGS["tighten xero_accounting.yaml"] = time.perf_counter() - started
    return strict


@functools.cache
def strict_identity_dict() -> dict[str, Any]:
    return build_strict_identity(copy.deepcopy(raw_spec("xero-identity.yaml")))


def _load(spec: dict[str, Any]) -> OpenAPI:
    # The accounting file fails openapi-spec-validator (e.g. `default: 'false'` strings on booleans): skip it.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@functools.cache
def accounting_spec() -> OpenAPI:
    """The strict accounting spec, built once per process (<1 s: YAML parse 0.6-0.85 s, tightening <0.1 s)."""
    return _load(strict_accounting_dict())


@functools.cache
def identity_spec() -> OpenAPI:
    return _load(strict_identity_dict())


def _json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _describe_schema_error(error: Any, indent: str = "  ") -> list[str]:
    where = _json_path(error.absolute_path)
    if error.validator != "anyOf":
        return [f"{indent}{where}: {error.message}"[:400]]
    names = [alt.get("$ref", "?").removeprefix(_REF) for alt in error.validator_value]
    lines = [f"{indent}{where}: matches none of {names}; as each of them:"]
    for sub in sorted(error.context, key=lambda e: (e.schema_path[0], list(map(str, e.absolute_path)))):
        lines += _describe_schema_error(sub, f"{indent}    [{names[sub.schema_path[0]]}] ")
    return lines


def _describe(exc: BaseException) -> list[str]:
    cause = exc.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        ordered = sorted(schema_errors, key=lambda e: list(map(str, e.absolute_path)))
        return [line for err in ordered for line in _describe_schema_error(err)]
    shown = cause if cause is not None else exc
    text = f"{type(shown).__name__}: {shown}"
    if hasattr(exc, "availableresponses"):
        text += f" (the spec declares {exc.availableresponses} for this operation)"
    return ["  " + text[:600]]


def _check(spec: OpenAPI, label: str, request: MockRequest, response: MockResponse) -> None:
    problems = [line for exc in spec.iter_response_errors(request, response) for line in _describe(exc)]
    if problems:
        raise AssertionError(f"{label}: response does not match the strict Xero spec:\n" + "\n".join(problems))


def check_accounting(
    method: str,
    path: str,
    *,
    query: str = "",
    status: int,
    body: bytes,
    content_type: str = "application/json",
    request_body: bytes | None = None,
    request_headers: dict[str, str] | None = None,
) -> None:
    """path is relative to /api.xro/2.0 (e.g. "/Contacts/<uuid>"), matched case-sensitively like the spec."""
    if "?" in path:
        path, query = path.split("?", 1)[0], query or path.split("?", 1)[1]
    request = MockRequest(
        ACCOUNTING_HOST,
        method,
        ACCOUNTING_BASE + path,
        args=dict(parse_qsl(query, keep_blank_values=True)),
        headers=request_headers,
        data=request_body,
    )
    response = MockResponse(body, status_code=status, content_type=content_type)
    _check(accounting_spec(), f"{method.upper()} {path} -> {status}", request, response)


def _identity_path(path: str) -> str:
    """Map "/connections/<id>" onto the spec's spelling "/Connections/<id>" (literal segments case-insensitive)."""
    for template in strict_identity_dict()["paths"]:
        parts = template.strip("/").split("/")
        given = path.strip("/").split("/")
        if len(parts) == len(given) and all(
            (p.startswith("{") or p.lower() == g.lower()) for p, g in zip(parts, given, strict=True)
        ):
            return "/" + "/".join(g if p.startswith("{") else p for p, g in zip(parts, given, strict=True))
    return path  # unknown: openapi-core reports "path not found"


def check_identity(
    method: str, path: str, *, query: str = "", status: int, body: bytes, content_type: str = "application/json"
) -> None:
    spec_path = _identity_path(path)
    request = MockRequest(IDENTITY_HOST, method, spec_path, args=dict(parse_qsl(query, keep_blank_values=True)))
    response = MockResponse(body, status_code=status, content_type=content_type)
    _check(identity_spec(), f"{method.upper()} {path} -> {status}", request, response)


@functools.cache
def _identity_schema_validator(name: str) -> OAS30ReadValidator:
    spec = strict_identity_dict()
    assert name in spec["components"]["schemas"], f"no schema {name!r} in xero-identity.yaml"
    root = {"$ref": _REF + name, "components": spec["components"]}
    return OAS30ReadValidator(root, format_checker=oas30_format_checker)


def check_identity_schema(name: str, body: bytes) -> None:
    """Validate a JSON body against one strict identity schema (e.g. the token endpoint's AccessToken)."""
    errors = _identity_schema_validator(name).iter_errors(json.loads(body))
    problems = [line for err in errors for line in _describe_schema_error(err)]
    if problems:
        raise AssertionError(f"{name}: body does not match the strict Xero identity schema:\n" + "\n".join(problems))


def checked(response: httpx.Response) -> dict:
    """Assert an httpx response matches Xero's strict schema for its operation, then return its JSON."""
    check_accounting(
        response.request.method,
        response.request.url.path.removeprefix("/api.xro/2.0"),
        query=response.request.url.query.decode(),
        status=response.status_code,
        body=response.content,
        content_type=response.headers.get("content-type", "").split(";")[0],
        request_body=response.request.content or None,
    )
    return response.json()
