"""Column types and database functions shared by the models and queries."""
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, bindparam, event, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import TypeDecorator

from tracker.extensions import db


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes (tracker.clock.now())")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def dialect_insert(table):
    """An INSERT that supports ``on_conflict_do_nothing`` on the session's database (PostgreSQL or SQLite)."""
    return (postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def insert_many(table, rows: list[dict], returning: tuple, conflict_on: tuple[str, ...] = ()) -> list:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in the session's transaction, skipping rows that
    clash on ``conflict_on`` when given, and return the ``returning`` columns of the rows written.

    On PostgreSQL the values travel as one array per column, unnested by the server: the statement has as many
    parameters as the table has columns, whatever the number of rows. A multi-row VALUES list has one per value,
    and psycopg parses a statement with more than 50 parameters anew on every execution (the 461 e-mails of one
    sweep batch: 135 ms of parsing before anything was sent). Elsewhere the rows go as an executemany."""
    if not rows:
        return []
    insert = dialect_insert(table)
    if db.session.get_bind().dialect.name == "postgresql":
        names = list(rows[0])
        arrays = [bindparam(None, [row[name] for row in rows], type_=ARRAY(table.c[name].type)) for name in names]
        values = func.unnest(*arrays).table_valued(*names).render_derived()
        statement, parameters = insert.from_select(names, select(*values.c)), None
    else:
        statement, parameters = insert, rows
    if conflict_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict_on))
    return db.session.execute(statement.returning(*returning), parameters).all()


def tune_postgresql_planner(engine, random_page_cost: float | None) -> None:
    """Set ``random_page_cost`` on every new PostgreSQL connection of ``engine``, as a connection option (no extra
    round trip); nothing for SQLite or when ``None`` (the server's setting stands)."""
    if random_page_cost is None or engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "do_connect")
    def _with_planner_costs(_dialect, _record, _args, params):
        setting = f"-c random_page_cost={random_page_cost:g}"
        params["options"] = f"{params['options']} {setting}" if params.get("options") else setting


#: PostgreSQL's own default cost of a random page read, for statements that read a large share of a table (the
#: reports' figures: every case settled in a year). The app's lower setting (``DATABASE_RANDOM_PAGE_COST``) is right
#: for the pages, which look up a few rows of tables the server holds in memory; for a report it made the planner
#: read 450,000 of a million case facts in index order, a heap page at a time (at 1M cases 690 ms for one grouping,
#: against 350 ms for reading the table through and sorting).
SCAN_RANDOM_PAGE_COST = 4


@contextmanager
def planned_for_large_scans():
    """Within the block, price random reads as PostgreSQL does by default (``SET LOCAL``, then back to the
    connection's own setting: the statements after it, and the connection in the pool, keep the app's). Should a
    statement fail, the rollback undoes the setting. Nothing on SQLite."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(text(f"SET LOCAL random_page_cost = {SCAN_RANDOM_PAGE_COST}"))
    yield
    db.session.execute(text("SET LOCAL random_page_cost TO DEFAULT"))


#: Search folding: lower case without diacritics ("Nguyễn" -> "nguyen", "Łukasz" -> "lukasz", "Weiß" -> "weiss"),
#: so a clerk typing a name without them finds it as the passport writes it. Queries call the SQL function
#: ``tracker_fold``: on PostgreSQL this function over ``unaccent`` (IMMUTABLE, so an index can be built on it;
#: migration 0023), on SQLite ``fold`` below, registered on every connection.
FOLD_FUNCTION_SQL = (
    "CREATE OR REPLACE FUNCTION tracker_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$"
)
#: Letters that Unicode does not decompose into a base letter and a mark, folded as PostgreSQL's unaccent does.
_UNDECOMPOSED = str.maketrans({"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o",
                               "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "TH"})


def fold(value: str | None) -> str | None:
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value.translate(_UNDECOMPOSED))
    return "".join(character for character in decomposed if not unicodedata.combining(character)).lower()


def register_sqlite_functions(engine) -> None:
    """``tracker_fold`` on every new SQLite connection of ``engine`` (PostgreSQL has it from its migration)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _with_fold(dbapi_connection, _record):
        dbapi_connection.create_function("tracker_fold", 1, fold, deterministic=True)
