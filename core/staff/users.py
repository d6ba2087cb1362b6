"""Staff user management for admins: create, change, disable, enable, reset password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.failures import Refusal
from core.models.base import Company, Role, StaffUser
from core.staff import sessions, signin
from core.staff.passwords import hash_password
from core.staff.signin import normalise_email
from core.text import is_email

MIN_PASSWORD_LENGTH = 10


class UserError(Refusal):
    """A user change was refused; the message says why and what to do."""


@dataclass(frozen=True)
class UserDraft:
    """What an admin enters to create or change a user."""

    email: str
    name: str
    role: Role
    company_id: int | None = None
    is_company_admin: bool = False


def _snapshot(user: StaffUser) -> dict[str, object]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "company_id": user.company_id,
        "is_company_admin": user.is_company_admin,
        "is_disabled": user.is_disabled,
    }


def check_password(password: str) -> None:
    """Refuse passwords that are too easy to guess."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip() != password:
        raise UserError("Passwords cannot start or end with a space.")


def generate_password() -> str:
    """A random password to hand to a user once (after a reset or creation)."""
    return secrets.token_urlsafe(12)


def _validate(session: Session, draft: UserDraft, *, existing_id: int | None = None) -> UserDraft:
    email = normalise_email(draft.email)
    if not is_email(email):
        raise UserError(f"{draft.email!r} is not an email address.")
    name = draft.name.strip()
    if not name:
        raise UserError("Give the user a name, as colleagues will see it in the audit log.")
    if len(name) > 200:
        raise UserError("Names can be at most 200 characters.")
    clash = session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    if clash is not None and clash != existing_id:
        raise UserError(f"A user with the email {email} already exists.")
    company_id = draft.company_id
    if draft.role is Role.FINANCE_MANAGER:
        if company_id is None or session.get(Company, company_id) is None:
            raise UserError("A finance manager belongs to one company: pick it.")
    else:
        company_id = None
    return UserDraft(
        email=email,
        name=name,
        role=draft.role,
        company_id=company_id,
        is_company_admin=draft.is_company_admin and draft.role is Role.FINANCE_MANAGER,
    )


def list_users(session: Session, actor: Actor) -> list[StaffUser]:
    """Every staff user, by name."""
    require(actor, Permission.MANAGE_USERS)
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))


def create(session: Session, actor: Actor, draft: UserDraft, password: str) -> StaffUser:
    """Add a staff user who signs in with the given password."""
    require(actor, Permission.MANAGE_USERS)
    draft = _validate(session, draft)
    check_password(password)
    user = StaffUser(
        email=draft.email,
        name=draft.name,
        role=draft.role,
        company_id=draft.company_id,
        is_company_admin=draft.is_company_admin,
        password_hash=hash_password(password),
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user_created",
        company_id=user.company_id,
        target=user.email,
        after=_snapshot(user),
    )
    return user


def _get(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise UserError("That user no longer exists; reload the page.")
    return user


def update(session: Session, actor: Actor, user_id: int, draft: UserDraft) -> StaffUser:
    """Change a user's email, name, role or company."""
    require(actor, Permission.MANAGE_USERS)
    user = _get(session, user_id)
    draft = _validate(session, draft, existing_id=user.id)
    if user.id == actor.user_id and draft.role is not Role.ADMIN:
        raise UserError("You cannot take the admin role away from yourself; ask another admin.")
    before = _snapshot(user)
    user.email, user.name, user.role = draft.email, draft.name, draft.role
    user.company_id, user.is_company_admin = draft.company_id, draft.is_company_admin
    after = _snapshot(user)
    if before != after:
        audit.record(
            session,
            actor=actor,
            action="user_changed",
            company_id=user.company_id,
            target=user.email,
            before=before,
            after=after,
        )
    return user


def set_disabled(session: Session, actor: Actor, user_id: int, disabled: bool) -> StaffUser:
    """Disable a user (ending their sessions at once) or enable them again."""
    require(actor, Permission.MANAGE_USERS)
    user = _get(session, user_id)
    if user.id == actor.user_id and disabled:
        raise UserError("You cannot disable your own account.")
    if user.is_disabled == disabled:
        return user
    user.is_disabled = disabled
    if disabled:
        sessions.end_all_for(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="user_disabled" if disabled else "user_enabled",
        company_id=user.company_id,
        target=user.email,
        before={"is_disabled": not disabled},
        after={"is_disabled": disabled},
    )
    return user


def reset_password(session: Session, actor: Actor, user_id: int, password: str | None = None) -> str:
    """Set a new password (random if none given), clear any lock, end sessions; return the password."""
    require(actor, Permission.MANAGE_USERS)
    user = _get(session, user_id)
    password = password or generate_password()
    check_password(password)
    user.password_hash = hash_password(password)
    signin.forget_failures(session, user)
    sessions.end_all_for(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="password_reset",
        company_id=user.company_id,
        target=user.email,
        detail="password reset; lock cleared; sessions ended",
    )
    return password


def get_by_email(session: Session, email: str) -> StaffUser | None:
    """The user with this email, if any."""
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
