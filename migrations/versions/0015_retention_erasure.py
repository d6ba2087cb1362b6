"""Retention and erasure: contacts erased at their owner's request in Xero, offboarded companies, done outbox
payloads blanked, and the indexes housekeeping uses to find what is past its retention

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('platform_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offboarded_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbox_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_cleared_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_entries_payload_kept', ['payload_cleared_at', 'done_at'], unique=False)
    with op.batch_alter_table('contact_history', schema=None) as batch_op:
        batch_op.create_index('ix_contact_history_at', ['at'], unique=False)
    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.create_index('ix_email_messages_sent', ['state', 'sent_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_email_messages_sent')
    with op.batch_alter_table('contact_history', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_history_at')
    with op.batch_alter_table('outbox_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_entries_payload_kept')
        batch_op.drop_column('payload_cleared_at')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_column('offboarded_at')
    with op.batch_alter_table('platform_contacts', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
