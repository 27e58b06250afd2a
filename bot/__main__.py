"""`python -m bot`: runs the web service.

`python -m bot users add NAME --role staff|analyst|kommune_admin|operator
[--kommune ID|*] [--password-stdin]` creates an account (the password is asked
for, or read from standard input).
`python -m bot report ...` and `python -m bot retention ...`: see bot/analytics/reports.py.
`python -m bot content export|import|list ...`: see bot/content_cli.py.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import sys

from aiohttp import web


def users(argv) -> int:
    from borgerguide.db import engine_for
    from borgerguide.tenancy import ROLES
    from bot.settings import Settings
    from bot.stores.accounts import Accounts

    parser = argparse.ArgumentParser(prog="python -m bot users", description="Accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--kommune", help="the kommune's id (e.g. aarhus), or * for the operator's own people "
                                       "(required except for --role operator)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Adgangskode: ")
        if password != getpass.getpass("Gentag adgangskode: "):
            print("FEJL: adgangskoderne er ikke ens.", file=sys.stderr)
            return 1
    try:
        Accounts(engine_for(Settings.from_env().database_url)).add_user(args.username, password, args.role,
                                                                        args.kommune)
    except ValueError as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    print(f"Oprettet: {args.username} ({args.role})")
    return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "users":
        return users(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "content":
        from bot import content_cli

        return content_cli.main(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] in ("report", "retention"):
        from bot.analytics import reports

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return (reports.report if sys.argv[1] == "report" else reports.retention_cli)(sys.argv[2:])
    from bot.app import create_app
    from bot.settings import Settings

    parser = argparse.ArgumentParser(description="Borgerguide's web service")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--rasa-url")
    args = parser.parse_args()
    settings = Settings.from_env(host=args.host, port=args.port, rasa_url=args.rasa_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
