"""A new-case form's one-time key: sending the same form twice (a double click, a reload after a slow answer, the
back button and send again) opens one case, not two

Revision ID: 0024_case_submission_key
Revises: 0023_person_name_search
Create Date: 2026-12-01 08:00:00

The form carries a random key from the moment it is shown; the case opened from it keeps the key, unique, so a
second request with the same key finds that case instead of opening another (also when both arrive at once: the
database refuses the second row). Cases opened otherwise (the API, the seed, linked cases) have none.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_case_submission_key'
down_revision = '0023_person_name_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_cases_submission_key', ['submission_key'])


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint('uq_cases_submission_key', type_='unique')
        batch.drop_column('submission_key')
