"""Where Borgerguide's editable content lives (content/ in the repository).

`BORGERGUIDE_CONTENT_DIR` points elsewhere, e.g. a kommune's own copy.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


def content_dir() -> Path:
    return Path(os.environ.get("BORGERGUIDE_CONTENT_DIR", REPO_ROOT / "content"))


def read_yaml(path: Path) -> Dict[str, Any]:
    """Reads a YAML mapping; a clear ValueError names the file otherwise."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def report_problems(problems: Mapping[str, Iterable[str]]) -> bool:
    """Prints each problem as "FEJL: <where>: <problem>" on stderr (the
    validators' command lines); True when there was any."""
    found = False
    for where, messages in problems.items():
        for message in messages:
            found = True
            print(f"FEJL: {where}: {message}", file=sys.stderr)  # noqa: T201 (the command lines' output)
    return found
