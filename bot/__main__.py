"""`python -m bot`: runs the web service."""
from __future__ import annotations

import argparse
import logging

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Borgerguide's web service")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--rasa-url")
    args = parser.parse_args()
    settings = Settings.from_env(host=args.host, port=args.port, rasa_url=args.rasa_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None)


if __name__ == "__main__":
    main()
