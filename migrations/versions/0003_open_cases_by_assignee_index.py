"""Index of open cases by office and assignee ("my cases" in the work queue, the team view's workload)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")


def upgrade():
    op.create_index('ix_cases_open_assignee', 'cases', ['office_id', 'assignee_id'], unique=False,
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index('ix_cases_open_assignee', table_name='cases', postgresql_where=OPEN, sqlite_where=OPEN)
