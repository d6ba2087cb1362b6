"""Sign-in, lockout and sessions, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.auth import SYSTEM, Actor, PermissionDenied
from core.demo.seed import DEMO_PASSWORD
from core.hub import Hub
from core.models.base import AuditEvent, Role, StaffUser
from core.staff import sessions, signin, users

FIONA = "fiona@harbourbakery.example"


def sign_in(hub: Hub, email: str = FIONA, password: str = DEMO_PASSWORD) -> str:
    result = signin.sign_in(hub.db, hub.settings, email, password, user_agent="pytest")
    assert result.refusal is None and result.cookie
    return result.cookie


def fail(hub: Hub, email: str = FIONA, password: str = "wrong password") -> str:
    result = signin.sign_in(hub.db, hub.settings, email, password)
    assert result.cookie is None and result.refusal is not None
    return result.refusal


def lookup(hub: Hub, cookie: str | None) -> sessions.SessionLookup | None:
    with hub.db.read() as session:
        return sessions.lookup(session, hub.settings, cookie)


def actions(hub: Hub) -> list[str]:
    with hub.db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_opens_a_session_the_cookie_finds(seeded: Hub) -> None:
    cookie = sign_in(seeded, "  Fiona@HarbourBakery.example ")
    found = lookup(seeded, cookie)
    assert found is not None
    assert found.actor.email == FIONA and found.actor.role is Role.FINANCE_MANAGER
    assert found.actor.is_company_admin
    assert actions(seeded) == ["sign_in"]


@pytest.mark.parametrize(
    ("email", "password", "refusal"),
    [
        (FIONA, "not the password", "wrong"),
        ("nobody@example.com", DEMO_PASSWORD, "wrong"),
        ("", "", "wrong"),
    ],
    ids=["wrong-password", "unknown-user", "blank"],
)
def test_refusals_say_what_to_do(seeded: Hub, email: str, password: str, refusal: str) -> None:
    error = fail(seeded, email, password)
    assert error == refusal
    message = signin.refusal_message(error, seeded.settings)
    assert "Check both and try again" in message and "5 failed attempts" in message
    assert actions(seeded) == ["sign_in_failed"]


def test_disabled_user_is_told_so_only_with_the_right_password(seeded: Hub) -> None:
    with seeded.db.write() as session:
        user = users.get_by_email(session, FIONA)
        assert user is not None
        users.set_disabled(session, SYSTEM, user.id, True)
    assert fail(seeded, FIONA, "wrong password") == "wrong"
    error = fail(seeded, FIONA, DEMO_PASSWORD)
    assert error == "disabled" and "Ask a hub admin" in signin.refusal_message(error, seeded.settings)


def test_five_failures_in_fifteen_minutes_lock_for_fifteen(seeded: Hub) -> None:
    for _ in range(4):
        assert fail(seeded) == "wrong"
    result = signin.sign_in(seeded.db, seeded.settings, FIONA, "wrong password")
    assert result.refusal == "locked" and result.locked_until is not None
    assert abs((result.locked_until - clock.now()).total_seconds() - 15 * 60) < 5
    # Even the right password is refused while locked.
    assert fail(seeded, password=DEMO_PASSWORD) == "locked"
    clock.advance(timedelta(minutes=14))
    assert fail(seeded, password=DEMO_PASSWORD) == "locked"
    clock.advance(timedelta(minutes=1, seconds=1))
    assert sign_in(seeded)
    assert "account_locked" in actions(seeded)


def test_failures_spread_beyond_the_window_do_not_lock(seeded: Hub) -> None:
    for _ in range(4):
        fail(seeded)
    clock.advance(timedelta(minutes=16))
    for _ in range(4):
        assert fail(seeded) == "wrong"
    assert sign_in(seeded)


def test_the_window_rolls_rather_than_resetting(seeded: Hub) -> None:
    fail(seeded)
    clock.advance(timedelta(minutes=14))
    for _ in range(3):
        assert fail(seeded) == "wrong"
    assert fail(seeded) == "locked"  # five within the last 15 minutes, though they straddle the first window


def test_unknown_email_costs_a_full_password_check(seeded: Hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from core.staff import passwords

    checked: list[str | None] = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, p: checked.append(h) or real(h, p))
    fail(seeded, "nobody@example.com")
    assert checked == [None]  # verified against the dummy hash, so timing does not reveal which emails exist


def test_success_resets_the_failure_count(seeded: Hub) -> None:
    for _ in range(4):
        fail(seeded)
    sign_in(seeded)
    for _ in range(4):
        assert fail(seeded) == "wrong"


def test_concurrent_failures_are_all_counted(seeded: Hub) -> None:
    """Five processes failing at once lock the account: the count is one UPDATE, not read-modify-write."""
    barrier = threading.Barrier(5)
    results: list[str] = []

    def attempt() -> None:
        barrier.wait()
        results.append(fail(seeded))

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["locked", "wrong", "wrong", "wrong", "wrong"]
    with seeded.db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == FIONA))
        assert user is not None and user.failed_attempts == 5 and user.locked_until is not None


def test_session_expires_after_idle_hours_and_use_extends_it(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    clock.advance(timedelta(hours=7))
    found = lookup(seeded, cookie)
    assert found is not None and found.needs_touch
    with seeded.db.write() as session:
        sessions.touch(session, found.actor.session_id or "")
    clock.advance(timedelta(hours=7))
    assert lookup(seeded, cookie) is not None
    clock.advance(timedelta(hours=1, seconds=1))
    assert lookup(seeded, cookie) is None


def test_recent_use_needs_no_write(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    clock.advance(timedelta(seconds=10))
    found = lookup(seeded, cookie)
    assert found is not None and not found.needs_touch


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: "x" + c,
        lambda c: "",
        lambda c: "a.b",
    ],
    ids=["bad-signature", "changed-token", "empty", "garbage"],
)
def test_forged_cookies_find_nothing(seeded: Hub, tamper) -> None:  # type: ignore[no-untyped-def]
    cookie = sign_in(seeded)
    assert lookup(seeded, tamper(cookie)) is None


def test_cookie_signed_with_another_secret_finds_nothing(seeded: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    cookie = sign_in(seeded)
    other = make_settings(seeded.db.url, tmp_path, HUB_SECRET_KEY="another-secret-key-0123456789abcdefghijkl")
    with seeded.db.read() as session:
        assert sessions.lookup(session, other, cookie) is None


def test_sign_out_ends_the_session(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    with seeded.db.write() as session:
        sessions.end(session, seeded.settings, cookie)
    assert lookup(seeded, cookie) is None
    with seeded.db.write() as session:  # a second sign-out is harmless
        sessions.end(session, seeded.settings, cookie)
    assert actions(seeded) == ["sign_in", "sign_out"]


def test_disabling_a_user_ends_their_sessions(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    with seeded.db.write() as session:
        user = users.get_by_email(session, FIONA)
        assert user is not None
        users.set_disabled(session, SYSTEM, user.id, True)
    assert lookup(seeded, cookie) is None


def test_purge_removes_only_old_sessions(seeded: Hub) -> None:
    old = sign_in(seeded)
    with seeded.db.write() as session:
        sessions.end(session, seeded.settings, old)
    clock.advance(timedelta(days=2))
    fresh = sign_in(seeded)
    with seeded.db.write() as session:
        assert sessions.purge(session, seeded.settings) == 1
    assert lookup(seeded, fresh) is not None


def test_work_done_later_for_a_page_checks_the_person_again(seeded: Hub) -> None:
    """A download built when pressed runs for the person as they stand then: disabled or signed out since the page
    was drawn, it is refused; their role and company are today's."""
    found = lookup(seeded, sign_in(seeded))
    assert found is not None
    drawn = found.actor
    with seeded.db.read() as session:
        assert sessions.current(session, drawn) == drawn
    with seeded.db.write() as session:
        ada = session.scalars(select(StaffUser).where(StaffUser.role == Role.ADMIN)).first()
        assert ada is not None
        users.set_disabled(session, users_actor(ada), drawn.user_id or 0, True)
    with seeded.db.read() as session, pytest.raises(PermissionDenied, match="Sign in again"):
        sessions.current(session, drawn)


def users_actor(user: StaffUser) -> Actor:
    return Actor.of(user)
