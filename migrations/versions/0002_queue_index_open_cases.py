"""Work queue index over open cases, sorted like the queue (breached first, nearest deadline, id)

The old index (office_id, breached, next_due_on, id) cannot serve "breached DESC, next_due_on ASC NULLS LAST":
PostgreSQL sorted every open case of the office for each queue page. This one (ascending is NULLS LAST there) is
read in order and stops after a page.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")


def upgrade():
    op.drop_index('ix_cases_queue', table_name='cases')
    op.create_index('ix_cases_queue', 'cases',
                    ['office_id', sa.text('breached DESC'), 'next_due_on', 'id'],
                    unique=False, postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index('ix_cases_queue', table_name='cases', postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_cases_queue', 'cases', ['office_id', 'breached', 'next_due_on', 'id'], unique=False)
