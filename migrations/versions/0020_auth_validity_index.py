"""The index from an employer to its authorised cases carries the authorisation's validity (PostgreSQL INCLUDE)

Revision ID: 0020_auth_validity_index
Revises: 0019_case_event_seq
Create Date: 2026-11-30 15:20:00

The one access rule admits an employer's (or its advisors') cases through the authorisations valid today: with
valid_from, valid_until and revoked_at in the index, PostgreSQL answers it from the index alone instead of reading
every authorisation row (an advisor with 15,000 cases: 30 -> 5 ms for each query that needs them). SQLite has no
INCLUDE: its index stays (employer_id, case_id).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_auth_validity_index'
down_revision = '0019_case_event_seq'
branch_labels = None
depends_on = None

VALIDITY = ['valid_from', 'valid_until', 'revoked_at']


def upgrade():
    op.drop_index('ix_authorisations_employer_case', table_name='authorisations')
    op.create_index('ix_authorisations_employer_case', 'authorisations', ['employer_id', 'case_id'],
                    postgresql_include=VALIDITY)


def downgrade():
    op.drop_index('ix_authorisations_employer_case', table_name='authorisations')
    op.create_index('ix_authorisations_employer_case', 'authorisations', ['employer_id', 'case_id'])
