"""Links into Xero name the organisation: its short code, read from /Organisation with the reference data

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('xero_reference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_code', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('xero_reference', schema=None) as batch_op:
        batch_op.drop_column('short_code')
