"""Sign-in, its throttling, and sessions, on both databases."""

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
from core.staff import sessions, signin, throttle, users

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
    ("email", "password"),
    [(FIONA, "not the password"), ("nobody@example.com", DEMO_PASSWORD), ("", "")],
    ids=["wrong-password", "unknown-user", "blank"],
)
def test_refusals_say_what_to_do_and_not_which_emails_exist(seeded: Hub, email: str, password: str) -> None:
    assert fail(seeded, email, password) == "wrong"
    message = signin.refusal_message("wrong")
    assert "Check both and try again" in message and "lock" not in message
    assert actions(seeded) == ["sign_in_failed"]


def test_disabled_user_is_told_so_only_with_the_right_password(seeded: Hub) -> None:
    with seeded.db.write() as session:
        user = users.get_by_email(session, FIONA)
        assert user is not None
        users.set_disabled(session, SYSTEM, user.id, True)
    assert fail(seeded, FIONA, "wrong password") == "wrong"
    error = fail(seeded, FIONA, DEMO_PASSWORD)
    assert error == "disabled" and "Ask a hub admin" in signin.refusal_message(error)


def attempt(hub: Hub, email: str = FIONA, password: str = "wrong password", client: str = "") -> signin.SignInResult:
    return signin.sign_in(hub.db, hub.settings, email, password, client=client)


def test_failures_slow_the_email_down_gradually_and_never_lock_it(seeded: Hub) -> None:
    for _ in range(4):
        assert attempt(seeded).refusal == "wrong"
    assert attempt(seeded).refusal == "wrong"  # the fifth still checks the password; the next one waits a second
    waits = []
    for _ in range(6):
        refused = attempt(seeded)
        assert refused.refusal == "slow_down"  # refused before the password is checked
        waits.append(refused.wait_seconds)
        clock.advance(timedelta(seconds=refused.wait_seconds))
        assert attempt(seeded).refusal == "wrong"
    assert waits == [1, 2, 4, 8, 16, 32]
    # The right password works as soon as the wait is over: nobody can lock anyone out.
    clock.advance(timedelta(seconds=attempt(seeded).wait_seconds))
    assert sign_in(seeded)
    assert attempt(seeded).refusal == "wrong"  # success forgot the failures: no wait


def test_the_wait_is_capped(seeded: Hub) -> None:
    waits = []
    for _ in range(14):
        attempt(seeded)  # a checked failure
        held = attempt(seeded)
        if held.wait_seconds:
            waits.append(held.wait_seconds)
            clock.advance(timedelta(seconds=held.wait_seconds))
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert throttle.EMAIL.max_wait_seconds == 300


def test_known_and_unknown_emails_are_slowed_alike(seeded: Hub) -> None:
    """The answers to rapid wrong sign-ins read the same whether the account exists or not."""
    known = [attempt(seeded, FIONA) for _ in range(8)]
    unknown = [attempt(seeded, "nobody@harbourbakery.example") for _ in range(8)]
    assert [(r.refusal, r.wait_seconds) for r in known] == [(r.refusal, r.wait_seconds) for r in unknown]
    assert [r.refusal for r in known] == ["wrong"] * 5 + ["slow_down"] * 3


def test_waiting_attempts_cost_no_password_check_and_write_nothing(seeded: Hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from core.staff import passwords

    for _ in range(6):
        attempt(seeded)
    recorded = len(actions(seeded))
    checked: list[str | None] = []
    monkeypatch.setattr(passwords, "verify", lambda h, p: checked.append(h) or False)
    for _ in range(20):
        assert attempt(seeded).refusal == "slow_down"
    assert checked == [] and len(actions(seeded)) == recorded


def test_one_client_guessing_across_many_emails_is_slowed(seeded: Hub) -> None:
    client = "203.0.113.9"
    answers = [attempt(seeded, f"guess{n}@example.com", client=client).refusal for n in range(25)]
    assert answers[:20] == ["wrong"] * 20 and set(answers[21:]) == {"slow_down"}
    # Another client, and the same email from elsewhere, are not held up by it.
    assert attempt(seeded, "guess1@example.com", client="198.51.100.7").refusal == "wrong"


def test_failures_are_forgotten_after_a_quiet_quarter_hour(seeded: Hub) -> None:
    for _ in range(5):
        attempt(seeded)
    clock.advance(throttle.FORGET_AFTER + timedelta(seconds=1))
    assert [attempt(seeded).refusal for _ in range(5)] == ["wrong"] * 5


def test_unknown_email_costs_a_full_password_check(seeded: Hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from core.staff import passwords

    checked: list[str | None] = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, p: checked.append(h) or real(h, p))
    fail(seeded, "nobody@example.com")
    assert checked == [None]  # verified against the dummy hash, so timing does not reveal which emails exist


def test_a_password_reset_clears_the_wait(seeded: Hub) -> None:
    for _ in range(7):
        clock.advance(timedelta(seconds=attempt(seeded).wait_seconds))
    assert attempt(seeded).refusal == "slow_down"
    with seeded.db.write() as session:
        user = users.get_by_email(session, FIONA)
        assert user is not None and user.failed_attempts == 6
        users.reset_password(session, SYSTEM, user.id, DEMO_PASSWORD)
    assert sign_in(seeded)


def test_concurrent_failures_are_all_counted(seeded: Hub) -> None:
    """Six processes failing at once all count: the sixth failure makes the next attempt wait."""
    barrier = threading.Barrier(6)
    results: list[str] = []

    def one() -> None:
        barrier.wait()
        results.append(fail(seeded))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["wrong"] * 6
    assert attempt(seeded).refusal == "slow_down"
    with seeded.db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == FIONA))
        assert user is not None and user.failed_attempts == 6


def test_session_expires_after_idle_hours_and_use_extends_it(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    clock.advance(timedelta(hours=5))
    found = lookup(seeded, cookie)
    assert found is not None and found.needs_touch
    with seeded.db.write() as session:
        sessions.touch(session, found.actor.session_id or "")
    clock.advance(timedelta(hours=5))
    assert lookup(seeded, cookie) is not None  # ten hours in, but used five hours ago
    with seeded.db.write() as session:
        sessions.touch(session, found.actor.session_id or "")
    clock.advance(timedelta(hours=1))
    assert lookup(seeded, cookie) is not None
    clock.advance(timedelta(hours=1, seconds=1))
    assert lookup(seeded, cookie) is None  # used an hour ago, but twelve hours after sign-in: it ends however busy


def test_a_session_unused_for_eight_hours_ends(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    clock.advance(timedelta(hours=8, seconds=1))
    assert lookup(seeded, cookie) is None


def test_recent_use_needs_no_write(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    clock.advance(timedelta(seconds=10))
    found = lookup(seeded, cookie)
    assert found is not None and not found.needs_touch


def still_live(hub: Hub, actor: Actor) -> bool:
    with hub.db.read() as session:
        return sessions.still_live(session, hub.settings, actor)


def test_a_page_redrawing_itself_sees_the_session_end_and_never_keeps_it_alive(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    found = lookup(seeded, cookie)
    assert found is not None
    actor = found.actor
    for _ in range(7 * 60):  # a page left open redraws its live parts all day; that is not use
        clock.advance(timedelta(minutes=1))
        assert still_live(seeded, actor)
    clock.advance(timedelta(hours=1, seconds=1))
    assert not still_live(seeded, actor)  # eight hours unused: ended, however often the page redrew
    assert lookup(seeded, cookie) is None


def test_a_redrawing_page_sees_sign_out_and_a_disabled_account(seeded: Hub) -> None:
    cookie = sign_in(seeded)
    found = lookup(seeded, cookie)
    assert found is not None and still_live(seeded, found.actor)
    with seeded.db.write() as session:
        sessions.end(session, seeded.settings, cookie)
    assert not still_live(seeded, found.actor)
    again = lookup(seeded, sign_in(seeded))
    assert again is not None and still_live(seeded, again.actor)
    assert not still_live(seeded, Actor(**{**again.actor.__dict__, "user_id": (again.actor.user_id or 0) + 1}))
    with seeded.db.write() as session:
        users.set_disabled(session, SYSTEM, again.actor.user_id or 0, True)
    assert not still_live(seeded, again.actor)


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
