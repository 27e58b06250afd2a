"""The wider citizen service: what citizens ask their kommune beyond the
service areas (../shared/spec/topics.yml). One file per topic,
`content/topics/<id>.yml` (format: docs/topics.md); a topic the kommune
handles ends in a `solution` card, one of another authority in a `referral`
card naming the authority and its entry point.

    python -m borgerguide.topics      # checks every entry (and against the spec)
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from borgerguide import contract
from borgerguide.contract import HelpLine
from borgerguide.catalogue import HELP_KEYS, MOVED_FAQ, is_https_url
from borgerguide.content import REPO_ROOT, content_dir, read_yaml, report_problems

KOMMUNE = "kommune"  # the authority id of the kommune's own topics
# In the training data each topic is the intent `topic_<id>`; the dialogue
# sees the intent `topic` with the entity `topic` (nlu_components/topics.py).
TOPIC_INTENT = "topic"
TOPIC_ENTITY = "topic"
TOPIC_PREFIX = "topic_"
TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PHONE = re.compile(r"^\+?[0-9 ]{3,16}$")
REQUIRED = ("id", "name", "authority", "title", "intro", "login", "steps", "help")
MAX_STEPS = 6
MAX_STEP_CHARS = 200


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    authority: str
    title: str
    intro: str
    login: str
    steps: Tuple[str, ...]
    help: Mapping[str, bool]
    url: Optional[str] = None
    url_verified: bool = False
    phone: Optional[str] = None
    phone_verified: bool = False
    facts: Tuple[str, ...] = ()
    confusable: Tuple[str, ...] = ()
    acute: bool = False
    help_lines: Tuple[HelpLine, ...] = ()
    troubleshooting: Tuple[str, ...] = ()

    @property
    def referral(self) -> bool:
        """Another authority handles it: the bot refers."""
        return self.authority != KOMMUNE

    def intro_for(self, variant: Optional[str] = None, overrides: Optional[Mapping[str, Any]] = None) -> str:
        return str((overrides or {}).get("intro") or self.intro)

    def steps_for(self, variant: Optional[str] = None, overrides: Optional[Mapping[str, Any]] = None) -> List[str]:
        return list((overrides or {}).get("steps") or self.steps)

    def card(self, overrides: Optional[Mapping[str, Any]] = None, fallback_url: Optional[str] = None,
             authority_name: Optional[str] = None) -> Dict[str, Any]:
        """The topic's card with a kommune's overrides: a referral card for
        another authority, else a solution card. A kommune topic without a
        national page links to the kommune's own page, else its website
        (`fallback_url`)."""
        overrides = overrides or {}
        url = overrides.get("url") or self.url
        steps = tuple(self.steps_for(None, overrides))
        if self.referral:
            return contract.ReferralCard(
                topic=self.id, authority=self.authority, title=self.title, url=url, login=self.login,
                phone=self.phone if self.phone_verified else None, steps=steps, authority_name=authority_name,
            ).to_dict()
        return contract.SolutionCard(
            solution_id=self.id, title=self.title, url=str(url or fallback_url or "https://www.borger.dk"),
            login=self.login, steps=steps, help={**self.help, **overrides.get("help", {})}, topic=self.id,
        ).to_dict()


def topic_of(intent_name: str) -> str:
    """`topic_affald` -> `affald`; "" for an intent that is not a topic."""
    return intent_name[len(TOPIC_PREFIX):] if intent_name.startswith(TOPIC_PREFIX) else ""


def topic_payload(topic_id: str) -> str:
    """The button that chooses a topic (bot.payloads allows exactly these)."""
    return "/" + TOPIC_INTENT + '{"' + TOPIC_ENTITY + '": "' + topic_id + '"}'


def topics_dir() -> Path:
    return content_dir() / "topics"


def _texts(value: Any) -> Tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def parse_topic(data: Mapping[str, Any]) -> Topic:
    return Topic(
        id=str(data["id"]), name=str(data["name"]), authority=str(data["authority"]), title=str(data["title"]),
        intro=" ".join(str(data["intro"]).split()), login=str(data["login"]), steps=_texts(data["steps"]),
        help={str(k): bool(v) for k, v in dict(data["help"]).items()},
        url=data.get("url") or None, url_verified=bool(data.get("url_verified")),
        phone=str(data["phone"]) if data.get("phone") else None, phone_verified=bool(data.get("phone_verified")),
        facts=_texts(data.get("facts")),
        confusable=_texts(data.get("confusable")), acute=bool(data.get("acute")),
        help_lines=tuple(HelpLine(str(h["name"]), str(h["phone"]), str(h.get("when") or ""))
                         for h in data.get("help_lines") or ()),
        troubleshooting=_texts(data.get("troubleshooting")),
    )


def authorities(path: Optional[Path] = None) -> Dict[str, Dict[str, Any]]:
    """Authority id -> {name, web} (content/authorities.yml)."""
    data = read_yaml(path or content_dir() / "authorities.yml")
    return {str(k): dict(v or {}) for k, v in (data.get("authorities") or {}).items()}


@lru_cache(maxsize=4)
def _load(files: Tuple[Tuple[Path, float], ...]) -> Dict[str, Topic]:
    result = {}
    for path, _ in files:
        data = read_yaml(path)
        problems = validate_topic(path.stem, data, set(authorities()))
        if problems:
            raise ValueError(f"{path} is not valid:\n  " + "\n  ".join(problems))
        result[path.stem] = parse_topic(data)
    return result


def load_topics(directory: Optional[Path] = None) -> Dict[str, Topic]:
    """Every topic by id (validated; reloaded when a file changes)."""
    directory = directory or topics_dir()
    files = tuple((path, path.stat().st_mtime) for path in sorted(directory.glob("*.yml")))
    return _load(files)


def matter_names() -> Dict[str, str]:
    """Service area (intent) or topic id -> its short Danish name (content/areas.yml,
    content/topics/): what staff and analysts read instead of an id."""
    names = {str(k): str(v) for k, v in (read_yaml(content_dir() / "areas.yml").get("areas") or {}).items()}
    names.update({topic.id: topic.name for topic in load_topics().values()})
    return names


def validate_topic(file_id: str, data: Any, authority_ids: Optional[set] = None,
                   other_ids: Optional[set] = None) -> List[str]:
    """Problems in one topic entry (empty when valid). `other_ids`: the ids
    `confusable` may name (service intents and topic ids)."""
    if not isinstance(data, Mapping):
        return ["the file must be a mapping"]
    errors = []
    for key in REQUIRED:
        if data.get(key) in (None, "", [], {}):
            errors.append(f"`{key}` is missing or empty")
    if data.get("id") != file_id:
        errors.append(f"id must be {file_id!r} (the file name)")
    if not TOPIC_ID.match(file_id):
        errors.append("the id must be lower case letters, digits and _")
    if authority_ids is not None and data.get("authority") not in authority_ids:
        errors.append(f"authority {data.get('authority')!r} is not one of content/authorities.yml")
    if data.get("url") is not None and not is_https_url(data["url"]):
        errors.append(f"url {data['url']!r} is not a well-formed https URL")
    if data.get("url_verified") and not data.get("url"):
        errors.append("url_verified is true, but there is no url")
    for flag in ("url_verified", "phone_verified", "acute"):
        if data.get(flag) is not None and not isinstance(data.get(flag), bool):
            errors.append(f"{flag} must be true or false")
    if data.get("phone") is not None and not PHONE.match(str(data["phone"])):
        errors.append(f"phone {data['phone']!r} is not a phone number")
    steps = data.get("steps")
    if steps is not None:
        if not isinstance(steps, list) or not all(isinstance(s, str) and s.strip() for s in steps):
            errors.append("every step must be a non-empty text")
        elif len(steps) > MAX_STEPS or any(len(s) > MAX_STEP_CHARS for s in steps):
            errors.append(f"at most {MAX_STEPS} steps of at most {MAX_STEP_CHARS} characters each")
    help_ = data.get("help")
    if isinstance(help_, Mapping):
        for key in HELP_KEYS:
            if not isinstance(help_.get(key), bool):
                errors.append(f"help.{key} must be true or false")
    elif help_ is not None:
        errors.append("help must be a mapping")
    if "faq" in data:
        errors.append(MOVED_FAQ)
    if other_ids is not None:
        for other in data.get("confusable") or ():
            if other not in other_ids:
                errors.append(f"confusable: {other!r} is neither a service intent nor a topic")
    if data.get("acute"):
        lines = data.get("help_lines") or []
        if not lines:
            errors.append("an acute topic needs help_lines (name and phone)")
        for line in lines:
            if not isinstance(line, Mapping) or not line.get("name") or not PHONE.match(str(line.get("phone", ""))):
                errors.append(f"help_lines: {line!r} needs a name and a phone number")
    return errors


def spec_topics(spec_path: Path) -> Dict[str, str]:
    """Topic id -> authority id, from the spec's topics.yml."""
    spec = read_yaml(spec_path)
    return {str(k): str((v or {}).get("authority")) for k, v in (spec.get("topics") or {}).items()}


def spec_authorities(spec_path: Path) -> List[str]:
    return [str(k) for k in (read_yaml(spec_path).get("authorities") or {})]


def validate_all(directory: Optional[Path] = None, spec: Optional[Mapping[str, str]] = None,
                 service_intents: Sequence[str] = ()) -> Dict[str, List[str]]:
    """topic id -> problems, for every file; and the spec's topics that are missing."""
    directory = directory or topics_dir()
    authority_ids = set(authorities())
    results: Dict[str, List[str]] = {}
    entries = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            entries[path.stem] = read_yaml(path)
        except ValueError as error:
            results[path.stem] = [str(error)]
    other_ids = set(entries) | set(service_intents)
    for topic_id, data in entries.items():
        results[topic_id] = validate_topic(topic_id, data, authority_ids, other_ids)
        if spec is not None and topic_id in spec and data.get("authority") != spec[topic_id]:
            results[topic_id].append(f"authority is {data.get('authority')!r}, the spec says {spec[topic_id]!r}")
    for missing in sorted(set(spec or {}) - set(entries)):
        results[missing] = ["a topic of the spec without an entry in content/topics/"]
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Check the topics (content/topics/).")
    parser.add_argument("directory", nargs="?", type=Path, default=None)
    parser.add_argument("--spec", type=Path, default=REPO_ROOT.parent / "shared" / "spec" / "topics.yml",
                        help="the spec's topics.yml (checked when the file exists)")
    args = parser.parse_args(argv)
    spec = spec_topics(args.spec) if args.spec.exists() else None
    areas = list(read_yaml(content_dir() / "areas.yml").get("areas") or {})
    results = validate_all(args.directory, spec, areas)
    if spec is not None:
        missing = sorted(set(spec_authorities(args.spec)) - set(authorities()))
        if missing:
            results["authorities"] = [f"content/authorities.yml lacks {', '.join(missing)} of the spec"]
    if report_problems({f"topics/{topic_id}": problems for topic_id, problems in results.items()}):
        return 1
    checked = "against the spec" if spec is not None else "(spec not found)"
    print(f"OK: {len(results)} topics, checked {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
