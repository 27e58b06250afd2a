"""The few calls the web service makes to Rasa's HTTP API (token-protected)."""
from __future__ import annotations

import time
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, token: str, timeout: float = 30.0) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _conversation(self, conversation_id: str, path: str) -> str:
        return f"{self.url}/conversations/{quote(conversation_id, safe='')}/{path}"

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        async with self.session.get(self._conversation(conversation_id, "tracker"),
                                    params={"token": self.token}, timeout=self.timeout) as response:
            response.raise_for_status()
            return await response.json()

    async def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        now = time.time()
        events = [{"timestamp": now, **event} for event in events]
        async with self.session.post(self._conversation(conversation_id, "tracker/events"),
                                     params={"token": self.token, "include_events": "NONE"},
                                     json=events, timeout=self.timeout) as response:
            response.raise_for_status()

    async def say_as_staff(self, conversation_id: str, staff: str, text: str) -> None:
        await self.append(conversation_id, [{"event": "bot", "text": text, "metadata": {"staff": staff}}])

    async def resume_bot(self, conversation_id: str, text: str) -> None:
        """Resumes the bot. The `action_listen` puts the tracker back in the
        state "waiting for the citizen", so the rules apply to the next message
        (messages written while paused were never answered by an action)."""
        await self.append(conversation_id, [
            {"event": "resume"},
            {"event": "bot", "text": text},
            {"event": "action", "name": "action_listen"},
        ])
