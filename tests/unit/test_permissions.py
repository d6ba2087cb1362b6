"""The role table: who may do what, on their own company and on another."""

from __future__ import annotations

import pytest

from core.auth import Actor, Permission, PermissionDenied, allowed, company_scope, require
from core.models.base import Role

OWN, OTHER = 1, 2


def actor(role: Role, *, company_admin: bool = False) -> Actor:
    company = OWN if role is Role.FINANCE_MANAGER else None
    return Actor(
        user_id=7,
        email="x@example.com",
        name="X",
        role=role,
        company_id=company,
        is_company_admin=company_admin,
    )


FM = actor(Role.FINANCE_MANAGER)
FM_ADMIN = actor(Role.FINANCE_MANAGER, company_admin=True)
P = Permission

# (actor, permission, company, expected)
CASES = [
    (actor(Role.ADMIN), P.MANAGE_CONNECTION, OTHER, True),
    (actor(Role.ADMIN), P.MANAGE_USERS, None, True),
    (actor(Role.ADMIN), P.VIEW_AUDIT, None, True),
    (actor(Role.SUPPORT), P.VIEW_COMPANY, OTHER, True),
    (actor(Role.SUPPORT), P.TRIAGE_ERRORS, OTHER, True),
    (actor(Role.SUPPORT), P.EDIT_MAPPINGS, OTHER, False),
    (actor(Role.SUPPORT), P.MANAGE_CONNECTION, OTHER, False),
    (actor(Role.SUPPORT), P.MANAGE_USERS, None, False),
    (FM, P.VIEW_COMPANY, OWN, True),
    (FM, P.VIEW_COMPANY, OTHER, False),
    (FM, P.VIEW_COMPANY, None, False),
    (FM, P.EDIT_MAPPINGS, OWN, True),
    (FM, P.EDIT_MAPPINGS, OTHER, False),
    (FM, P.MANAGE_CONNECTION, OWN, False),
    (FM_ADMIN, P.MANAGE_CONNECTION, OWN, True),
    (FM_ADMIN, P.MANAGE_CONNECTION, OTHER, False),
    (FM_ADMIN, P.MANAGE_USERS, None, False),
    (FM_ADMIN, P.VIEW_AUDIT, None, False),
    (actor(Role.VIEWER), P.VIEW_COMPANY, OTHER, True),
    (actor(Role.VIEWER), P.EDIT_COMPANY, OTHER, False),
    (actor(Role.VIEWER), P.TRIAGE_ERRORS, OTHER, False),
]


@pytest.mark.parametrize(
    ("who", "permission", "company", "expected"),
    CASES,
    ids=[f"{a.role.value}{'+admin' if a.is_company_admin else ''}-{p.name}-{c}-{e}" for a, p, c, e in CASES],
)
def test_role_table(who: Actor, permission: Permission, company: int | None, expected: bool) -> None:
    assert allowed(who, permission, company) is expected
    if expected:
        require(who, permission, company)
    else:
        with pytest.raises(PermissionDenied, match="permission"):
            require(who, permission, company)


def test_finance_manager_connect_refusal_says_only_company_admins() -> None:
    with pytest.raises(PermissionDenied, match="company's admins"):
        require(FM, Permission.MANAGE_CONNECTION, OWN)


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        (actor(Role.ADMIN), None),
        (actor(Role.SUPPORT), None),
        (actor(Role.VIEWER), None),
        (FM, frozenset({OWN})),
    ],
    ids=["admin", "support", "viewer", "finance_manager"],
)
def test_company_scope(who: Actor, scope: frozenset[int] | None) -> None:
    assert company_scope(who) == scope


def test_finance_manager_without_company_sees_nothing() -> None:
    orphan = Actor(user_id=1, email="o@example.com", name="O", role=Role.FINANCE_MANAGER)
    assert company_scope(orphan) == frozenset()
