"""Sign-ins are slowed, not locked: throttles per client and per email replace the per-account lockout; a single
sign-on binds the provider's user id and trades a one-time hand-off for a real session

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_throttles',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('wait_until', core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttles')),
    )
    op.create_table(
        'sign_in_handoffs',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('session_id', sa.String(length=64), nullable=False),
        sa.Column('cookie', sa.Text(), nullable=False),
        sa.Column('expires_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['session_id'],
            ['staff_sessions.id'],
            name=op.f('fk_sign_in_handoffs_session_id_staff_sessions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_handoffs')),
    )
    op.drop_index('ix_sign_in_failures_user_at', table_name='sign_in_failures')
    op.drop_table('sign_in_failures')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=500), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_users_sso_subject'), ['sso_subject'])


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_users_sso_subject'), type_='unique')
        batch_op.drop_column('sso_subject')
        batch_op.add_column(
            sa.Column('locked_until', core.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        'sign_in_failures',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('at', core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['staff_users.id'], name=op.f('fk_sign_in_failures_user_id_staff_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
    )
    op.create_index('ix_sign_in_failures_user_at', 'sign_in_failures', ['user_id', 'at'], unique=False)
    op.drop_table('sign_in_handoffs')
    op.drop_table('sign_in_throttles')
