"""Rasa's events from RabbitMQ into the `events` table (production profile).

In production Rasa publishes every tracker event to RabbitMQ (its Pika event
broker, endpoints.prod.yml). Escalations and the analysts' figures are derived
from an `events` table (bot.projections), read incrementally by
id. This consumer fills that table in PostgreSQL from the queue:

- A message is acknowledged only after its row is committed, so a crash loses
  nothing (RabbitMQ delivers it again).
- Each row carries a digest of the event's JSON, unique in the table: a
  message delivered twice (a crash between commit and ack) is stored once.
- One writer: with several web services, only the one holding a PostgreSQL
  advisory lock consumes; the others wait and take over when it goes (the
  lock goes with its connection). A single writer that commits in order keeps
  the ids in commit order, so readers that follow the id never skip a row.
- A broken connection to RabbitMQ or PostgreSQL is retried with a growing
  pause (at most 30 s) and logged without any content of the events.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote

import sqlalchemy as sa

from bot.projections import events_table

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x426F7267  # "Borg": one consumer per database
BATCH = 500
BATCH_WAIT = 0.05  # seconds to gather a batch after its first message


@dataclass(frozen=True)
class AmqpSettings:
    url: str
    queue: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["AmqpSettings"]:
        """The same RABBITMQ_* variables as Rasa's broker (endpoints.prod.yml);
        None without RABBITMQ_HOST (the embedded profile uses the SQL broker)."""
        host = env.get("RABBITMQ_HOST", "").strip()
        if not host:
            return None
        user = quote(env.get("RABBITMQ_USER", "guest"), safe="")
        password = quote(env.get("RABBITMQ_PASSWORD", "guest"), safe="")
        port = int(env.get("RABBITMQ_PORT", "5672"))
        queue = env.get("RABBITMQ_QUEUE", "rasa_events").strip()
        if not queue:
            raise ValueError("RABBITMQ_QUEUE must not be empty.")
        return cls(url=f"amqp://{user}:{password}@{host}:{port}/", queue=queue)


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def rows_of(bodies: List[bytes]) -> List[Dict[str, Any]]:
    """Table rows of the messages; a message that is not a Rasa event is kept
    out (and counted), never stored half."""
    rows = []
    for body in bodies:
        try:
            event = json.loads(body)
            sender = event["sender_id"]
        except (ValueError, TypeError, KeyError):
            logger.error("A message in the event queue is not a Rasa event (%d bytes); skipped", len(body))
            continue
        rows.append({"sender_id": str(sender)[:255], "data": body.decode("utf-8", "replace"),
                     "digest": digest(body)})
    return rows


def ensure_digest_column(engine: sa.engine.Engine) -> None:
    """An `events` table made by Rasa's SQL broker (or an older version) has
    no digest column: add it and its unique index."""
    columns = {c["name"] for c in sa.inspect(engine).get_columns("events")}
    with engine.begin() as connection:
        if "digest" not in columns:
            connection.execute(sa.text("ALTER TABLE events ADD COLUMN digest VARCHAR(64)"))
        connection.execute(sa.text("CREATE UNIQUE INDEX IF NOT EXISTS uq_events_digest ON events (digest)"))


def insert_rows(engine: sa.engine.Engine, table: sa.Table, rows: List[Dict[str, Any]]) -> int:
    """Inserts in order, skipping digests already stored; returns how many were new."""
    if not rows:
        return 0
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["digest"])
    new = 0
    with engine.begin() as connection:
        for row in rows:  # one by one: the ids keep the queue's order
            new += connection.execute(statement, row).rowcount or 0
    return new


class EventConsumer:
    """Copies the queue into the table until cancelled."""

    def __init__(self, settings: AmqpSettings, engine: sa.engine.Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.table = events_table(engine)
        ensure_digest_column(engine)
        self.stored = 0
        self.duplicates = 0
        self.leader = False
        self.last_error: Optional[str] = None
        self.connected = False
        self.waiting = False  # a standby: another web service holds the consumer lock

    def status(self) -> Dict[str, Any]:
        return {"queue": self.settings.queue, "connected": self.connected, "leader": self.leader,
                "waiting": self.waiting,
                "stored": self.stored, "duplicates": self.duplicates, "error": self.last_error}

    async def run(self) -> None:
        pause = 1.0
        while True:
            try:
                await self._lead_and_consume()
                pause = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - retried; never with event content
                self.connected = False
                self.last_error = type(error).__name__
                logger.error("Event consumer: %s; retrying in %.0f s", type(error).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)

    async def _lead_and_consume(self) -> None:
        if self.engine.dialect.name != "postgresql":
            await self._consume()  # one process per SQLite file
            return
        connection = await asyncio.to_thread(self.engine.connect)
        try:
            while not await asyncio.to_thread(self._try_lock, connection):
                self.waiting = True
                await asyncio.sleep(2.0)
                await asyncio.to_thread(self._still_leader, connection)  # (the database still answers)
            self.waiting = False
            self.leader = True
            logger.info("Event consumer: this web service copies the event queue into the database")
            await self._consume(connection)
        finally:
            self.leader = self.waiting = False
            await asyncio.to_thread(connection.close)

    @staticmethod
    def _try_lock(connection) -> bool:
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
        connection.commit()  # the advisory lock belongs to the session, not the transaction
        return bool(got)

    @staticmethod
    def _still_leader(connection) -> None:
        """The lock lives as long as its connection: a database restart ends
        both, and another web service may lead now."""
        connection.execute(sa.text("SELECT 1")).scalar()
        connection.commit()

    async def _consume(self, lock_connection=None) -> None:
        import aio_pika

        amqp = await aio_pika.connect(self.settings.url, timeout=10)
        try:
            channel = await amqp.channel()
            await channel.set_qos(prefetch_count=BATCH * 2)
            # Rasa's Pika broker declares its queues durable; the same here, so
            # whichever starts first creates it the same way.
            queue = await channel.declare_queue(self.settings.queue, durable=True)
            arrived: asyncio.Queue = asyncio.Queue()

            async def on_message(message) -> None:
                arrived.put_nowait(message)

            await queue.consume(on_message)
            self.connected = True
            self.last_error = None
            while True:
                batch = await self._gather(arrived, channel)
                if batch:
                    await self._store(batch, lock_connection)
        finally:
            self.connected = False
            if not amqp.is_closed:
                await amqp.close()

    @staticmethod
    async def _gather(arrived: asyncio.Queue, channel) -> List[Any]:
        """The next batch: what arrives within BATCH_WAIT of its first
        message (at most BATCH). Raises when the channel closed."""
        batch: List[Any] = []
        while not batch:
            if channel.is_closed:
                raise ConnectionError("the channel to RabbitMQ closed")
            try:
                batch.append(await asyncio.wait_for(arrived.get(), 1.0))
            except asyncio.TimeoutError:
                continue
        deadline = time.monotonic() + BATCH_WAIT
        while len(batch) < BATCH:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(arrived.get(), remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _store(self, batch: List[Any], lock_connection) -> None:
        if lock_connection is not None:
            await asyncio.to_thread(self._still_leader, lock_connection)
        rows = rows_of([m.body for m in batch])
        new = await asyncio.to_thread(insert_rows, self.engine, self.table, rows)
        self.stored += new
        self.duplicates += len(rows) - new
        await batch[-1].ack(multiple=True)  # after the commit: nothing is lost in a crash
