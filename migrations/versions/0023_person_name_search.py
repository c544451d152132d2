"""A trigram index on the applicants' names, folded: the queue's search by any part of a name, typed with or without
diacritics (PostgreSQL)

Revision ID: 0023_person_name_search
Revises: 0022_applicant_leave_everywhere
Create Date: 2026-12-01 05:10:00

The work queue finds "nguy" in "Thi Lan Nguyễn": ``tracker_fold(given_names || ' ' || family_name) LIKE '%nguy%'``,
the name lower-cased and without diacritics (``tracker_fold``, a function over unaccent created here). No B-tree
serves that, so PostgreSQL read every person of every office for each search. A GIN index of trigrams (pg_trgm)
answers such a pattern from the index once it has three characters. SQLite has neither: the app registers
``tracker_fold`` on its connections.
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
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # As tracker.db_types.FOLD_FUNCTION_SQL (a migration keeps its own copy: it must not change with the code).
    op.execute("CREATE OR REPLACE FUNCTION tracker_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
               "STRICT AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$")
    op.execute("CREATE INDEX ix_persons_name_search ON persons USING gin ("
               "tracker_fold((given_names || ' ') || family_name) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_persons_name_search")
    op.execute("DROP FUNCTION IF EXISTS tracker_fold(text)")  # the extensions stay: other objects may use them
