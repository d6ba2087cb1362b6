"""Contacts imported from Xero become platform records: each gets the platform id "X-<ContactID>"

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE platform_contacts SET platform_id = 'X-' || xero_contact_id"
        " WHERE platform_id IS NULL AND xero_contact_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE platform_contacts SET platform_id = NULL WHERE origin = 'xero' AND platform_id = 'X-' || xero_contact_id"
    )
