"""The one rule for the stores from request handlers: every call runs in a
worker thread (`await db(store.method, ...)`), never on the event loop, where
a slow database would hold up every citizen's chat. A test
(tests/test_architecture.py) checks the route modules for direct calls."""
from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

T = TypeVar("T")


async def db(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a blocking store call off the event loop and returns its result."""
    return await asyncio.to_thread(call, *args, **kwargs)
