"""The production profile's processes on this machine, for the tests and the
load benchmark: the action server, N Rasa servers with endpoints.prod.yml
(PostgreSQL tracker store, the atomic Redis lock store, RabbitMQ event
broker) and the web service, which consumes the events from RabbitMQ into
its own PostgreSQL database and spreads conversations over the Rasa servers.

Each ProductionStack gets its own databases, Redis key prefix and RabbitMQ
queue (a random tag) and removes them in `stop()`. The servers are the
machine's own, at 127.0.0.1 on their standard ports; when one is missing,
`require_servers()` says which and how to start it: no silent fallback.
"""
from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path
from typing import Dict, List, Optional

from stack import MODEL, ROOT, Stack, free_port

PG = "postgresql+psycopg2://postgres@127.0.0.1:5432"
SERVERS = (("PostgreSQL", 5432), ("Redis", 6379), ("RabbitMQ", 5672))
START_HINT = ("see /work/.library/env/machines/python-svc.md, or your distribution's service manager "
              "(e.g. pg_ctlcluster 15 main start; redis-server --daemonize yes; rabbitmq-server -detached)")


class ServerMissing(RuntimeError):
    pass


def require_servers() -> None:
    for name, port in SERVERS:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            raise ServerMissing(f"{name} is not running on 127.0.0.1:{port}; start it ({START_HINT})") from None


class ProductionStack(Stack):
    """A Stack whose Rasa servers use endpoints.prod.yml."""

    def __init__(self, log_dir: Path, token: str, rasa_instances: int = 1, tag: Optional[str] = None,
                 db_port: int = 5432, redis_port: int = 6379, web_instances: int = 1) -> None:
        super().__init__(action_port=free_port(), rasa_port=free_port(), web_port=free_port(), token=token,
                         endpoints=ROOT / "endpoints.prod.yml", log_dir=log_dir)
        self.tag = tag or uuid.uuid4().hex[:10]
        self.rasa_ports = [self.rasa_port] + [free_port() for _ in range(rasa_instances - 1)]
        assert self.web_port is not None
        self.web_ports = [self.web_port] + [free_port() for _ in range(web_instances - 1)]
        self.tracker_db = f"borgerguide_{self.tag}"
        self.web_db = f"borgerguide_{self.tag}_web"
        self.queue = f"borgerguide_{self.tag}"
        self.key_prefix = f"bg{self.tag}"
        self.production_env: Dict[str, str] = {
            "ACTION_SERVER_URL": f"{self.action_url}/webhook",
            "DB_HOST": "127.0.0.1", "DB_PORT": str(db_port), "DB_USER": "postgres", "DB_PASSWORD": "",
            "DB_NAME": self.tracker_db,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port), "REDIS_DB": "0", "REDIS_PASSWORD": "",
            "REDIS_KEY_PREFIX": self.key_prefix,
            "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "guest",
            "RABBITMQ_PASSWORD": "guest", "RABBITMQ_QUEUE": self.queue,
        }
        # the web service: its own data and the events from RabbitMQ in one database,
        # Rasa's tracker store in another (both have a table named `events`)
        server = f"postgresql+psycopg2://postgres@127.0.0.1:{db_port}"
        self.env.update(self.production_env)
        self.env.update(
            BORGERGUIDE_DB=f"{server}/{self.web_db}",
            BORGERGUIDE_EVENTS_DB=f"{server}/{self.web_db}",
            BORGERGUIDE_TRACKER_DB=f"{server}/{self.tracker_db}",
            RASA_URLS=",".join(self.rasa_urls),
        )
        self._created: List[str] = []

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def web_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    def create_resources(self) -> None:
        require_servers()
        import sqlalchemy as sa

        admin = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in (self.tracker_db, self.web_db):
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
                self._created.append(name)
        admin.dispose()

    def start_rasa_servers(self, model: Path = MODEL) -> None:
        for number, port in enumerate(self.rasa_ports):
            self.start_rasa(model, port=port, name="rasa" if number == 0 else f"rasa-{number + 1}")

    def start(self, model: Path = MODEL, web: bool = True) -> None:
        self.create_resources()
        self.start_actions()
        self.start_rasa_servers(model)
        if web:
            for number, port in enumerate(self.web_ports):
                self.start_web(port=port, name="web" if number == 0 else f"web-{number + 1}")

    def stop(self) -> None:
        super().stop()
        self.remove_resources()

    def remove_resources(self) -> None:
        import sqlalchemy as sa

        admin = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self._created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        self._created = []
        try:
            import redis

            red = redis.Redis(host="127.0.0.1", port=6379)
            for key in red.scan_iter(f"{self.key_prefix}:*"):
                red.delete(key)
        except Exception:  # noqa: BLE001 - best effort: the keys expire with their tickets
            pass
        try:
            asyncio.run(delete_queue(self.queue))
        except Exception:  # noqa: BLE001 - best effort
            pass


async def delete_queue(name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/", timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
