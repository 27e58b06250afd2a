"""`python -m bot content ...`: a kommune's content between the database and
YAML (the seed and export format, content/kommuner/<id>.yml).

    python -m bot content export KOMMUNE [--out FILE]     the content as it is now
    python -m bot content import KOMMUNE FILE [--by NAME]  checked, then stored (versioned)
    python -m bot content list                            the 98 kommuner and where their content is

`import` checks the file with the same validator as `make validate-content`
and stores nothing when it finds a problem; `export` of an imported file gives
the same content back.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import yaml

from borgerguide.catalogue import load_catalogue
from borgerguide.content import read_yaml
from borgerguide.db import database_url
from borgerguide.kommune_content import forget_revision, store_for
from borgerguide.kommuner import DEFAULT_ID, known_kommune, own_content, registry, validate_kommune
from borgerguide.topics import load_topics


def export_text(kommune: str) -> str:
    """The kommune's content now, as YAML."""
    return yaml.safe_dump(own_content(kommune), allow_unicode=True, sort_keys=False, width=100)


def import_file(kommune: str, path: Path, who: str) -> int:
    """Stores a file's content for the kommune; the number of fields changed."""
    data = read_yaml(path)
    problems = validate_kommune(kommune, data, set(load_catalogue().solutions), set(load_topics()))
    if problems:
        raise ValueError("\n  ".join(["the file is not valid:", *problems]))
    count = store_for(database_url()).replace(kommune, data, who, verified=bool(data.get("verified")))
    forget_revision()
    return count


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot content", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write a kommune's content as YAML")
    export.add_argument("kommune")
    export.add_argument("--out", type=Path)
    load = sub.add_parser("import", help="store a kommune's content from a YAML file")
    load.add_argument("kommune")
    load.add_argument("file", type=Path)
    load.add_argument("--by", default="import", help="who imports (the change log names them)")
    sub.add_parser("list", help="the kommuner and where their content is")
    args = parser.parse_args(argv)
    if args.command == "list":
        edited = set(store_for(database_url()).kommuner())
        for kommune_id, info in sorted(registry().items(), key=lambda item: item[1].number):
            where = "database" if kommune_id in edited else "seed file" if (
                Path("content/kommuner") / f"{kommune_id}.yml").exists() else "national default"
            print(f"{info.number}\t{kommune_id}\t{info.name}\t{where}")
        return 0
    kommune = known_kommune(args.kommune)
    if kommune is None or kommune == DEFAULT_ID:
        print(f"FEJL: {args.kommune!r} er ikke en af de 98 kommuner (python -m bot content list).", file=sys.stderr)
        return 1
    if args.command == "export":
        text = export_text(kommune)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    try:
        count = import_file(kommune, args.file, args.by)
    except (OSError, ValueError) as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    print(f"Importeret: {count} felt(er) for {registry()[kommune].name}.")
    return 0
