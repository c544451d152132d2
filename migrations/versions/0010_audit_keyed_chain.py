"""Audit integrity: events record the key that sealed their hash (NULL: unkeyed, from before); TRUNCATE refused

Revision ID: 0010_audit_keyed_chain
Revises: 0009_user_totp
Create Date: 2026-11-30 06:40:00

Existing events keep their plain SHA-256 hashes and get ``key_id`` NULL: ``audit verify`` still checks them. The
TRUNCATE trigger exists on PostgreSQL only: SQLite has no TRUNCATE (a ``DELETE FROM events`` is refused row by
row by the triggers of 0001).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_audit_keyed_chain'
down_revision = '0009_user_totp'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy on SQLite, which would drop the table's append-only triggers).
    op.add_column('events', sa.Column('key_id', sa.String(length=16), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # events_append_only() comes from 0001 and raises 'audit events are append-only'.
        op.execute("""CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
                      FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
    op.drop_column('events', 'key_id')
