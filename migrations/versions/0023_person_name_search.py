"""A trigram index on the applicants' names: the queue's search by any part of a name (PostgreSQL)

Revision ID: 0023_person_name_search
Revises: 0022_applicant_leave_everywhere
Create Date: 2026-12-01 05:10:00

The work queue finds "nguy" in "Thi Lan Nguyen": ``LIKE '%nguy%'`` on the lower-cased names, which no B-tree
serves, so PostgreSQL read every person of every office for each search. A GIN index of trigrams (pg_trgm) answers
such a pattern from the index once it has three characters. SQLite has no pg_trgm: nothing changes there.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_person_name_search'
down_revision = '0022_applicant_leave_everywhere'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Trusted since PostgreSQL 13: the database's owner may create it; deploy/postgres-roles.sql does beforehand.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_persons_name_search ON persons USING gin ("
               "lower(family_name) gin_trgm_ops, lower(given_names) gin_trgm_ops, "
               "lower(given_names || ' ' || family_name) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_persons_name_search")  # pg_trgm stays: other databases' objects may use it
