"""Employers' authorisations per case (power of attorney under § 81a(1) s. 2 AufenthG, or the applicant's
authorisation in a recognition case): the one source of an employer user's access

Revision ID: 0006_authorisations
Revises: 0005
Create Date: 2026-11-30 07:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic. A named id: other branches number their 0006 too.
revision = '0006_authorisations'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'authorisations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('grantor', sa.String(length=200), nullable=False),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('evidence_document_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('revocation_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_authorisations_case_id_cases')),
        sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_authorisations_employer_id_employers')),
        sa.ForeignKeyConstraint(['evidence_document_id'], ['case_documents.id'],
                                name=op.f('fk_authorisations_evidence_document_id_case_documents')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_authorisations_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_authorisations_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisations')),
    )
    op.create_index('ix_authorisations_employer_case', 'authorisations', ['employer_id', 'case_id'])
    op.create_index('ix_authorisations_case', 'authorisations', ['case_id'])


def downgrade():
    op.drop_index('ix_authorisations_case', table_name='authorisations')
    op.drop_index('ix_authorisations_employer_case', table_name='authorisations')
    op.drop_table('authorisations')
