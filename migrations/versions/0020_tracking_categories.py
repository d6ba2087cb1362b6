"""Xero's tracking categories and their options are kept with the reference data (mapped from a line's dimensions)

Reference data read before this has none; the next refresh (hourly, or on demand) reads them.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('xero_reference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking_categories', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('xero_reference', schema=None) as batch_op:
        batch_op.drop_column('tracking_categories')
