"""Leaving the status page ends every copy of the applicant's session: a session counter per access code

Revision ID: 0022_applicant_leave_everywhere
Revises: 0021_stage_suspended_days
Create Date: 2026-12-01 02:10:00

An applicant session is kept in the signed cookie. Leaving removed it from that browser only: a copy of the cookie
(another device, a shared computer's saved session) still opened the case until its idle time ran out. Each session
now carries the code's ``session_generation``, which leaving bumps, as staff logout bumps theirs.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_applicant_leave_everywhere'
down_revision = '0021_stage_suspended_days'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('access_codes', sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('access_codes') as batch:
        batch.drop_column('session_generation')
