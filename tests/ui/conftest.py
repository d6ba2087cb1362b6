"""Page tests: the real app.py in Streamlit's AppTest, on a seeded SQLite database."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.demo import seed as demo
from core.hub import Hub
from core.settings import PROJECT_ROOT
from tests.conftest import TEST_ENV
from web.runtime import get_hub

APP = str(PROJECT_ROOT / "app.py")
ISSUER = "https://id.example.com"


@pytest.fixture
def ui_hub(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    for name, value in {
        **TEST_ENV,
        "DATABASE_URL": f"sqlite:///{path}",
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_DEMO": "1",
    }.items():
        monkeypatch.setenv(name, value)
    hub = get_hub()
    with hub.db.write() as session:
        demo.seed(session)
    yield hub
    hub.db.dispose()


@pytest.fixture
def app_as(ui_hub: Hub) -> Callable[[str | None], AppTest]:
    """An AppTest of app.py for a signed-in staff member (through the single sign-on path), or nobody."""

    def make(email: str | None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.user = (
            {"is_logged_in": True, "email": email, "email_verified": True, "iss": ISSUER, "sub": f"sub-{email}"}
            if email
            else {"is_logged_in": False}
        )
        return at

    return make


def page_text(at: AppTest) -> str:
    """Everything a person could read on the page (and in the sidebar), as one string."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "error",
        "success",
        "warning",
        "text",
        "code",
    ):
        parts.extend(str(element.value) for element in at.get(kind))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for bar in at.get("progress"):
        parts.append(str(bar.proto.text))
    for metric in at.get("metric"):
        parts.extend([str(metric.label), str(metric.value)])
    for box in [*at.selectbox, *at.sidebar.selectbox]:
        parts.extend(str(option) for option in box.options)
    for field in at.text_input:
        parts.append(str(field.value))
    return "\n".join(parts)
