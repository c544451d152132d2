"""Privacy: the read log, the events' erasable part, erasure marks on cases and persons, TOTP secrets encrypted

Revision ID: 0017_privacy
Revises: 0016_report_facts
Create Date: 2026-11-30 08:30:00

``case_reads`` logs staff reads of case files, documents and letters. ``event_personal`` holds what a person
wrote into an event (the chain keeps a salted digest); events written before stay as they were (their reasons
are in the chain itself and cannot be erased without breaking it). ``users.totp_secret`` is widened and every
existing secret encrypted under ``TOTP_KEY`` (the app's configuration; downgrade decrypts them again).
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from tracker.auth import secret_box
from tracker.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0017_privacy'
down_revision = '0016_report_facts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('what', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_reads_case', 'case_reads', ['case_id', 'occurred_at'])
    op.create_table(
        'event_personal',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('erased_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id']),
        sa.PrimaryKeyConstraint('event_id'),
    )
    # Plain ADD COLUMN (no batch copy on SQLite: cases and persons keep their indexes and foreign keys as they are).
    op.add_column('cases', sa.Column('erased_at', UTCDateTime(), nullable=True))
    op.add_column('persons', sa.Column('erased_at', UTCDateTime(), nullable=True))
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    _convert_secrets(lambda value: value if value.startswith(secret_box.TOKEN_PREFIX)
                     else secret_box.encrypt(value, current_app.config))


def downgrade():
    _convert_secrets(lambda value: secret_box.decrypt(value, current_app.config)
                     if value.startswith(secret_box.TOKEN_PREFIX) else value)
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
    op.drop_column('persons', 'erased_at')
    op.drop_column('cases', 'erased_at')
    op.drop_table('event_personal')
    op.drop_index('ix_case_reads_case', table_name='case_reads')
    op.drop_table('case_reads')


def _convert_secrets(convert) -> None:
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('totp_secret', sa.String()))
    rows = bind.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))).all()
    for user_id, value in rows:
        bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=convert(value)))
