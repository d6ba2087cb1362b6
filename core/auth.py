"""Who is acting, and what each role may do. Every core service that touches company data checks here."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.failures import Refusal
from core.models.base import Role, StaffUser


class PermissionDenied(Refusal):
    """The acting user may not do this; the message says what and whom to ask."""


class Permission(enum.StrEnum):
    VIEW_COMPANY = "view this company"
    EDIT_COMPANY = "change this company's settings"
    MANAGE_CONNECTION = "connect or disconnect this company's Xero organisation"
    EDIT_MAPPINGS = "change this company's mappings"
    TRIAGE_ERRORS = "retry, resolve or ignore this company's sync errors"
    MANAGE_COMPANIES = "add companies"
    MANAGE_USERS = "manage staff users"
    VIEW_AUDIT = "read the audit log"
    MANAGE_API_KEYS = "manage the platform's API keys"
    OFFBOARD_COMPANY = "offboard a company (disconnect it from Xero and erase its personal data)"


# Permissions that are about one company; the others are hub-wide.
COMPANY_SCOPED = frozenset(
    {
        Permission.VIEW_COMPANY,
        Permission.EDIT_COMPANY,
        Permission.MANAGE_CONNECTION,
        Permission.EDIT_MAPPINGS,
        Permission.TRIAGE_ERRORS,
    }
)

# What each role may do, on every company ("all") or only on its own ("own").
ROLE_GRANTS: dict[Role, dict[Permission, str]] = {
    Role.ADMIN: {permission: "all" for permission in Permission},
    Role.SUPPORT: {Permission.VIEW_COMPANY: "all", Permission.TRIAGE_ERRORS: "all"},
    Role.FINANCE_MANAGER: {
        Permission.VIEW_COMPANY: "own",
        Permission.EDIT_COMPANY: "own",
        Permission.EDIT_MAPPINGS: "own",
        Permission.TRIAGE_ERRORS: "own",
        # Only with the company-admin flag; see allowed().
        Permission.MANAGE_CONNECTION: "own",
    },
    Role.VIEWER: {Permission.VIEW_COMPANY: "all"},
}


@dataclass(frozen=True)
class Actor:
    """The person (or process) on whose behalf a service runs."""

    user_id: int | None
    email: str
    name: str
    role: Role
    company_id: int | None = None
    is_company_admin: bool = False
    session_id: str | None = None

    @property
    def label(self) -> str:
        return self.email

    @classmethod
    def of(cls, user: StaffUser, session_id: str | None = None) -> Actor:
        return cls(
            user_id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            company_id=user.company_id,
            is_company_admin=user.is_company_admin,
            session_id=session_id,
        )


# Work the hub does on its own behalf (not a person); audit rows show it as "system".
SYSTEM = Actor(user_id=None, email="system", name="Hub system", role=Role.ADMIN)
# Administration from `python manage.py`: whoever can run it on the server acts as an admin.
COMMAND_LINE = Actor(user_id=None, email="command line", name="Command line", role=Role.ADMIN)


def allowed(actor: Actor, permission: Permission, company_id: int | None = None) -> bool:
    """Whether the actor holds the permission (on that company, for company permissions)."""
    scope = ROLE_GRANTS[actor.role].get(permission)
    if scope is None:
        return False
    needs_admin_flag = permission is Permission.MANAGE_CONNECTION and actor.role is Role.FINANCE_MANAGER
    if needs_admin_flag and not actor.is_company_admin:
        return False
    if permission not in COMPANY_SCOPED or scope == "all":
        return True
    return company_id is not None and company_id == actor.company_id


def require(actor: Actor, permission: Permission, company_id: int | None = None) -> None:
    """Raise PermissionDenied unless the actor holds the permission."""
    if not allowed(actor, permission, company_id):
        hint = ""
        if permission is Permission.MANAGE_CONNECTION and actor.role is Role.FINANCE_MANAGER:
            hint = " Only your company's admins can do this."
        raise PermissionDenied(
            f"You don't have permission to {permission.value}.{hint} Ask a hub admin if you need this access."
        )


def company_scope(actor: Actor) -> frozenset[int] | None:
    """The companies the actor is confined to, or None when the actor may see every company."""
    if ROLE_GRANTS[actor.role][Permission.VIEW_COMPANY] == "all":
        return None
    return frozenset() if actor.company_id is None else frozenset({actor.company_id})
