"""The web service's settings, in one typed object read from the environment."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

DEV_TOKEN = "borgerguide-dev-token"
VAR = Path(__file__).resolve().parent.parent / "var"


def development_secret() -> str:
    """A per-checkout secret for development, kept in var/secret.key."""
    path = VAR / "secret.key"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def rasa_urls_from_env(env: Mapping[str, str]) -> Tuple[str, ...]:
    """RASA_URLS: a comma list of Rasa servers (empty: only RASA_URL)."""
    return tuple(u.strip().rstrip("/") for u in env.get("RASA_URLS", "").split(",") if u.strip())


def amqp_from_env(env: Mapping[str, str]) -> dict:
    from bot.event_consumer import AmqpSettings

    amqp = AmqpSettings.from_env(env)
    return {"amqp_url": amqp.url, "amqp_queue": amqp.queue} if amqp else {}


@dataclass(frozen=True)
class Settings:
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_urls: Tuple[str, ...] = ()  # RASA_URLS: several Rasa servers; a conversation sticks to one
    rasa_token: str = DEV_TOKEN
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_timeout: float = 15.0  # web -> Rasa; longer than Rasa -> action server (BORGERGUIDE_ACTION_TIMEOUT, 5 s)
    max_message_chars: int = 2000
    environment: str = "development"
    secret: str = ""
    database_url: str = f"sqlite:///{VAR / 'borgerguide.db'}"
    events_url: str = f"sqlite:///{VAR / 'events.db'}"
    sync_seconds: float = 1.0
    claim_timeout_seconds: float = 300.0  # unclaimed live hand-off -> offer a callback
    tracker_url: str = f"sqlite:///{VAR / 'tracker.db'}"  # Rasa's tracker store (retention, erasure)
    retention_days: int = 180
    retention_hours: float = 24.0  # how often the retention job runs
    low_confidence: float = 0.6  # below this a recognised message counts as unresolved
    # production: RabbitMQ (RABBITMQ_HOST, ...) -> the events table (bot/event_consumer.py)
    amqp_url: str = ""
    amqp_queue: str = "rasa_events"
    # sites allowed to embed the widget besides each kommune's `widget_origins`
    allowed_origins: Tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        settings = cls(
            rasa_url=env.get("RASA_URL") or (rasa_urls_from_env(env) or (cls.rasa_url,))[0],
            rasa_urls=rasa_urls_from_env(env),
            rasa_token=env.get("RASA_TOKEN", cls.rasa_token),
            host=env.get("WEB_HOST", cls.host),
            port=int(env.get("WEB_PORT", cls.port)),
            rasa_timeout=float(env.get("RASA_TIMEOUT", cls.rasa_timeout)),
            environment=env.get("BORGERGUIDE_ENV", cls.environment),
            secret=env.get("BORGERGUIDE_SECRET", ""),
            database_url=env.get("BORGERGUIDE_DB", cls.database_url),
            events_url=env.get("BORGERGUIDE_EVENTS_DB", cls.events_url),
            sync_seconds=float(env.get("BORGERGUIDE_SYNC_SECONDS", cls.sync_seconds)),
            claim_timeout_seconds=float(env.get("BORGERGUIDE_CLAIM_TIMEOUT", cls.claim_timeout_seconds)),
            tracker_url=env.get("BORGERGUIDE_TRACKER_DB", cls.tracker_url),
            retention_days=int(env.get("BORGERGUIDE_RETENTION_DAYS", cls.retention_days)),
            retention_hours=float(env.get("BORGERGUIDE_RETENTION_HOURS", cls.retention_hours)),
            low_confidence=float(env.get("BORGERGUIDE_LOW_CONFIDENCE", cls.low_confidence)),
            allowed_origins=tuple(o.strip().rstrip("/") for o in env.get("BORGERGUIDE_ALLOWED_ORIGINS", "").split(",")
                                  if o.strip()),
            **amqp_from_env(env),
        )
        settings = cls(**{**settings.__dict__, **{k: v for k, v in overrides.items() if v is not None}})
        settings.check()
        if not settings.secret:
            settings = cls(**{**settings.__dict__, "secret": development_secret()})
        return settings

    def check(self) -> None:
        """Refuses development defaults outside development."""
        if self.retention_days < 1:
            raise ValueError("BORGERGUIDE_RETENTION_DAYS must be at least 1.")
        if not 0.0 <= self.low_confidence <= 1.0:
            raise ValueError("BORGERGUIDE_LOW_CONFIDENCE must be between 0 and 1.")
        if self.environment == "development":
            return
        if self.rasa_token == DEV_TOKEN:
            raise ValueError(
                "RASA_TOKEN is the development default; set a secret token "
                "when BORGERGUIDE_ENV is not 'development'."
            )
        if len(self.secret) < 32:
            raise ValueError("Set BORGERGUIDE_SECRET (at least 32 characters) outside development.")
