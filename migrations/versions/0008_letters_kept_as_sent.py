"""Letters kept as sent (their text frozen, one row per letter); postal addresses of applicants, employers and
offices for the letters' address blocks, the offices' contact for the sender block

Revision ID: 0008_letters
Revises: 0007_invitations
Create Date: 2026-11-30 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_letters'
down_revision = '0007_invitations'
branch_labels = None
depends_on = None

#: New text columns: NOT NULL like the models, existing rows get "" (the default is dropped again afterwards,
#: as the models declare none).
NEW_COLUMNS = {
    'persons': [('street', 200), ('postcode', 20), ('city', 100), ('country', 100)],
    'employers': [('street', 200), ('postcode', 20)],
    'offices': [('street', 200), ('postcode', 20), ('phone', 50), ('email', 254)],
}


def upgrade():
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, length in columns:
                batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, length in columns:
                batch_op.alter_column(name, existing_type=sa.String(length=length), server_default=None)
    op.create_table(
        'letters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('dated', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('event_seq', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'kind', 'number'),
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_case_id'))
    op.drop_table('letters')
    for table, columns in reversed(list(NEW_COLUMNS.items())):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _length in reversed(columns):
                batch_op.drop_column(name)
