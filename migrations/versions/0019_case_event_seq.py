"""Cases know the sequence number of their newest audit event, so appending one asks the events table nothing

Revision ID: 0019_case_event_seq
Revises: 0010_audit_keyed_chain
Create Date: 2026-11-30 08:10:00

Backfilled from the events each case already has (0 for a case without any).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_case_event_seq'
down_revision = '0010_audit_keyed_chain'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy on SQLite): cases keeps its indexes as they are.
    op.add_column('cases', sa.Column('event_seq', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE cases SET event_seq = COALESCE((SELECT max(events.seq) FROM events "
               "WHERE events.case_id = cases.id), 0)")


def downgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('event_seq')
