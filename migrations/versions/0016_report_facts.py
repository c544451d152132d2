"""Reports: the facts each case contributes to the statistics, its stays per stage and their monthly histogram, the
country of training, and the export requests of the reports

Revision ID: 0016_report_facts
Revises: 0015_api_tokens
Create Date: 2026-11-30 08:10:00

The facts of cases that exist before this revision are derived afterwards by ``flask reports rebuild`` (they need the
workflow definitions, which a migration must not load); until then a step on such a case derives its own.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_report_facts'
down_revision = '0015_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy of the cases table on SQLite); existing cases get an empty country, and the
    # model keeps the server default.
    op.add_column('cases', sa.Column('training_country', sa.String(length=100), nullable=False,
                                     server_default=sa.text("''")))
    op.create_table(
        'case_facts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.String(length=64), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('accelerated', sa.Boolean(), nullable=False),
        sa.Column('reference_occupation', sa.String(length=200), nullable=False),
        sa.Column('training_country', sa.String(length=100), nullable=False),
        sa.Column('nationality', sa.String(length=100), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('documents_complete_on', sa.Date(), nullable=True),
        sa.Column('first_decision_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('settled_on', sa.Date(), nullable=True),
        sa.Column('category', sa.String(length=32), nullable=True),
        sa.Column('suspended_days', sa.Integer(), nullable=False),
        sa.Column('lead_days', sa.Integer(), nullable=True),
        sa.Column('decision_days', sa.Integer(), nullable=True),
        sa.Column('deadline_on', sa.Date(), nullable=True),
        sa.Column('in_deadline', sa.Boolean(), nullable=True),
        sa.Column('within_three_months', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_facts_case_id_cases')),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_case_facts_office_id_offices')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_facts')),
    )
    op.create_index('ix_case_facts_settled', 'case_facts', ['settled_on', 'procedure_id'])
    op.create_index('ix_case_facts_office_settled', 'case_facts', ['office_id', 'settled_on'])
    op.create_table(
        'stage_spans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.String(length=64), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=64), nullable=False),
        sa.Column('entered_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_stage_spans_case_id_cases')),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_stage_spans_office_id_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_spans')),
    )
    op.create_index(op.f('ix_stage_spans_case_id'), 'stage_spans', ['case_id'])
    op.create_index('ix_stage_spans_left', 'stage_spans', ['left_on', 'procedure_id'])
    op.create_index('ix_stage_spans_office_left', 'stage_spans', ['office_id', 'left_on'])
    op.create_table(
        'stage_months',
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.String(length=64), nullable=False),
        sa.Column('stage', sa.String(length=64), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('spans', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_stage_months_office_id_offices')),
        sa.PrimaryKeyConstraint('month', 'office_id', 'procedure_id', 'stage', 'days', name=op.f('pk_stage_months')),
    )
    op.create_table(
        'report_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('period_from', sa.Date(), nullable=False),
        sa.Column('period_to', sa.Date(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('file_format', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done_rows', sa.Integer(), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_report_exports_office_id_offices')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_report_exports_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_exports')),
    )
    op.create_index(op.f('ix_report_exports_requested_by_id'), 'report_exports', ['requested_by_id'])


def downgrade():
    op.drop_index(op.f('ix_report_exports_requested_by_id'), table_name='report_exports')
    op.drop_table('report_exports')
    op.drop_table('stage_months')
    op.drop_index('ix_stage_spans_office_left', table_name='stage_spans')
    op.drop_index('ix_stage_spans_left', table_name='stage_spans')
    op.drop_index(op.f('ix_stage_spans_case_id'), table_name='stage_spans')
    op.drop_table('stage_spans')
    op.drop_index('ix_case_facts_office_settled', table_name='case_facts')
    op.drop_index('ix_case_facts_settled', table_name='case_facts')
    op.drop_table('case_facts')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('training_country')
