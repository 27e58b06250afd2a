"""Rate limiting of the public chat API: a token bucket per key, in-process.

Each key (a conversation, a client address) has a bucket of `burst` tokens
that refills at `per_second` tokens a second; a message takes one token. An
empty bucket means "wait": `retry_after` says how long until the next token.
Buckets that have refilled completely are forgotten, so memory follows the
keys seen in the last `burst / per_second` seconds.

In-process: with several web service instances behind one entry point each
counts on its own (the limit is then per instance).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Limit:
    burst: float
    per_second: float

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.per_second > 0

    @classmethod
    def from_env(cls, env: Mapping[str, str], name: str, default: "Limit") -> "Limit":
        """`<name>_BURST` and `<name>_PER_SECOND`; 0 turns the limit off."""
        limit = cls(float(env.get(f"{name}_BURST", default.burst)),
                    float(env.get(f"{name}_PER_SECOND", default.per_second)))
        if limit.burst < 0 or limit.per_second < 0:
            raise ValueError(f"{name}_BURST and {name}_PER_SECOND must not be negative.")
        return limit


class TokenBuckets:
    """Token buckets for many keys under one limit."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.buckets: Dict[str, Tuple[float, float]] = {}  # key -> (tokens, updated)
        self._next_prune = 0.0

    def take(self, key: str) -> float:
        """Takes a token for `key`: 0.0 when allowed, else the seconds to wait."""
        if not self.limit.enabled:
            return 0.0
        now = self.clock()
        self._prune(now)
        tokens, updated = self.buckets.get(key, (self.limit.burst, now))
        tokens = min(self.limit.burst, tokens + (now - updated) * self.limit.per_second)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.limit.per_second

    def _prune(self, now: float) -> None:
        """Forgets the buckets that are full again (as good as never seen)."""
        if now < self._next_prune:
            return
        refill = self.limit.burst / self.limit.per_second
        self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < refill}
        self._next_prune = now + max(refill, 1.0)


class ChatRateLimits:
    """The chat API's limits: messages per conversation and per client address,
    feedback (ratings, data requests) per client address, and counted link
    clicks per client address (as feedback, in buckets of their own, so that
    opening links never uses up a rating)."""

    CONVERSATION = Limit(burst=20, per_second=1.0)
    ADDRESS = Limit(burst=120, per_second=10.0)
    FEEDBACK = Limit(burst=5, per_second=1 / 30)

    def __init__(self, conversation: Limit = CONVERSATION, address: Limit = ADDRESS,
                 trusted_proxies: frozenset = frozenset(), clock: Callable[[], float] = time.monotonic,
                 feedback: Limit = FEEDBACK) -> None:
        self.conversations = TokenBuckets(conversation, clock)
        self.addresses = TokenBuckets(address, clock)
        self.feedback = TokenBuckets(feedback, clock)
        self.clicks = TokenBuckets(feedback, clock)
        self.trusted_proxies = trusted_proxies

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ChatRateLimits":
        """BORGERGUIDE_RATE_CONVERSATION_BURST / _PER_SECOND (default 20 and 1),
        BORGERGUIDE_RATE_ADDRESS_BURST / _PER_SECOND (default 120 and 10),
        BORGERGUIDE_RATE_FEEDBACK_BURST / _PER_SECOND (default 5 and 1/30), 0 = off;
        BORGERGUIDE_TRUSTED_PROXIES: our reverse proxies' addresses (comma list)."""
        return cls(Limit.from_env(env, "BORGERGUIDE_RATE_CONVERSATION", cls.CONVERSATION),
                   Limit.from_env(env, "BORGERGUIDE_RATE_ADDRESS", cls.ADDRESS),
                   trusted_proxies_from_env(env),
                   feedback=Limit.from_env(env, "BORGERGUIDE_RATE_FEEDBACK", cls.FEEDBACK))

    def check_address(self, address: Optional[str]) -> float:
        return self.addresses.take(address or "unknown")

    def check_conversation(self, sender: str) -> float:
        return self.conversations.take(sender)

    def check_feedback(self, address: Optional[str]) -> float:
        return self.feedback.take(address or "unknown")

    def check_clicks(self, address: Optional[str]) -> float:
        return self.clicks.take(address or "unknown")


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def client_address(remote: Optional[str], forwarded_for: Optional[str], trusted_proxies: frozenset) -> str:
    """The client's address: the peer, or, when the peer is one of our own
    proxies (BORGERGUIDE_TRUSTED_PROXIES), the last X-Forwarded-For hop that
    is not one of them. Never trusts X-Forwarded-For from anyone else."""
    address = remote or "unknown"
    if address in trusted_proxies and forwarded_for:
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if hop not in trusted_proxies:
                return hop[:64]
    return address


def trusted_proxies_from_env(env: Mapping[str, str]) -> frozenset:
    return frozenset(p.strip() for p in env.get("BORGERGUIDE_TRUSTED_PROXIES", "").split(",") if p.strip())

