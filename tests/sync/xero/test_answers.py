"""Every Xero status and body shape in the facts file maps to one outcome, named by what happens next."""

from __future__ import annotations

import json

import pytest

from core.xero import outcomes
from core.xero.answers import classify, items_of


def body(value: object) -> bytes:
    return json.dumps(value).encode()


VALIDATION = {
    "ErrorNumber": 10,
    "Type": "ValidationException",
    "Message": "A validation exception occurred",
    "Elements": [
        {
            "Name": "Acme",
            "HasValidationErrors": True,
            "ValidationErrors": [{"Message": "The contact name Acme is already assigned to another contact."}],
            "Phones": [{"PhoneType": "MOBILE", "ValidationErrors": [{"Message": "Bad phone"}]}],
        }
    ],
}
PROBLEM_401 = {
    "Type": None,
    "Title": "Unauthorized",
    "Status": 401,
    "Detail": "TokenExpired: token expired at 02/20/2025 08:32:50",
    "Instance": "x",
    "Extensions": {},
}

CASES = [
    ("ok", 200, {}, body({"Contacts": []}), None, None),
    ("no-content", 204, {}, b"", None, None),
    ("validation", 400, {}, body(VALIDATION), outcomes.ValidationFailed, "already assigned"),
    ("invalid-grant", 400, {}, body({"error": "invalid_grant"}), outcomes.ReconnectNeeded, "invalid_grant"),
    ("bad-request-other", 400, {}, body({"Message": "Bad where"}), outcomes.ValidationFailed, "Bad where"),
    ("token-expired", 401, {}, body(PROBLEM_401), outcomes.RefreshAndRetry, "TokenExpired"),
    (
        "missing-scope",
        401,
        {},
        body({**PROBLEM_401, "Detail": "AuthorizationUnsuccessful"}),
        outcomes.MissingScope,
        "scope",
    ),
    (
        "unauthorised-other",
        401,
        {},
        body({**PROBLEM_401, "Detail": "AuthenticationUnsuccessful"}),
        outcomes.ReconnectNeeded,
        "AuthenticationUnsuccessful",
    ),
    (
        "forbidden",
        403,
        {},
        body({**PROBLEM_401, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}),
        outcomes.ReconnectNeeded,
        "organisation",
    ),
    (
        "forbidden-old-lowercase",
        403,
        {},
        body({"title": "Forbidden", "status": 403, "detail": "AuthenticationUnsuccessful", "instance": "x"}),
        outcomes.ReconnectNeeded,
        "AuthenticationUnsuccessful",
    ),
    ("not-found", 404, {}, body({"Title": "NotFound", "Status": 404, "Detail": "gone"}), outcomes.NotFound, "gone"),
    ("not-found-empty", 404, {}, b"", outcomes.NotFound, "no such record"),
    ("minute-limit", 429, {"x-rate-limit-problem": "minute", "retry-after": "17"}, b"", outcomes.RetryAfter, "17 s"),
    (
        "day-limit",
        429,
        {"x-rate-limit-problem": "day", "retry-after": "5000"},
        b"",
        outcomes.DailyBudgetSpent,
        "day limit",
    ),
    ("concurrent", 429, {"x-rate-limit-problem": "concurrent"}, b"", outcomes.RetryAfter, "concurrent"),
    ("server-error", 500, {}, body({"Title": "An error occurred", "Status": 500}), outcomes.Transient, "error"),
    ("unavailable", 503, {}, b"The Xero API is temporarily unavailable", outcomes.Transient, "503"),
    ("not-implemented", 501, {}, b"", outcomes.Transient, "501"),
    ("precondition", 412, {}, b"", outcomes.XeroProblem, "412"),
]


@pytest.mark.parametrize(
    ("status", "headers", "raw", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_answer_maps_to_one_outcome(
    status: int, headers: dict, raw: bytes, expected: type | None, words: str | None
) -> None:
    problem = classify(status, headers, raw)
    if expected is None:
        assert problem is None
        return
    assert type(problem) is expected and problem is not None and problem.status == status
    assert words is not None and words in problem.message
    assert problem.response is not None and problem.response["status"] == status


def test_validation_keeps_every_message_of_every_element() -> None:
    problem = classify(400, {}, body(VALIDATION))
    assert isinstance(problem, outcomes.ValidationFailed) and problem.cause == "validation"
    (item,) = problem.items
    assert not item.ok and item.messages == (
        "The contact name Acme is already assigned to another contact.",
        "Bad phone",
    )


def test_retry_after_carries_the_wait() -> None:
    problem = classify(429, {"x-rate-limit-problem": "day", "retry-after": "5000"}, b"")
    assert isinstance(problem, outcomes.DailyBudgetSpent) and problem.seconds == 5000 and problem.problem == "day"
    assert problem.cause == "daily_budget"
    assert classify(429, {"x-rate-limit-problem": "day"}, b"").seconds == 3600  # type: ignore[union-attr]


def test_summarize_errors_false_gives_each_elements_outcome() -> None:
    answer = {
        "Contacts": [
            {"ContactID": "a", "Name": "Ok", "StatusAttributeString": "OK", "HasValidationErrors": False},
            {
                "Name": "Bad",
                "StatusAttributeString": "ERROR",
                "HasValidationErrors": True,
                "ValidationErrors": [{"Message": "Email address must be valid."}],
            },
            {"InvoiceID": "b", "StatusAttributeString": "WARNING", "HasErrors": False},
        ]
    }
    results = items_of(answer, "Contacts")
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].messages == ("Email address must be valid.",) and results[2].warning
