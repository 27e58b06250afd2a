"""An atomic Redis lock store for several Rasa servers.

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock with a plain
GET, then a SET: two Rasa servers that receive messages of one conversation at
the same moment can both read "no lock", both write ticket 0, and both process
at once; one of the two turns is then lost when the trackers are saved. The
same gap exists when a finished turn removes its ticket (GET, SET/DELETE)
while another server issues the next one: the new ticket is deleted with the
lock and that message fails with a LockError.

`AtomicRedisLockStore` does every read-modify-write of a lock in one Redis
transaction (WATCH the key, read, MULTI, write, EXEC; retried when another
server changed the key in between), so tickets are issued, expired and
returned exactly once whichever server does it. The lock's format in Redis is
Rasa's own (`TicketLock.dumps()`), so servers with the stock store can still
read it. It also waits 50 ms instead of Rasa's 1 s between two looks at a
busy lock: a citizen's second message waits for the first one's turn, not for
a whole extra second.

endpoints.prod.yml:

    lock_store:
      type: launch.lock_store.AtomicRedisLockStore
      url: ...          # as for Rasa's `redis` lock store
"""
from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
logger = logging.getLogger(__name__)

WAIT_BETWEEN_LOOKS = 0.05  # seconds; Rasa's default is 1


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic ticket operations."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        kwargs.pop("type", None)
        super().__init__(**kwargs)

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], Any]) -> Any:
        """Applies `change` to the conversation's lock in one transaction.

        `change` gets the current lock (a new one when none is stored) and
        returns a result; afterwards the lock is saved, or deleted when no
        ticket is left in it."""
        key = self.key_prefix + conversation_id
        outcome = {}

        def transaction(pipe) -> None:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else \
                self.create_lock(conversation_id)
            outcome["result"] = change(lock)
            pipe.multi()
            if lock.is_someone_waiting():
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)

        self.red.transaction(transaction, key)
        return outcome.get("result")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as error:  # noqa: BLE001 - Rasa expects a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving deletes the lock in the same transaction when nobody
        # waits; Rasa's version checks and deletes in two further steps.
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = WAIT_BETWEEN_LOOKS) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)
