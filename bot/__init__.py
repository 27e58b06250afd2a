"""Borgerguide's web service (aiohttp): the chat page and its API."""
