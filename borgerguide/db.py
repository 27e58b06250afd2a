"""The database engine every process uses for its own tables.

SQLite by default (`var/borgerguide.db`, so a first run needs no server), or
the database named by `BORGERGUIDE_DB` (an SQLAlchemy URL, e.g. PostgreSQL).
SQLite files are shared by several processes (Rasa's event broker writes, the
web service reads), so every SQLite connection gets the same settings:
write-ahead logging (readers and the writer don't block each other),
`synchronous=NORMAL` (a commit does not wait for the disk; a crashed process
loses nothing, a power cut may lose the last moments: production uses
PostgreSQL), a wait instead of an immediate "database is locked", and
`secure_delete` (deleted content is overwritten with zeros, so erased text
does not stay in free pages; `checkpoint()` empties the write-ahead log after
an erasure). The files are readable and writable by their owner only (0600:
`private_file`, also for Rasa's tracker store and event broker, whose
engines are made with these arguments, launch/rasa_server.py).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa

from borgerguide.content import REPO_ROOT

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=30000",
                  "PRAGMA secure_delete=ON")
PRIVATE = 0o600


def database_url() -> str:
    default = f"sqlite:///{REPO_ROOT / 'var' / 'borgerguide.db'}"
    return os.environ.get("BORGERGUIDE_DB", default)


def sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def private_file(path: Path) -> None:
    """A SQLite database file readable and writable by its owner only: made
    so before SQLite opens it (SQLite gives its -wal and -shm files the
    database file's mode), and made so when an earlier version left it open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE))
    for kept in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        if kept.exists() and kept.stat().st_mode & 0o077:
            kept.chmod(PRIVATE)


def engine_arguments(url: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Arguments for a new engine: a pool for SQLite files (SQLAlchemy 1.4
    otherwise opens and closes a connection to the file for every session);
    the file made private (`private_file`)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not str(parsed.database).startswith("file:"):
        private_file(Path(str(parsed.database)))
        if "poolclass" not in kwargs:
            kwargs = {**kwargs, "poolclass": sa.pool.QueuePool,
                      "connect_args": {"check_same_thread": False, **kwargs.get("connect_args", {})}}
    return kwargs


def checkpoint(engine: Optional[sa.engine.Engine]) -> None:
    """Empties a SQLite database's write-ahead log into the file and truncates
    it (after an erasure: nothing of what was deleted stays in the -wal file).
    Nothing to do for PostgreSQL (its own VACUUM and WAL recycling)."""
    if engine is None or engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def tune_engine(engine: sa.engine.Engine) -> sa.engine.Engine:
    """The SQLite settings above, on every connection of the engine."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    """One engine per database URL and process. `hide_parameters`: an error
    message never carries the values (citizens' texts)."""
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
