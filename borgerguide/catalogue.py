"""The solution catalogue: every self-service solution the bot can guide to.

The data is `content/solutions.yml`; this module loads it into `Solution`
objects, builds the `solution` card of ../shared/spec/channel-events.md and
validates the file (`python -m borgerguide.catalogue`).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from borgerguide import contract
from borgerguide.content import REPO_ROOT, content_dir, read_yaml, report_problems
from borgerguide.links import is_plain_link

REQUIRED_FIELDS = ("id", "intent", "title", "url", "login", "intro", "steps", "help")
HELP_KEYS = ("fuldmagt", "borgerservice")
MOVED_FAQ = ("faq: the answers to follow-up questions live in the answer base "
             "(content/answers/<id>.yml, docs/answers.md)")


@dataclass(frozen=True)
class Solution:
    id: str
    intent: str
    title: str
    url: str
    login: str
    intro: str
    steps: Tuple[str, ...]
    help: Mapping[str, bool]
    facts: Tuple[str, ...] = ()
    url_verified: bool = False
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    troubleshooting: Tuple[str, ...] = ()

    def intro_for(self, variant: Optional[str] = None, overrides: Optional[Mapping[str, Any]] = None) -> str:
        overrides = overrides or {}
        if variant is not None and variant in self.variants:
            return str(self.variants[variant].get("intro", self.intro))
        return str(overrides.get("intro", self.intro))

    def steps_for(self, variant: Optional[str] = None, overrides: Optional[Mapping[str, Any]] = None) -> List[str]:
        overrides = overrides or {}
        if variant is not None and variant in self.variants:
            return list(self.variants[variant]["steps"])
        return list(overrides.get("steps", self.steps))

    def card(
        self, overrides: Optional[Mapping[str, Any]] = None, variant: Optional[str] = None
    ) -> Dict[str, Any]:
        """The `solution` custom payload, with a kommune's overrides applied."""
        overrides = overrides or {}
        return contract.SolutionCard(
            solution_id=self.id,
            title=self.title,
            url=overrides.get("url", self.url),
            login=self.login,
            steps=tuple(self.steps_for(variant, overrides)),
            help={**self.help, **overrides.get("help", {})},
            variant=variant if variant in self.variants else None,
        ).to_dict()


@dataclass
class Catalogue:
    solutions: Dict[str, Solution] = field(default_factory=dict)

    def get(self, solution_id: str) -> Solution:
        return self.solutions[solution_id]

    def for_intent(self, intent: str) -> List[Solution]:
        return [s for s in self.solutions.values() if s.intent == intent]


def catalogue_path() -> Path:
    return content_dir() / "solutions.yml"


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    solutions = {}
    for entry in data.get("solutions") or []:
        solutions[entry["id"]] = Solution(
            id=entry["id"],
            intent=entry["intent"],
            title=entry["title"],
            url=entry["url"],
            login=entry["login"],
            intro=entry["intro"],
            steps=tuple(entry["steps"]),
            help=dict(entry["help"]),
            facts=tuple(entry.get("facts") or ()),
            url_verified=bool(entry.get("url_verified", False)),
            variants={k: dict(v) for k, v in (entry.get("variants") or {}).items()},
            troubleshooting=tuple(entry.get("troubleshooting") or ()),
        )
    return Catalogue(solutions)


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Catalogue:
    data = read_yaml(path)
    errors = validate_catalogue(data)
    if errors:
        raise ValueError(f"{path} is not valid:\n  " + "\n  ".join(errors))
    return parse_catalogue(data)


def load_catalogue(path: Optional[Path] = None) -> Catalogue:
    """Loads (and validates) the catalogue; reloads when the file changes."""
    path = path or catalogue_path()
    return _load(path, path.stat().st_mtime)


def is_https_url(url: Any) -> bool:
    """A plain https link (borgerguide.links: no user-info, port, backslash, look-alike host)."""
    return is_plain_link(url)


def validate_catalogue(
    data: Any,
    required: Optional[Mapping[str, Iterable[str]]] = None,
) -> List[str]:
    """Returns a list of problems (empty when the catalogue is valid).

    `required` maps each service intent to the solution ids it must reach
    (from ../shared/spec/intents.yml); every one of them must be present with
    that intent.
    """
    errors: List[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("solutions"), list):
        return ["the file must have a list `solutions:`"]
    seen = set()
    for position, entry in enumerate(data["solutions"], start=1):
        if not isinstance(entry, Mapping):
            errors.append(f"entry {position}: must be a mapping")
            continue
        name = entry.get("id") or f"entry {position}"
        for key in REQUIRED_FIELDS:
            if entry.get(key) in (None, "", [], {}):
                errors.append(f"{name}: `{key}` is missing or empty")
        if name in seen:
            errors.append(f"{name}: id used twice")
        seen.add(name)
        if "url" in entry and not is_https_url(entry["url"]):
            errors.append(f"{name}: url {entry['url']!r} is not a well-formed https URL")
        steps = entry.get("steps")
        if steps is not None and (
            not isinstance(steps, list)
            or not all(isinstance(s, str) and s.strip() for s in steps)
        ):
            errors.append(f"{name}: every step must be a non-empty text")
        help_ = entry.get("help")
        if isinstance(help_, Mapping):
            for key in HELP_KEYS:
                if not isinstance(help_.get(key), bool):
                    errors.append(f"{name}: help.{key} must be true or false")
        elif help_ is not None:
            errors.append(f"{name}: help must be a mapping")
        errors += _validate_extras(name, entry)
    by_id = {e.get("id"): e for e in data["solutions"] if isinstance(e, Mapping)}
    for intent, ids in (required or {}).items():
        for solution_id in ids:
            entry = by_id.get(solution_id)
            if entry is None:
                errors.append(f"{solution_id}: required by intent {intent} but missing")
            elif entry.get("intent") != intent:
                errors.append(
                    f"{solution_id}: intent is {entry.get('intent')!r}, expected {intent!r}"
                )
    if required is not None:
        expected = {i for ids in required.values() for i in ids}
        for extra in sorted(str(i) for i in set(by_id) - expected):
            errors.append(f"{extra}: not a solution id of the spec")
    return errors


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(s, str) and s.strip() for s in value)


def _validate_extras(name: str, entry: Mapping[str, Any]) -> List[str]:
    """variants and troubleshooting, where present (and no stale `faq`)."""
    errors = []
    if "faq" in entry:
        errors.append(f"{name}: {MOVED_FAQ}")
    variants = entry.get("variants")
    if variants is not None:
        if not isinstance(variants, Mapping):
            errors.append(f"{name}: variants must be a mapping")
        else:
            for key, variant in variants.items():
                if not isinstance(variant, Mapping) or not _texts(variant.get("steps")):
                    errors.append(f"{name}: variants.{key} needs non-empty steps")
    if entry.get("troubleshooting") is not None and not _texts(entry.get("troubleshooting")):
        errors.append(f"{name}: troubleshooting must be a list of non-empty texts")
    return errors


def spec_solutions(spec_path: Path) -> Dict[str, List[str]]:
    """Service intent -> solution ids, from the spec's intents.yml."""
    spec = read_yaml(spec_path)
    return {
        intent: list(body.get("solutions") or [])
        for intent, body in (spec.get("service_intents") or {}).items()
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Check the solution catalogue.")
    parser.add_argument("path", nargs="?", type=Path, default=None)
    parser.add_argument(
        "--spec",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "spec" / "intents.yml",
        help="the spec's intents.yml (checked when the file exists)",
    )
    args = parser.parse_args(argv)
    path = args.path or catalogue_path()
    try:
        data = read_yaml(path)
    except (OSError, ValueError) as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    required = spec_solutions(args.spec) if args.spec.exists() else None
    if report_problems({str(path): validate_catalogue(data, required)}):
        return 1
    checked = "against the spec" if required is not None else "(spec not found)"
    print(f"OK: {path}: {len(data['solutions'])} solutions, checked {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
