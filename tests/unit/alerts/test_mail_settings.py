"""SMTP_URL and the other alert-email settings: parsed once, explained when wrong, the password never shown."""

from __future__ import annotations

import pytest

from core.settings import ConfigError, load
from tests.conftest import TEST_ENV


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:8025", ("127.0.0.1", 8025, "plain", None, None)),
        ("smtp://mail.example", ("mail.example", 25, "plain", None, None)),
        ("smtp+starttls://hub:pw@mail.example:587", ("mail.example", 587, "starttls", "hub", "pw")),
        ("smtp+starttls://mail.example", ("mail.example", 587, "starttls", None, None)),
        ("smtps://hub%40corp:p%40ss@mail.example", ("mail.example", 465, "tls", "hub@corp", "p@ss")),
    ],
    ids=["sink", "plain-default-port", "starttls", "starttls-default-port", "tls-escaped-login"],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    smtp = load({**TEST_ENV, "SMTP_URL": url}).smtp
    assert smtp is not None
    password = smtp.password.value if smtp.password else None
    assert (smtp.host, smtp.port, smtp.security, smtp.username, password) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMTP_URL": "http://user:hunter2@mail.example"}, "is not an SMTP server the hub can use"),
        ({"SMTP_URL": "smtp://user:hunter2@mail.example:99999"}, "is not a URL"),
        ({"HUB_MAIL_FROM": "the hub"}, "HUB_MAIL_FROM 'the hub' is not an email address"),
        ({"HUB_SUPPORT_EMAIL": "support"}, "HUB_SUPPORT_EMAIL 'support' is not an email address"),
        ({"HUB_ALERT_WINDOW_MINUTES": "soon"}, "HUB_ALERT_WINDOW_MINUTES must be a number"),
    ],
    ids=["wrong-scheme", "bad-port", "bad-from", "bad-support", "bad-window"],
)
def test_bad_mail_settings_explain_themselves(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load({**TEST_ENV, **env})
    assert "hunter2" not in str(caught.value)


def test_defaults_and_the_password_never_prints() -> None:
    defaults = load(TEST_ENV)
    assert defaults.smtp is None and defaults.alert_window_minutes == 15
    assert (defaults.mail_from, defaults.support_email) == ("Xero hub <hub@hub.example>", "support@hub.example")
    settings = load({**TEST_ENV, "SMTP_URL": "smtps://hub:hunter2@mail.example:465"})
    assert settings.smtp is not None and settings.smtp.label == "smtps://hub@mail.example:465"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.smtp)
