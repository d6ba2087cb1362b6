"""A document carries its Reference and whether its unit amounts include tax (Xero's LineAmountTypes)

Documents issued before this were tax-exclusive, as the platform sent them then.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('platform_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column('line_amount_types', sa.String(length=10), server_default='Exclusive', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('platform_documents', schema=None) as batch_op:
        batch_op.drop_column('line_amount_types')
        batch_op.drop_column('reference')
