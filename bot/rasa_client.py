"""The few calls the web service makes to Rasa's HTTP API (token-protected)."""
from __future__ import annotations

from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

# A message the service itself adds to a conversation (not the dialogue's, not
# a member of staff's): the callback confirmation, "the case is closed".
SERVICE = "service"


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, token: str, timeout: float = 30.0) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def _conversation(self, conversation_id: str, path: str) -> str:
        return f"{self.url}/conversations/{quote(conversation_id, safe='')}/{path}"

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The whole conversation: every event, also before a "start forfra"
        (so an event's position in the list never changes: it is its id)."""
        async with self.session.get(self._conversation(conversation_id, "tracker"),
                                    params={"token": self.token, "include_events": "ALL"},
                                    timeout=self.timeout) as response:
            response.raise_for_status()
            return await response.json()

    async def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Appends events. Rasa stamps them under the conversation's lock, so
        they come after every event already stored (a timestamp of ours, taken
        before waiting for the lock, could sort before a turn's events)."""
        async with self.session.post(self._conversation(conversation_id, "tracker/events"),
                                     params={"token": self.token, "include_events": "NONE"},
                                     json=events, timeout=self.timeout) as response:
            response.raise_for_status()

    async def say_as_staff(self, conversation_id: str, staff: str, text: str) -> None:
        """A staff reply. It pauses the bot first (a live hand-off is paused
        already; a callback is not): the citizen's answer goes to staff, not
        to the bot, until staff close the case."""
        await self.append(conversation_id, [{"event": "pause"},
                                            {"event": "bot", "text": text, "metadata": {"staff": staff}}])

    async def tell(self, conversation_id: str, text: str) -> None:
        """A message from the service into the conversation (the bot keeps its state)."""
        await self.append(conversation_id, [{"event": "bot", "text": text, "metadata": {SERVICE: True}}])

    async def resume_bot(self, conversation_id: str, text: str) -> None:
        """Resumes the bot. The `action_listen` puts the tracker back in the
        state "waiting for the citizen", so the rules apply to the next message
        (messages written while paused were never answered by an action)."""
        await self.append(conversation_id, [
            {"event": "resume"},
            {"event": "bot", "text": text, "metadata": {SERVICE: True}},
            {"event": "action", "name": "action_listen"},
        ])
