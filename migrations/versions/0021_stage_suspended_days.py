"""Stage times without suspended time: each stay keeps its suspended days, the histogram counts net days too

Revision ID: 0021_stage_suspended_days
Revises: 0020_auth_validity_index
Create Date: 2026-11-30 20:45:00

A stay's suspended days are the days in which the authority's own periods stood still (their timers' pauses, e.g.
§ 6(4) BQFG while the applicant owes documents). The stage histogram gains ``net_days`` in its key, so the report
reads medians and 90th percentiles with and without suspended time from it.

Stays that ended before this revision are written with 0 suspended days (their net time equals their time):
``flask --app tracker reports rebuild`` derives them from the cases' timers afterwards (README, *Production*,
"Upgrading").
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_stage_suspended_days'
down_revision = '0020_auth_validity_index'
branch_labels = None
depends_on = None

KEY = ['month', 'office_id', 'procedure_id', 'stage', 'days']


def upgrade():
    op.add_column('stage_spans', sa.Column('suspended_days', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('stage_months', sa.Column('net_days', sa.Integer(), nullable=True))
    op.execute('UPDATE stage_months SET net_days = days')
    with op.batch_alter_table('stage_months') as batch:
        batch.alter_column('net_days', existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint('pk_stage_months', type_='primary')
        batch.create_primary_key('pk_stage_months', KEY + ['net_days'])


def downgrade():
    # Stays that differ only in their net days fold into one row of the old key.
    op.execute('CREATE TABLE stage_months_folded AS SELECT month, office_id, procedure_id, stage, days, '
               'sum(spans) AS spans FROM stage_months GROUP BY month, office_id, procedure_id, stage, days')
    op.execute('DELETE FROM stage_months')
    with op.batch_alter_table('stage_months') as batch:
        batch.drop_constraint('pk_stage_months', type_='primary')
        batch.drop_column('net_days')
        batch.create_primary_key('pk_stage_months', KEY)
    op.execute('INSERT INTO stage_months (month, office_id, procedure_id, stage, days, spans) '
               'SELECT month, office_id, procedure_id, stage, days, spans FROM stage_months_folded')
    op.drop_table('stage_months_folded')
    op.drop_column('stage_spans', 'suspended_days')
