"""Where signing in lands: the page asked for, read from the address the browser opened."""

from __future__ import annotations

from web import destination


def test_the_page_asked_for_comes_from_the_address_and_its_query() -> None:
    url = "http://127.0.0.1:8501/errors"
    assert destination.asked_for(url, {"company": "1"}) == "/errors?company=1"
    assert destination.asked_for("http://127.0.0.1:8501/", {}) == "/"
    assert (
        destination.asked_for(url, {"signin": "wrong", "email": "a@b.example", "company": "2"}) == "/errors?company=2"
    )
    assert destination.asked_for("http://127.0.0.1:8501/", {"next": "/contacts"}) == "/contacts"
    assert destination.asked_for("http://127.0.0.1:8501/", {"next": "https://evil.example"}) == "/"
    assert destination.asked_for(None, {}) == "/"
