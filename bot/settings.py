"""The web service's settings, in one typed object read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

DEV_TOKEN = "borgerguide-dev-token"


@dataclass(frozen=True)
class Settings:
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = DEV_TOKEN
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_timeout: float = 30.0
    max_message_chars: int = 2000
    environment: str = "development"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        settings = cls(
            rasa_url=env.get("RASA_URL", cls.rasa_url),
            rasa_token=env.get("RASA_TOKEN", cls.rasa_token),
            host=env.get("WEB_HOST", cls.host),
            port=int(env.get("WEB_PORT", cls.port)),
            rasa_timeout=float(env.get("RASA_TIMEOUT", cls.rasa_timeout)),
            environment=env.get("BORGERGUIDE_ENV", cls.environment),
        )
        settings = cls(**{**settings.__dict__, **{k: v for k, v in overrides.items() if v is not None}})
        settings.check()
        return settings

    def check(self) -> None:
        """Refuses the development token outside development."""
        if self.environment != "development" and self.rasa_token == DEV_TOKEN:
            raise ValueError(
                "RASA_TOKEN is the development default; set a secret token "
                "when BORGERGUIDE_ENV is not 'development'."
            )
