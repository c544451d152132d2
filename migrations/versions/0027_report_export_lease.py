"""report_exports: when the job was enqueued and started, and how often: a lost export job is run again

Revision ID: 0027_report_export_lease
Revises: 0026_user_email_folded_unique
Create Date: 2026-12-02 11:20:00

An export requested while Redis was unreachable stayed "queued" for good (its job never reached the queue), and one
whose worker died stayed "running": ``reports.jobs.pump_exports`` enqueues both again from these columns. Rows from
before have no times: a queued one is enqueued at the pump's first run, a running one is left as it is.
"""
import sqlalchemy as sa
from alembic import op

from tracker.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0027_report_export_lease'
down_revision = '0026_user_email_folded_unique'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_exports') as batch:
        batch.add_column(sa.Column('enqueued_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('started_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('report_exports') as batch:
        batch.drop_column('attempts')
        batch.drop_column('started_at')
        batch.drop_column('enqueued_at')
