"""Documents and messages of the portal: uploads of requested documents (stored outside the database under a random
key with their SHA-256) and the message thread of each case, with the office's read mark

Revision ID: 0013_uploads_messages
Revises: 0012_access_codes
Create Date: 2026-11-30 08:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_uploads_messages'
down_revision = '0012_access_codes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('case_document_id', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('media_type', sa.String(length=32), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('from_applicant', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_uploads_case_id_cases')),
        sa.ForeignKeyConstraint(['case_document_id'], ['case_documents.id'],
                                name=op.f('fk_uploads_case_document_id_case_documents')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_uploads_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_uploads_storage_key')),
    )
    op.create_index('ix_uploads_case', 'uploads', ['case_id'])
    op.create_index('ix_uploads_case_document', 'uploads', ['case_document_id'])
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_role', sa.String(length=32), nullable=False),
        sa.Column('from_office', sa.Boolean(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('read_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_messages_case_id_cases')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
        sa.ForeignKeyConstraint(['read_by_id'], ['users.id'], name=op.f('fk_messages_read_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    )
    op.create_index('ix_messages_case', 'messages', ['case_id', 'created_at'])
    op.create_index('ix_messages_unread', 'messages', ['case_id'], postgresql_where=sa.text('read_at IS NULL'),
                    sqlite_where=sa.text('read_at IS NULL'))


def downgrade():
    op.drop_index('ix_messages_unread', table_name='messages')
    op.drop_index('ix_messages_case', table_name='messages')
    op.drop_table('messages')
    op.drop_index('ix_uploads_case_document', table_name='uploads')
    op.drop_index('ix_uploads_case', table_name='uploads')
    op.drop_table('uploads')
