"""Indexes for the sidecar's due-queries: the companies whose status poll, contacts poll or inactivity step is due,
and whether a company's reference data was asked for within the hour, each found in one query whatever the fleet

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('xero_connections', schema=None) as batch_op:
        batch_op.create_index('ix_xero_connections_documents_due', ['state', 'documents_polled_at'], unique=False)
        batch_op.create_index('ix_xero_connections_contacts_due', ['state', 'contacts_polled_at'], unique=False)
        batch_op.create_index('ix_xero_connections_inactive', ['state', 'last_activity_at'], unique=False)
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_sync_runs_requested', ['company_id', 'job', 'requested_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_runs_requested')
    with op.batch_alter_table('xero_connections', schema=None) as batch_op:
        batch_op.drop_index('ix_xero_connections_inactive')
        batch_op.drop_index('ix_xero_connections_contacts_due')
        batch_op.drop_index('ix_xero_connections_documents_due')
