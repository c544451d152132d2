"""Documents carry the day they arrived; a deadline set may name its end day (§ 31(3) s. 2 VwVfG) (the decision period runs from the last required one, § 6(3) s. 2 BQFG)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_named', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_column('end_named')
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_column('received_on')
