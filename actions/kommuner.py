"""Each kommune's own content: Borgerservice contact and local overrides.

Files: `content/kommuner/<id>.yml`; `default.yml` holds the national default
that every kommune file is laid over. The channel selects the kommune with
its metadata (`metadata.kommune`, the widget's `data-kommune`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from actions.content import content_dir, read_yaml

DEFAULT_ID = "default"
KOMMUNE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


@dataclass(frozen=True)
class Kommune:
    id: str
    name: str
    borgerservice: Mapping[str, Any]
    solutions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def solution_overrides(self, solution_id: str) -> Mapping[str, Any]:
        return self.solutions.get(solution_id, {})

    def contact_text(self) -> str:
        """One short Danish paragraph on how to reach Borgerservice."""
        bs = self.borgerservice
        parts = []
        if bs.get("phone"):
            parts.append(f"Ring til Borgerservice i {self.name} på {bs['phone']}.")
        else:
            parts.append("Du finder din kommunes Borgerservice på borger.dk.")
        if bs.get("address"):
            parts.append(f"Adressen er {bs['address']}.")
        if bs.get("opening_hours_text"):
            parts.append(bs["opening_hours_text"])
        if bs.get("booking_url"):
            parts.append(f"Bestil tid her: {bs['booking_url']}")
        return " ".join(parts)


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> Dict[str, Any]:
    """Deep merge: values of `override` win, mappings are merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        elif value is not None:
            merged[key] = value
    return merged


def kommune_path(kommune_id: str) -> Path:
    return content_dir() / "kommuner" / f"{kommune_id}.yml"


@lru_cache(maxsize=128)
def _load(kommune_id: str, mtime: float, default_mtime: float) -> Kommune:
    data = read_yaml(kommune_path(DEFAULT_ID))
    if kommune_id != DEFAULT_ID:
        data = merge(data, read_yaml(kommune_path(kommune_id)))
    return Kommune(
        id=kommune_id,
        name=data.get("name", "din kommune"),
        borgerservice=data.get("borgerservice") or {},
        solutions=data.get("solutions") or {},
    )


def load_kommune(kommune_id: Optional[str]) -> Kommune:
    """The kommune's content; the national default for unknown ids."""
    candidate = (kommune_id or "").strip().lower()
    if not KOMMUNE_ID.match(candidate) or not kommune_path(candidate).exists():
        candidate = DEFAULT_ID
    path = kommune_path(candidate)
    default_mtime = kommune_path(DEFAULT_ID).stat().st_mtime
    return _load(candidate, path.stat().st_mtime, default_mtime)
