"""Documents in Xero: status, amounts due and paid, the uncertain state, payments' export, customers off balance,
the cursor of the documents' status poll; indexes for the overview's figures

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_entries', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_entries_done', ['state', 'done_at'], unique=False)

    with op.batch_alter_table('platform_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xero_outstanding', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('off_balance', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('platform_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xero_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('amount_due', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('amount_paid', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('xero_updated_at', core.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pushed_at', core.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('uncertain_since', core.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('platform_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xero_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('exported_at', core.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('sync_errors', schema=None) as batch_op:
        batch_op.create_index('ix_sync_errors_first_seen', ['first_seen_at'], unique=False)
        batch_op.create_index('ix_sync_errors_latest', ['status', 'company_id', 'last_seen_at'], unique=False)

    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_sync_runs_finished', ['finished_at'], unique=False)

    with op.batch_alter_table('xero_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents_since', core.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('documents_polled_at', core.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('xero_connections', schema=None) as batch_op:
        batch_op.drop_column('documents_polled_at')
        batch_op.drop_column('documents_since')

    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_runs_finished')

    with op.batch_alter_table('sync_errors', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_errors_latest')
        batch_op.drop_index('ix_sync_errors_first_seen')

    with op.batch_alter_table('platform_payments', schema=None) as batch_op:
        batch_op.drop_column('exported_at')
        batch_op.drop_column('xero_status')

    with op.batch_alter_table('platform_documents', schema=None) as batch_op:
        batch_op.drop_column('uncertain_since')
        batch_op.drop_column('pushed_at')
        batch_op.drop_column('xero_updated_at')
        batch_op.drop_column('amount_paid')
        batch_op.drop_column('amount_due')
        batch_op.drop_column('xero_status')

    with op.batch_alter_table('platform_contacts', schema=None) as batch_op:
        batch_op.drop_column('off_balance')
        batch_op.drop_column('xero_outstanding')

    with op.batch_alter_table('outbox_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_entries_done')

