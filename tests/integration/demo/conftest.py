"""The demo story is set up against the simulator (real HTTP), reusing its fixtures."""

from tests.sandbox.conftest import sim, simulator  # noqa: F401 - fixtures
