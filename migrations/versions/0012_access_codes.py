"""The applicant's status page: access codes (hashed) and the index of decided cases for the expected-date estimate

Revision ID: 0012_access_codes
Revises: 0011_outbox
Create Date: 2026-11-30 08:00:00
"""
import sqlalchemy as sa
from alembic import op

import tracker.db_types

# revision identifiers, used by Alembic.
revision = '0012_access_codes'
down_revision = '0011_outbox'
branch_labels = None
depends_on = None

DECIDED = sa.text("outcome IN ('positive', 'partial', 'negative')")


def upgrade():
    op.create_table(
        'access_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=255), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('issued_at', tracker.db_types.UTCDateTime(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_access_codes_case_id_cases')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_access_codes_issued_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_codes')),
        sa.UniqueConstraint('case_id', name=op.f('uq_access_codes_case_id')),
    )
    op.create_index('ix_cases_decided', 'cases', ['office_id', 'procedure_id', 'accelerated', sa.text('closed_at DESC')],
                    unique=False, postgresql_where=DECIDED, sqlite_where=DECIDED)


def downgrade():
    op.drop_index('ix_cases_decided', table_name='cases', postgresql_where=DECIDED, sqlite_where=DECIDED)
    op.drop_table('access_codes')
