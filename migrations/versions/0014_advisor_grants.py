"""ThAFF advisors: an employer's recorded, revocable consent (``advisor_grants``) replaces the plain list of
accompanied employers; cases record when their procedure last progressed (``cases.progressed_at``)

Revision ID: 0014_advisor_grants
Revises: 0013_uploads_messages
Create Date: 2026-11-30 08:00:00

Every row of ``advisor_employers`` becomes a grant valid from the day of the upgrade (Berlin), until revoked, with
no recorded grantor (``granted_by_id`` NULL) and a consent text saying where it came from; the employer's
administrators see it on their advisors page and can revoke it. ``progressed_at`` is filled from each case's last
transition event, or its opening. The downgrade keeps the grants valid on the day of the downgrade only.
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_advisor_grants'
down_revision = '0013_uploads_messages'
branch_labels = None
depends_on = None

CARRIED_OVER = ("Übernommen aus der früheren Zuordnung der Beratung zum Arbeitgeber (ohne erfasste Einwilligung). "
                "Carried over from the former assignment of the advisor to the employer (no consent recorded).")


def upgrade():
    grants = op.create_table(
        'advisor_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('advisor_id', sa.Integer(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('consent_text', sa.Text(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_advisor_grants_advisor_id_users')),
        sa.ForeignKeyConstraint(['employer_id'], ['employers.id'],
                                name=op.f('fk_advisor_grants_employer_id_employers')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_advisor_grants_granted_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_advisor_grants_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_advisor_grants')),
    )
    op.create_index('ix_advisor_grants_advisor', 'advisor_grants', ['advisor_id', 'employer_id'])
    op.create_index('ix_advisor_grants_employer', 'advisor_grants', ['employer_id'])

    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    pairs = connection.execute(sa.text("SELECT advisor_id, employer_id FROM advisor_employers "
                                       "ORDER BY advisor_id, employer_id")).all()
    if pairs:
        op.bulk_insert(grants, [{"advisor_id": advisor_id, "employer_id": employer_id, "granted_by_id": None,
                                 "granted_at": now, "consent_text": CARRIED_OVER, "valid_from": today,
                                 "valid_until": None, "revoked_at": None, "revoked_by_id": None}
                                for advisor_id, employer_id in pairs])
    op.drop_table('advisor_employers')

    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('progressed_at', sa.DateTime(timezone=True), nullable=True))
    connection.execute(sa.text(
        "UPDATE cases SET progressed_at = COALESCE((SELECT MAX(events.occurred_at) FROM events "
        "WHERE events.case_id = cases.id AND events.kind = 'transition'), opened_at)"))
    with op.batch_alter_table('cases') as batch:
        batch.alter_column('progressed_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('progressed_at')
    op.create_table(
        'advisor_employers',
        sa.Column('advisor_id', sa.Integer(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_advisor_employers_advisor_id_users')),
        sa.ForeignKeyConstraint(['employer_id'], ['employers.id'],
                                name=op.f('fk_advisor_employers_employer_id_employers')),
        sa.PrimaryKeyConstraint('advisor_id', 'employer_id', name=op.f('pk_advisor_employers')),
    )
    today = datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Berlin")).date()
    op.get_bind().execute(sa.text(
        "INSERT INTO advisor_employers (advisor_id, employer_id) SELECT DISTINCT advisor_id, employer_id "
        "FROM advisor_grants WHERE revoked_at IS NULL AND valid_from <= :today "
        "AND (valid_until IS NULL OR valid_until >= :today)"), {"today": today})
    op.drop_index('ix_advisor_grants_employer', table_name='advisor_grants')
    op.drop_index('ix_advisor_grants_advisor', table_name='advisor_grants')
    op.drop_table('advisor_grants')
