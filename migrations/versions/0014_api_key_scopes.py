"""API keys name what they reach: one company or every company, read and write or read only, and an optional expiry

Keys made before this reached every company and could write; they keep doing so (shown as such on the API keys page).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('can_write', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_api_keys_company_id_companies'), 'companies', ['company_id'], ['id'], ondelete='CASCADE'
        )


def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_keys_company_id_companies'), type_='foreignkey')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('can_write')
        batch_op.drop_column('company_id')
