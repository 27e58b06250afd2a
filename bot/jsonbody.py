"""Reading a request's JSON with a depth limit: deeply nested JSON (which
would make the parser recurse until Python gives up) is refused with a clear
400 instead of an error deep inside a handler."""
from __future__ import annotations

import json
from typing import Any, List, Tuple

MAX_DEPTH = 16
TOO_DEEP = f"JSON'en er for dybt indlejret (højst {MAX_DEPTH} niveauer)."


class TooDeep(ValueError):
    """JSON nested deeper than MAX_DEPTH; the message is Danish."""


def loads(text: str) -> Any:
    """`json.loads`, refusing (TooDeep, a ValueError) JSON nested deeper than MAX_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep(TOO_DEEP) from None
    stack: List[Tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise TooDeep(TOO_DEEP)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return value
