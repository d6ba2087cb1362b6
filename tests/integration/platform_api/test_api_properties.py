"""The platform API driven from its own OpenAPI document, on both databases: Schemathesis generates valid and invalid
requests from /api/v1/openapi.json (the document's boundary cases, then a fixed number of random ones, the same on
every run) and sends them with a live key to the real routes. Never a 5xx; every answer is JSON and what the
document says it is; an invalid request is refused; a refusal says what is wrong, naming the field when one is at
fault, and records nothing; valid events are taken."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.applications import Starlette

from core.hub import Hub
from core.platform_api.shapes import EVENTS, PDF_BODY
from tests.integration.platform_api.drive import (
    Choose,
    Records,
    Tally,
    aim,
    digest,
    points_into,
)
from web.routes import ROUTES

CONFIG = {
    "seed": 20261203,  # with Hypothesis derandomized: the same requests on every run
    "generation": {"with-security-parameters": False, "database": "none"},
    # An invalid request may be refused as too large before it is read (a list of 501 long lines is over 256 KB).
    "checks": {"negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 409, 413]}},
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Random requests per route and kind, beside the document's boundary cases (about 1,100 of them).
EXAMPLES = {
    ("events", GenerationMode.POSITIVE): 80,
    ("events", GenerationMode.NEGATIVE): 50,
    ("changes", GenerationMode.POSITIVE): 20,
    ("changes", GenerationMode.NEGATIVE): 20,
    ("pdf", GenerationMode.POSITIVE): 15,
    ("pdf", GenerationMode.NEGATIVE): 15,
}
EVENTS_ROUTE = "/api/v1/companies/{company_id}/events"
FEED_ROUTE = "/api/v1/companies/{company_id}/contacts/changes"


@dataclass
class Api:
    hub: Hub
    records: Records
    schema: Any
    tally: Tally
    state: tuple[Any, ...] = ()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.records.key}"}


@pytest.fixture
def api(served: tuple[Hub, Records]) -> Api:
    """The web routes on this test's database, records to point at, and the document they serve, loaded over HTTP
    as any client would load it."""
    hub, records = served
    app = Starlette(routes=ROUTES)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG))
    with hub.db.read() as session:
        return Api(hub, records, schema, Tally(), digest(session))


def route(case: Any) -> str:
    """The route's last step: events, changes (the contacts feed), pdf (a document's PDF) or openapi.json."""
    return str(case.operation.path.rsplit("/", 1)[-1])


def fresh_event_id(case: Any, records: Records) -> None:
    """A valid event id made unique (generated ones repeat, and a repeat is only ever a duplicate or a conflict);
    an invalid one is left as it is."""
    given = case.body.get("event_id") if isinstance(case.body, dict) else None
    if isinstance(given, str) and given.strip() and len(given) <= 128 and "\x00" not in given:
        case.body["event_id"] = f"generated-{next(records.ids)}"


def names_the_fault(case: Any, field: str) -> bool:
    if route(case) == "pdf":  # a document's PDF: the document named in the path, or a field of the body
        named = ("body", "document_id", *PDF_BODY["properties"])
        return field in named or (isinstance(case.body, dict) and field in case.body)
    if route(case) != "events":
        return field in case.query
    if field == "body":
        return not isinstance(case.body, dict) or case.media_type != "application/json"
    return points_into(case.body, field)


def exercise(api: Api, case: Any, choose: Choose) -> None:
    """Send one generated request and hold the answer to every promise."""
    mode = case.meta.generation.mode
    fresh_event_id(case, api.records)
    if mode is GenerationMode.POSITIVE and route(case) == "events":
        aim(case, choose, api.records)
    before = api.state  # what the last request left (nothing else writes meanwhile)
    response = case.call(headers=api.auth)
    case.validate_response(response, checks=CHECKS, headers=api.auth)
    status, answer = response.status_code, response.json()
    with api.hub.db.read() as session:
        api.state = after = digest(session)
    if status >= 400:
        assert isinstance(answer.get("error"), str) and answer.get("message"), answer
        assert status != 400 or answer["error"] == "refused" or names_the_fault(case, answer["field"]), answer
        assert after == before, f"{case.method} {case.formatted_path} was refused ({status}) but recorded something"
    elif route(case) == "events":
        assert after[0] == before[0] + (status == 201), answer  # one more event recorded, or none for a repeat
    else:
        assert after == before, f"{case.method} {case.formatted_path} is a read but recorded something"
    what = f"{route(case)} {case.body.get('type')}" if isinstance(case.body, dict) else route(case)
    api.tally.add(mode.value, str(what), status)


def boundary_cases(api: Api, operation: Any) -> list[Any]:
    """The document's own boundary cases, valid and invalid: each field left out, too long, of the wrong type,
    outside its list; other methods; the same list on every run."""
    return list(
        CoverageGenerator(
            operation=operation,
            generation_modes=list(GenerationMode),
            generation_config=api.schema.config.generation_for(operation=operation, phase="coverage"),
            auth_storage=None,
            override=Override(),
            feedback=FeedbackSources(),
        )
    )


def random_cases(api: Api, operation: Any, mode: GenerationMode) -> None:
    examples = EXAMPLES[(operation.path.rsplit("/", 1)[-1], mode)]

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        exercise(api, case, lambda options, label: data.draw(st.sampled_from(options), label=label))

    run()


def test_generated_requests_get_the_answers_the_document_promises(api: Api) -> None:
    operations = [result.ok() for result in api.schema.get_all_operations()]
    assert {op.path for op in operations} >= {EVENTS_ROUTE, FEED_ROUTE}  # the document itself is left out
    for operation in operations:
        seeded = random.Random(operation.label)
        for case in boundary_cases(api, operation):
            exercise(api, case, lambda options, _label, seeded=seeded: seeded.choice(options))
        for mode in GenerationMode:
            random_cases(api, operation, mode)
    taken = {what for (mode, what, status) in api.tally.seen if mode == "positive" and status < 300}
    assert {f"events {kind}" for kind in EVENTS} <= taken, f"valid events never taken: {sorted(taken)}"
    share = api.tally.share_taken("positive")
    assert share >= 0.6, f"only {share:.0%} of the valid events generated were taken: {api.tally.seen}"
