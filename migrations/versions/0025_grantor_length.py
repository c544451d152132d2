"""authorisations.grantor holds a whole name: 401 characters (a person's given names, 200, a space and the family
name, 200), not 200

Revision ID: 0025_grantor_length
Revises: 0024_case_submission_key
Create Date: 2026-12-01 23:10:00

The grantor is usually the worker, named as in the power of attorney; the clerk's form refused a name longer than
200 characters that the persons table holds without trouble. Widening keeps every row; the downgrade shortens the
column again and refuses (rather than cuts) a longer name already stored.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_grantor_length'
down_revision = '0024_case_submission_key'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('authorisations') as batch:
        batch.alter_column('grantor', existing_type=sa.String(length=200), type_=sa.String(length=401),
                           existing_nullable=False)


def downgrade():
    longest = op.get_bind().scalar(sa.text("SELECT MAX(LENGTH(grantor)) FROM authorisations"))
    if longest is not None and longest > 200:
        raise RuntimeError("authorisations.grantor holds names longer than 200 characters: shorten them first")
    with op.batch_alter_table('authorisations') as batch:
        batch.alter_column('grantor', existing_type=sa.String(length=401), type_=sa.String(length=200),
                           existing_nullable=False)
