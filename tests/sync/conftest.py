"""The hub's Xero client tests run against the simulator (real HTTP), reusing its fixtures."""

from tests.sandbox.conftest import sim, simulator  # noqa: F401 - fixtures
