"""The web service's database: SQLite by default (var/borgerguide.db), or the
database named by `BORGERGUIDE_DB` (an SQLAlchemy URL, e.g. PostgreSQL).
The same database holds the operational notices (actions/notices.py)."""
from __future__ import annotations

from actions.notices import database_url, engine_for

__all__ = ["database_url", "engine_for"]
