"""Event-stream projections: what the web service derives from the
conversations' event stream (Rasa's event broker table `events`; in production
bot.event_consumer fills it from RabbitMQ).

- `EscalationProjection`: every `handoff` bot event becomes an escalation, once
  (bot.stores.escalations). /api/chat creates it at once from the action's
  answer; this projection catches every hand-off that did not come that way
  (Rasa's own channels, a web service that was down).
- the analysts' projection lives with the rest of analytics
  (bot.analytics.projection.AnalyticsProjection).

Every projection reads through a `Cursor`: its position is claimed in the same transaction
as what the batch derives (compare-and-set), so of several readers (threads,
or web services sharing the database) exactly one applies each batch, and a
restart continues exactly where the last committed batch ended.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from typing import Any, Callable, List, Optional, Tuple

import sqlalchemy as sa

from borgerguide import contract
from bot.stores.escalations import EscalationStore

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
cursors = sa.Table(
    "stream_cursors", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)
# where earlier versions kept the positions: (table, row name) per cursor
_EARLIER = {"escalations": ("sync_state", "events"), "analytics": ("analytics_position", "analytics")}


def events_table(engine: sa.engine.Engine) -> sa.Table:
    """The event broker's table (Rasa's SQL broker: id, sender_id, data; the
    RabbitMQ consumer, bot.event_consumer, adds a unique digest)."""
    table = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255)), sa.Column("data", sa.Text),
                     sa.Column("digest", sa.String(64)))
    table.metadata.create_all(engine)
    return table


class Cursor:
    """A reader's position in the event stream (the id of the last event it
    applied), kept in the web service's database."""

    def __init__(self, engine: sa.engine.Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        metadata.create_all(engine)
        self._adopt_earlier()

    def _adopt_earlier(self) -> None:
        """A database of an earlier version: continue from its position."""
        if self.name not in _EARLIER or self.position():
            return
        table, row_name = _EARLIER[self.name]
        if not sa.inspect(self.engine).has_table(table):
            return
        with self.engine.begin() as connection:
            row = connection.execute(sa.text(f"SELECT position FROM {table} WHERE name = :n"), {"n": row_name}).first()
            if row and row[0]:
                self.claim(connection, 0, int(row[0]))

    def position(self) -> int:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(cursors.c.position).where(cursors.c.name == self.name)).first()
        return int(row[0]) if row else 0

    def claim(self, connection: Any, start: int, end: int) -> bool:
        """Moves the position from `start` to `end` inside the caller's
        transaction; False when another reader moved it first."""
        updated = connection.execute(cursors.update().where(
            cursors.c.name == self.name, cursors.c.position == start).values(position=end))
        if updated.rowcount == 1:
            return True
        if start == 0 and not connection.execute(sa.select(cursors.c.name).where(cursors.c.name == self.name)).first():
            connection.execute(cursors.insert().values(name=self.name, position=end))
            return True
        return False

    def reset(self, connection: Any) -> None:
        connection.execute(cursors.delete().where(cursors.c.name == self.name))


class _Taken(Exception):
    """Another reader applied this batch."""


class Projection:
    """Reads the event stream in batches from its cursor and applies them."""

    name = "projection"

    def __init__(self, engine: sa.engine.Engine, events_engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.events_engine = events_engine
        self.events = events_table(events_engine)
        self.cursor = Cursor(engine, self.name)
        self._lock = threading.Lock()

    def position(self) -> int:
        return self.cursor.position()

    def pending(self) -> int:
        """How many events are not applied yet."""
        with self.events_engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(self.events)
                                          .where(self.events.c.id > self.position())).scalar() or 0)

    def apply(self, connection: Any, rows: List[Any]) -> int:
        """Derives what the rows mean, in the caller's transaction; returns
        how much it produced."""
        raise NotImplementedError

    def step(self, batch: int) -> Tuple[int, int]:
        """Reads and applies up to `batch` new events: (read, produced)."""
        start = self.position()
        query = (sa.select(self.events.c.id, self.events.c.sender_id, self.events.c.data)
                 .where(self.events.c.id > start).order_by(self.events.c.id).limit(batch))
        with self.events_engine.connect() as connection:
            rows = list(connection.execute(query))
        if not rows:
            return 0, 0
        try:
            with self._lock, self.engine.begin() as connection:
                if not self.cursor.claim(connection, start, rows[-1].id):
                    raise _Taken()
                produced = self.apply(connection, rows)
        except (_Taken, sa.exc.IntegrityError):
            return 0, 0  # another reader took this batch; the next call reads on from there
        return len(rows), produced

    def run_once(self, batch: int = 1000) -> int:
        return self.step(batch)[1]

    def run(self, progress: Optional[Callable[[int], None]] = None, batch: int = 5000) -> int:
        """Applies everything that is new; `progress(n)` after each batch.
        Returns how many events were read."""
        total = 0
        while True:
            read, _ = self.step(batch)
            if not read:
                return total
            total += read
            if progress:
                progress(read)


class EscalationProjection(Projection):
    """`handoff` bot events -> escalations (idempotent: the id is the event's)."""

    name = "escalations"

    def __init__(self, store: EscalationStore, events_engine: sa.engine.Engine) -> None:
        self.store = store
        super().__init__(store.engine, events_engine)

    def apply(self, connection: Any, rows: List[Any]) -> int:
        created = 0
        for row in rows:
            if not row.data or contract.HANDOFF not in row.data:
                continue  # most events: no need to parse them
            try:
                event = json.loads(row.data)
            except (TypeError, ValueError):
                continue
            handoff = contract.parse(contract.event_payload(event))
            if isinstance(handoff, contract.Handoff):
                at = datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc)
                created += self.store.create(connection, row.sender_id, handoff, at, row.id)
        return created
