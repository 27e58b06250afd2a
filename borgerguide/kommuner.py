"""Each kommune's own content: Borgerservice contact and local overrides.

Files: `content/kommuner/<id>.yml`; `default.yml` holds the national default
that every kommune file is laid over. The channel selects the kommune with
its metadata (`metadata.kommune`, the widget's `data-kommune`).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from borgerguide.catalogue import is_https_url, load_catalogue
from borgerguide.content import content_dir, read_yaml, report_problems
from borgerguide.db import database_url
from borgerguide.languages import DANISH, texts
from borgerguide.kommune_content import current_revision, store_for, stored_content
from borgerguide.links import origin_problem
from borgerguide.clock import DANISH_TIME
from borgerguide.opening_hours import WEEKDAYS, describe, parse_hours, special_day
from borgerguide.topics import load_topics

DEFAULT_ID = "default"
KOMMUNE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
REGISTRY_FILE = "kommune_registry.yml"


@dataclass(frozen=True)
class KommuneInfo:
    """One of the 98 kommuner (content/kommune_registry.yml): public facts."""

    id: str
    number: int
    name: str
    short: str
    region: str
    website: str
    website_seen: bool = False


def registry_path() -> Path:
    return content_dir() / REGISTRY_FILE


@lru_cache(maxsize=2)
def _registry(path: Path, mtime: float) -> Dict[str, KommuneInfo]:
    entries = read_yaml(path).get("kommuner") or []
    return {str(e["id"]): KommuneInfo(str(e["id"]), int(e["number"]), str(e["name"]), str(e["short"]),
                                      str(e["region"]), str(e["website"]), bool(e.get("website_seen")))
            for e in entries}


def registry() -> Dict[str, KommuneInfo]:
    """The 98 kommuner by id."""
    path = registry_path()
    return _registry(path, path.stat().st_mtime)


def known_kommune(value: Any) -> Optional[str]:
    """The id of one of the 98 kommuner (or DEFAULT_ID itself) that `value`
    names, else None. Case and surrounding spaces are forgiven; anything else
    is not guessed at. The one check of a kommune id that comes from outside."""
    if not isinstance(value, str):
        return None
    candidate = value.strip().lower()
    if not KOMMUNE_ID.fullmatch(candidate):
        return None
    return candidate if candidate == DEFAULT_ID or candidate in registry() else None


def resolve_kommune(value: Any) -> str:
    """The kommune a conversation belongs to, from the channel's metadata or
    the chat API: one of the 98, else DEFAULT_ID (the national default).
    Escalations, analytics and the dialogue all record this id."""
    return known_kommune(value) or DEFAULT_ID


@dataclass(frozen=True)
class Kommune:
    id: str
    name: str
    borgerservice: Mapping[str, Any]
    solutions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    website: Optional[str] = None
    topics: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def solution_overrides(self, solution_id: str) -> Mapping[str, Any]:
        return self.solutions.get(solution_id, {})

    def topic_overrides(self, topic_id: str) -> Mapping[str, Any]:
        return self.topics.get(topic_id, {})

    @property
    def own_page(self) -> str:
        """Where a citizen finds the kommune's own pages: its website, else
        the national page about kommuner."""
        return self.website or str(self.borgerservice.get("contact_url") or "https://www.borger.dk")

    def contact_text(self, now: Optional[datetime] = None, lang: Optional[str] = None) -> str:
        """One short paragraph on how to reach Borgerservice, with whether it
        is open right now (Danish time), in `lang` (Danish by default)."""
        t = texts(lang or DANISH)
        bs = self.borgerservice
        now = now or datetime.now(DANISH_TIME)
        parts = []
        if bs.get("phone"):
            parts.append(t.t("kommune.phone", name=self.name, phone=bs["phone"]))
        else:
            parts.append(t.t("kommune.no_phone"))
        if bs.get("address"):
            parts.append(t.t("kommune.address", address=bs["address"]))
        opening = describe(bs, now, t)
        if opening:
            parts.append(opening)
        elif bs.get("opening_hours_text"):
            own = str(bs["opening_hours_text"])  # the kommune's own words; the national default in the language
            parts.append(t.t("hours.default") if own == texts(DANISH).t("hours.default") else own)
        if bs.get("booking_url"):
            parts.append(t.t("kommune.booking", url=bs["booking_url"]))
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


def seed_content(kommune_id: str) -> Dict[str, Any]:
    """The kommune's YAML file (content/kommuner/<id>.yml), or a minimal start
    for a kommune without one."""
    path = kommune_path(kommune_id)
    if path.exists():
        return read_yaml(path)
    info = registry().get(kommune_id)
    return {"id": kommune_id, "name": info.name if info else kommune_id, "borgerservice": {}}


def own_content(kommune_id: str) -> Dict[str, Any]:
    """The kommune's own content as it is now: edited (the database) or its seed file."""
    url = database_url()
    stored = stored_content(kommune_id, url, current_revision(url)) if kommune_id != DEFAULT_ID else None
    return stored if stored is not None else seed_content(kommune_id)


@lru_cache(maxsize=512)
def _load(kommune_id: str, mtime: float, default_mtime: float, url: str, revision_number: int) -> Kommune:
    """Cached per file times, database and revision (`url` is part of the key:
    a process may read another database, as the tests and the CLI do)."""
    data = read_yaml(kommune_path(DEFAULT_ID))
    info = registry().get(kommune_id)
    if info is not None:
        data = merge(data, {"name": info.name})
    if kommune_id != DEFAULT_ID:
        data = merge(data, own_content(kommune_id))
    return Kommune(
        id=kommune_id,
        name=data.get("name", "din kommune"),
        borgerservice=data.get("borgerservice") or {},
        solutions=data.get("solutions") or {},
        website=info.website if info else None,
        topics=data.get("topics") or {},
    )


def load_kommune(kommune_id: Optional[str]) -> Kommune:
    """The kommune's content (edited in the browser, else its file) laid over
    the national default; the default alone for an id that is not one of the
    98 kommuner. A change made in the browser is seen within seconds."""
    resolved = resolve_kommune(kommune_id)
    path = kommune_path(resolved)
    mtime = path.stat().st_mtime if resolved != DEFAULT_ID and path.exists() else 0.0
    default_mtime = kommune_path(DEFAULT_ID).stat().st_mtime
    url = database_url()
    return _load(resolved, mtime, default_mtime, url, current_revision(url))


@lru_cache(maxsize=4)
def _widget_origins(files: Tuple[Tuple[Path, float], ...], url: str,
                    revision_number: int) -> Dict[str, FrozenSet[str]]:
    ids = {path.stem for path, _ in files if path.stem != DEFAULT_ID}
    if revision_number:
        ids |= set(store_for(url).kommuner())
    return {kommune_id: frozenset(str(o).rstrip("/") for o in (own_content(kommune_id).get("widget_origins") or []))
            for kommune_id in sorted(ids)}


def widget_origins() -> Dict[str, FrozenSet[str]]:
    """kommune id -> the sites allowed to embed its widget (`widget_origins`)."""
    files = tuple((path, path.stat().st_mtime) for path in sorted((content_dir() / "kommuner").glob("*.yml")))
    url = database_url()
    return _widget_origins(files, url, current_revision(url))


URL_KEYS = ("booking_url", "contact_url")
PHONE_KEYS = ("phone", "social_emergency_phone")
# Short national numbers a crisis line may be (the social emergency service is reached through the police, 114,
# where a kommune has no number of its own); any other phone number has 8 digits.
CRISIS_SHORT_NUMBERS = ("112", "114", "1813")


def phone_digits(value: Any) -> str:
    """The digits of a Danish phone number: spaces are allowed, and +45 or 0045 in front."""
    text = "".join(str(value or "").split())
    for prefix in ("+45", "0045"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return text if text.isdigit() else ""


def is_danish_phone(value: Any, crisis_line: bool = False) -> bool:
    """8 digits (a crisis line may also be one of CRISIS_SHORT_NUMBERS)."""
    digits = phone_digits(value)
    return len(digits) == 8 or (crisis_line and digits in CRISIS_SHORT_NUMBERS)


def validate_kommune(kommune_id: str, data: Any, solution_ids: Optional[set] = None,
                     topic_ids: Optional[set] = None) -> List[str]:
    """Problems in one kommune file (empty list when valid)."""
    errors: List[str] = []
    if not isinstance(data, Mapping):
        return ["the file must be a mapping"]
    if data.get("id") != kommune_id:
        errors.append(f"id must be {kommune_id!r} (the file name)")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        errors.append("name is missing")
    bs = data.get("borgerservice")
    if not isinstance(bs, Mapping):
        return errors + ["borgerservice is missing"]
    for key in PHONE_KEYS:
        if bs.get(key) is not None and not is_danish_phone(bs[key], crisis_line=key == "social_emergency_phone"):
            errors.append(f"borgerservice.{key} {bs[key]!r} is not a phone number (8 digits)")
    for key in URL_KEYS:
        if bs.get(key) is not None and not is_https_url(bs[key]):
            errors.append(f"borgerservice.{key} is not a well-formed https URL")
    for key in ("opening_hours", "phone_hours"):
        hours = bs.get(key)
        if hours is None:
            continue
        if not isinstance(hours, Mapping):
            errors.append(f"borgerservice.{key} must map weekdays to hours")
            continue
        for day, value in hours.items():
            if day not in WEEKDAYS:
                errors.append(f"borgerservice.{key}.{day} is not a weekday ({', '.join(WEEKDAYS)})")
            try:
                parse_hours(value)
            except ValueError as error:
                errors.append(f"borgerservice.{key}.{day}: {error}")
        if key == "opening_hours" and set(hours) != set(WEEKDAYS):
            errors.append("borgerservice.opening_hours must name all seven weekdays")
    for day, value in (bs.get("special_days") or {}).items():
        try:
            date.fromisoformat(str(day))
            parse_hours(special_day(value)[0])
        except ValueError as error:
            errors.append(f"borgerservice.special_days.{day}: {error}")
    for origin in data.get("widget_origins") or []:
        if origin_problem(origin):
            errors.append(f"widget_origins: {origin!r} must be an https origin like https://www.kommune.dk")
    for section, known in (("solutions", solution_ids), ("topics", topic_ids)):
        errors += _validate_overrides(section, data.get(section) or {}, known)
    return errors


def _validate_overrides(section: str, overrides: Mapping[str, Any], known: Optional[set]) -> List[str]:
    """A kommune's own url, steps and intro for solutions or topics."""
    errors = []
    what = "catalogue" if section == "solutions" else "topics (content/topics/)"
    for entry_id, override in overrides.items():
        if known is not None and entry_id not in known:
            errors.append(f"{section}.{entry_id} is not in the {what}")
        if not isinstance(override, Mapping):
            errors.append(f"{section}.{entry_id} must be a mapping")
            continue
        if "url" in override and not is_https_url(override["url"]):
            errors.append(f"{section}.{entry_id}.url is not a well-formed https URL")
        steps = override.get("steps")
        if steps is not None and not (isinstance(steps, list) and all(isinstance(x, str) and x.strip() for x in steps)):
            errors.append(f"{section}.{entry_id}.steps must be non-empty texts")
    return errors


def validate_all(directory: Optional[Path] = None) -> Dict[str, List[str]]:
    """kommune id -> problems, for every file in content/kommuner/."""
    directory = directory or content_dir() / "kommuner"
    solution_ids = set(load_catalogue().solutions)
    topic_ids = set(load_topics())
    results = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            data = read_yaml(path)
        except ValueError as error:
            results[path.stem] = [str(error)]
            continue
        if not KOMMUNE_ID.match(path.stem):
            results[path.stem] = ["file name must be a lower-case id (a-z, 0-9, -)"]
            continue
        results[path.stem] = validate_kommune(path.stem, data, solution_ids, topic_ids)
        if path.stem != DEFAULT_ID and path.stem not in registry():
            results[path.stem].append(f"{path.stem} is not one of the 98 kommuner ({REGISTRY_FILE})")
    if DEFAULT_ID not in results:
        results[DEFAULT_ID] = ["default.yml (the national default) is missing"]
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Check the kommune content files.")
    parser.add_argument("directory", nargs="?", type=Path, default=None)
    args = parser.parse_args(argv)
    results = validate_all(args.directory)
    if report_problems(results):
        return 1
    print(f"OK: {len(results)} kommune files ({', '.join(results)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
