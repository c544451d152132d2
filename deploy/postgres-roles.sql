-- Least privilege on PostgreSQL: an owner role that runs the migrations, an app role the web processes, workers and
-- scheduler connect as. Run as a superuser in the tracker's database, once before the first `db upgrade` and again
-- after every `db upgrade` (it is idempotent):
--
--   psql -v ON_ERROR_STOP=1 -d tracker -f deploy/postgres-roles.sql
--   psql -d tracker -c "ALTER ROLE tracker_owner PASSWORD '...'"   -- or certificate / peer authentication
--   psql -d tracker -c "ALTER ROLE tracker_app PASSWORD '...'"
--
-- Then: migrations with DATABASE_URL=postgresql://tracker_owner@db/tracker flask --app tracker db upgrade,
-- everything else with DATABASE_URL=postgresql://tracker_app@db/tracker.
--
-- The app role may read and write every table except that it can only read and append audit events: no UPDATE,
-- DELETE or TRUNCATE on events, and, not owning any table, it cannot drop or disable the append-only triggers.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracker_owner') THEN
        CREATE ROLE tracker_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracker_app') THEN
        CREATE ROLE tracker_app LOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO tracker_owner, tracker_app', current_database());
END
$$;

-- The queue's name search uses trigrams over names folded without diacritics (migration 0023). Created here, by the
-- superuser: the owner role may not create extensions in the database; the migration's CREATE EXTENSION IF NOT
-- EXISTS then finds them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Only the owner creates objects; the app role uses them.
ALTER SCHEMA public OWNER TO tracker_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tracker_app;

-- Tables and sequences the owner's migrations create from now on ...
ALTER DEFAULT PRIVILEGES FOR ROLE tracker_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tracker_app;
ALTER DEFAULT PRIVILEGES FOR ROLE tracker_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO tracker_app;

-- ... and those that exist already.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tracker_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tracker_app;

-- The audit trail is append-only for the app; the schema version is the owner's.
DO $$
BEGIN
    IF to_regclass('public.events') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON events FROM tracker_app;
    END IF;
    -- The read log (0017): who read which case file is only ever added to, never changed by the app.
    IF to_regclass('public.case_reads') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON case_reads FROM tracker_app;
    END IF;
    IF to_regclass('public.alembic_version') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM tracker_app;
    END IF;
END
$$;
