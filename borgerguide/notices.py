"""Operational notices (driftsmeddelelser): "MitID har driftsforstyrrelser",
"Borgerservice lukket i dag". A notice is national or for one kommune, has a
time window and the service areas it concerns ("*" for all). The bot tells
citizens about an active notice before it sends them to a solution.

Stored with SQLAlchemy, in SQLite by default (`var/borgerguide.db`) or the
database named by `BORGERGUIDE_DB` (an SQLAlchemy URL, e.g. PostgreSQL).

    python -m borgerguide.notices add --text "MitID har driftsforstyrrelser" \\
        --areas mitid,digital_post --hours 4 [--kommune aarhus] [--by navn]
    python -m borgerguide.notices list
    python -m borgerguide.notices end ID
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, List, Optional, Sequence

import sqlalchemy as sa

from borgerguide import contract
from borgerguide.clock import as_utc as _utc
from borgerguide.db import database_url, engine_for

metadata = sa.MetaData()
notices_table = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kommune", sa.String(64), nullable=True),  # NULL: national
    sa.Column("areas", sa.String(400), nullable=False),  # comma list or "*"
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
MAX_TEXT = 500


@dataclass(frozen=True)
class Notice:
    id: int
    kommune: Optional[str]
    areas: Sequence[str]
    text: str
    starts_at: datetime
    ends_at: datetime
    created_by: str

    def concerns(self, area: Optional[str]) -> bool:
        return "*" in self.areas or (area is not None and area in self.areas)

    def payload(self) -> contract.Notice:
        """The `notice` message the bot sends before a card."""
        return contract.Notice(self.id, self.text, tuple(self.areas), self.ends_at.isoformat())


@lru_cache(maxsize=8)
def _engine(url: str) -> sa.engine.Engine:
    """The database's engine, with the notices table created once."""
    engine = engine_for(url)
    metadata.create_all(engine)
    return engine


def publish(text: str, areas: Sequence[str], starts_at: datetime, ends_at: datetime,
            kommune: Optional[str] = None, created_by: str = "ukendt", url: Optional[str] = None) -> int:
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValueError(f"the text must be 1-{MAX_TEXT} characters")
    if not areas:
        raise ValueError("name at least one area, or * for all")
    if _utc(ends_at) <= _utc(starts_at):
        raise ValueError("the notice must end after it starts")
    with _engine(url or database_url()).begin() as connection:
        result = connection.execute(notices_table.insert().values(
            kommune=kommune, areas=",".join(sorted(set(areas))), text=text,
            starts_at=_utc(starts_at), ends_at=_utc(ends_at), created_by=created_by,
            created_at=datetime.now(timezone.utc),
        ))
        return int(result.inserted_primary_key[0])


def end_notice(notice_id: int, now: Optional[datetime] = None, url: Optional[str] = None) -> bool:
    now = _utc(now or datetime.now(timezone.utc))
    with _engine(url or database_url()).begin() as connection:
        result = connection.execute(
            notices_table.update().where(notices_table.c.id == notice_id).values(ends_at=now))
        return result.rowcount == 1


def _row(row: Any) -> Notice:
    return Notice(row.id, row.kommune, tuple(row.areas.split(",")), row.text,
                  _utc(row.starts_at), _utc(row.ends_at), row.created_by)


def active(kommune: Optional[str], area: Optional[str], now: Optional[datetime] = None,
           url: Optional[str] = None, any_area: bool = False) -> List[Notice]:
    """Notices in force now for the kommune (and national ones) and the area
    (or for any area with `any_area`)."""
    now = _utc(now or datetime.now(timezone.utc))
    table = notices_table
    query = sa.select(table).where(table.c.starts_at <= now, table.c.ends_at > now).where(
        sa.or_(table.c.kommune.is_(None), table.c.kommune == kommune)).order_by(table.c.starts_at)
    with _engine(url or database_url()).connect() as connection:
        rows = [_row(r) for r in connection.execute(query)]
    return rows if any_area else [n for n in rows if n.concerns(area)]


def all_notices(url: Optional[str] = None) -> List[Notice]:
    with _engine(url or database_url()).connect() as connection:
        return [_row(r) for r in connection.execute(sa.select(notices_table).order_by(notices_table.c.id))]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Operational notices (driftsmeddelelser).")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="publish a notice")
    add.add_argument("--text", required=True)
    add.add_argument("--areas", required=True, help="comma-separated service intents, or *")
    add.add_argument("--kommune", help="kommune id; national when left out")
    add.add_argument("--starts", help="ISO time (default: now)")
    add.add_argument("--ends", help="ISO time")
    add.add_argument("--hours", type=float, help="length from the start (instead of --ends)")
    add.add_argument("--by", default=os.environ.get("USER", "ukendt"))
    sub.add_parser("list", help="list all notices")
    end = sub.add_parser("end", help="end a notice now")
    end.add_argument("id", type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == "add":
            starts = datetime.fromisoformat(args.starts) if args.starts else datetime.now(timezone.utc)
            if args.ends:
                ends = datetime.fromisoformat(args.ends)
            elif args.hours:
                ends = _utc(starts) + timedelta(hours=args.hours)
            else:
                raise ValueError("give --ends or --hours")
            areas = [a.strip() for a in args.areas.split(",") if a.strip()]
            notice_id = publish(args.text, areas, starts, ends, args.kommune, args.by)
            print(f"Published notice {notice_id}.")
        elif args.command == "list":
            for n in all_notices():
                print(f"{n.id}\t{n.kommune or 'national'}\t{','.join(n.areas)}\t"
                      f"{n.starts_at:%Y-%m-%d %H:%M}–{n.ends_at:%Y-%m-%d %H:%M} UTC\t{n.text}")
        elif args.command == "end":
            if not end_notice(args.id):
                raise ValueError(f"no notice {args.id}")
            print(f"Ended notice {args.id}.")
    except ValueError as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
