"""A document's PDF, kept until it is attached to the document in Xero

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_pdfs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('received_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('uncertain_since', core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('xero_attachment_id', sa.String(length=64), nullable=True),
        sa.Column('attached_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('cleared_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['company_id'], ['companies.id'], name=op.f('fk_document_pdfs_company_id_companies'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['document_id'],
            ['platform_documents.id'],
            name=op.f('fk_document_pdfs_document_id_platform_documents'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_pdfs')),
        sa.UniqueConstraint('document_id', name=op.f('uq_document_pdfs_document_id')),
    )
    with op.batch_alter_table('document_pdfs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_pdfs_company_id'), ['company_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_pdfs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_pdfs_company_id'))
    op.drop_table('document_pdfs')
