"""Single sign-on: a verified email only, bound to the provider's user id, and a real session, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.auth import SYSTEM, PermissionDenied
from core.hub import Hub
from core.staff import sessions, single_sign_on, users

FIONA = "fiona@harbourbakery.example"
ISSUER = "https://id.example.com"


def identity(email: str = FIONA, *, verified: bool = True, subject: str = "user-1", issuer: str = ISSUER):
    return single_sign_on.Identity(email=email, email_verified=verified, issuer=issuer, subject=subject)


def sso(hub: Hub, who: single_sign_on.Identity) -> single_sign_on.Outcome:
    with hub.db.write() as session:
        return single_sign_on.sign_in(session, hub.settings, who)


def redeem(hub: Hub, ticket: str) -> str | None:
    with hub.db.write() as session:
        return single_sign_on.redeem(session, hub.settings, ticket)


def test_a_verified_identity_opens_a_real_session_whose_cookie_the_ticket_gives_once(seeded: Hub) -> None:
    outcome = sso(seeded, identity())
    assert outcome.refusal is None and outcome.actor is not None and outcome.ticket
    assert outcome.actor.email == FIONA and outcome.actor.session_id
    cookie = redeem(seeded, outcome.ticket)
    assert cookie is not None
    with seeded.db.read() as session:
        found = sessions.lookup(session, seeded.settings, cookie)
    assert found is not None and found.actor.session_id == outcome.actor.session_id
    assert redeem(seeded, outcome.ticket) is None  # once only


def test_an_unverified_email_is_refused(seeded: Hub) -> None:
    outcome = sso(seeded, identity(verified=False))
    assert outcome.actor is None and outcome.refusal == "unverified"
    assert "has not verified" in single_sign_on.refusal_message("unverified", FIONA)
    assert sso(seeded, identity(subject="")).refusal == "unverified"


def test_the_first_sign_on_binds_the_account_to_the_provider_identity(seeded: Hub) -> None:
    assert sso(seeded, identity(subject="user-1")).actor is not None
    # Someone else who now holds the same email at the provider (or at another provider) is refused.
    assert sso(seeded, identity(subject="user-2")).refusal == "bound_elsewhere"
    assert sso(seeded, identity(issuer="https://other.example.com")).refusal == "bound_elsewhere"
    # The bound identity keeps working even after the provider changes the email it asserts.
    later = sso(seeded, identity("fiona.new@harbourbakery.example", subject="user-1"))
    assert later.actor is not None and later.actor.email == FIONA


def test_unknown_and_disabled_accounts_are_refused(seeded: Hub) -> None:
    assert sso(seeded, identity("stranger@example.com")).refusal == "unknown"
    with seeded.db.write() as session:
        user = users.get_by_email(session, FIONA)
        assert user is not None
        users.set_disabled(session, SYSTEM, user.id, True)
    assert sso(seeded, identity()).refusal == "disabled"


def test_a_ticket_is_worthless_after_a_minute_or_when_made_up(seeded: Hub) -> None:
    outcome = sso(seeded, identity())
    clock.advance(single_sign_on.HANDOFF_WITHIN + timedelta(seconds=1))
    assert redeem(seeded, outcome.ticket or "") is None
    assert redeem(seeded, "made-up") is None


def test_disabling_ends_a_single_sign_on_session_like_any_other(seeded: Hub) -> None:
    outcome = sso(seeded, identity())
    assert outcome.actor is not None
    with seeded.db.write() as session:
        users.set_disabled(session, SYSTEM, outcome.actor.user_id or 0, True)
    with seeded.db.read() as session, pytest.raises(PermissionDenied):
        sessions.current(session, outcome.actor)
