"""The database engine every process uses for its own tables.

SQLite by default (`var/borgerguide.db`, so a first run needs no server), or
the database named by `BORGERGUIDE_DB` (an SQLAlchemy URL, e.g. PostgreSQL).
SQLite files are shared by several processes (Rasa's event broker writes, the
web service reads), so every SQLite connection gets the same settings:
write-ahead logging (readers and the writer don't block each other),
`synchronous=NORMAL` (a commit does not wait for the disk; a crashed process
loses nothing, a power cut may lose the last moments: production uses
PostgreSQL) and a wait instead of an immediate "database is locked".
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import sqlalchemy as sa

from borgerguide.content import REPO_ROOT

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=30000")


def database_url() -> str:
    default = f"sqlite:///{REPO_ROOT / 'var' / 'borgerguide.db'}"
    return os.environ.get("BORGERGUIDE_DB", default)


def sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def engine_arguments(url: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Arguments for a new engine: a pool for SQLite files (SQLAlchemy 1.4
    otherwise opens and closes a connection to the file for every session)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and "poolclass" not in kwargs:
        kwargs = {**kwargs, "poolclass": sa.pool.QueuePool,
                  "connect_args": {"check_same_thread": False, **kwargs.get("connect_args", {})}}
    return kwargs


def tune_engine(engine: sa.engine.Engine) -> sa.engine.Engine:
    """The SQLite settings above, on every connection of the engine."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    """One engine per database URL and process. `hide_parameters`: an error
    message never carries the values (citizens' texts)."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    arguments = engine_arguments(url, {"future": True, "pool_pre_ping": True, "hide_parameters": True})
    return tune_engine(sa.create_engine(url, **arguments))


def add_missing_columns(engine: sa.engine.Engine, table: sa.Table) -> None:
    """Adds the columns a table of an earlier version lacks (nullable or with
    a server default), so an upgrade keeps its data."""
    present = {column["name"] for column in sa.inspect(engine).get_columns(table.name)}
    with engine.begin() as connection:
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            default = f" DEFAULT {column.server_default.arg}" if column.server_default is not None else ""
            connection.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}{default}'))
