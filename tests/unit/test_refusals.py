"""One way to refuse: every exception core raises for a person to read derives from Refusal, so a page or route
catches one type. The other exceptions core defines are named here with why they are not refusals."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import core
from core.documents.actions import DocumentError
from core.error_triage.query import TriageError
from core.failures import STARTUP_ERRORS, Refusal
from core.mappings.store import MappingError
from core.xero.outcomes import XeroProblem

NOT_REFUSALS = {
    *STARTUP_ERRORS,  # stop a process: shown by the start-up and the page guard, never caught as a refusal
    XeroProblem,  # what Xero said, turned into an outcome by the push executor and the pulls
}
INTERNAL = {
    "core.alerts.mailer.MailNotSent",  # an SMTP attempt failed: the alert stays queued and is retried
    "core.contacts.pull.LeaseLost",  # another sidecar took over the pull: this one stops quietly
    "core.demo.simulator.SimulatorRefused",  # the demo story's setup went wrong: logged, and the demo starts anyway
}


def core_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                found.append(value)
    return found


def test_core_defines_refusals_and_says_why_the_others_are_not() -> None:
    loose = [
        f"{kind.__module__}.{kind.__qualname__}"
        for kind in core_exceptions()
        if not issubclass(kind, Refusal)
        and not issubclass(kind, tuple(NOT_REFUSALS))
        and f"{kind.__module__}.{kind.__qualname__}" not in INTERNAL
    ]
    assert not loose, f"derive these from core.failures.Refusal (or say here why they are not refusals): {loose}"


def test_the_refusals_pages_used_to_catch_by_hand_are_refusals() -> None:
    assert all(issubclass(kind, Refusal) for kind in (DocumentError, TriageError, MappingError))
