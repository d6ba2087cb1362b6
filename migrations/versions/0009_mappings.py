"""Mappings: platform categories and tax rates, Xero reference data, and the mappings between them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('platform_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('side', sa.Enum('sales', 'purchases', 'both', name='categoryside', native_enum=False, length=12), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_platform_categories_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_categories')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_platform_categories_company_id'))
    )
    op.create_table('platform_tax_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('effective_rate', sa.Numeric(precision=9, scale=4), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_platform_tax_rates_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_tax_rates')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_platform_tax_rates_company_id'))
    )
    op.create_table('xero_reference',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('fetched_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('tax_rates', sa.JSON(), nullable=False),
    sa.Column('currencies', sa.JSON(), nullable=False),
    sa.Column('contact_groups', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_xero_reference_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_xero_reference'))
    )
    op.create_table('mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('account', 'tax', 'payment', name='mappingkind', native_enum=False, length=12), nullable=False),
    sa.Column('scope', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=12), nullable=False),
    sa.Column('changed_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('stale_reason', sa.Text(), nullable=True),
    sa.Column('stale_since', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_user_id'], ['staff_users.id'], name=op.f('fk_mappings_changed_by_user_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_mappings_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mappings')),
    sa.UniqueConstraint('company_id', 'kind', 'scope', 'source', name=op.f('uq_mappings_company_id'))
    )


def downgrade() -> None:
    op.drop_table('mappings')
    op.drop_table('xero_reference')
    op.drop_table('platform_tax_rates')
    op.drop_table('platform_categories')
