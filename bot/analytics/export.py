"""Labelled unresolved messages back into training data, via a developer's review.

The export writes Rasa NLU YAML (version 3.1) to a review file, by default
`review/nlu_review.yml` — never into `data/nlu/`. A developer reads it, moves
the good examples into the area's file under data/nlu/ and retrains. Messages
labelled `noise` are left out, and so are texts the training data already
has (compared after lower-casing and folding whitespace), so the file passes
`rasa data validate` together with the project's data.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import sqlalchemy as sa
import yaml

from borgerguide.topics import TOPIC_INTENT, TOPIC_PREFIX, load_topics
from bot.analytics import store as analytics

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "review" / "nlu_review.yml"
_SPACE = re.compile(r"\s+")
# Rasa reads `[text](entity)`, `[text]{...}` and `[text][...]` as entity annotations
_ANNOTATION = re.compile(r"\](?=[(\[{])")


def domain_intents(domain: Path = ROOT / "domain.yml") -> List[str]:
    data = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    return [i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or []]


def valid_labels() -> Set[str]:
    """The domain's intents, each topic as its training intent (`topic_<id>`), and noise."""
    topics = {TOPIC_PREFIX + topic_id for topic_id in load_topics()}
    return (set(domain_intents()) - {TOPIC_INTENT}) | topics | {analytics.NOISE}


def _key(text: str) -> str:
    return _SPACE.sub(" ", text.strip().lower())


def existing_examples(data_dir: Path = ROOT / "data" / "nlu") -> Set[str]:
    """Every example text of the project's NLU data (annotations stripped)."""
    from rasa.shared.nlu.training_data.entities_parser import replace_entities

    seen: Set[str] = set()
    for path in sorted(data_dir.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            examples = item.get("examples") if isinstance(item, dict) else None
            if not isinstance(examples, str) or "intent" not in item:
                continue
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    seen.add(_key(replace_entities(line[2:])))
    return seen


def clean(text: str) -> str:
    return _ANNOTATION.sub("] ", _SPACE.sub(" ", text).strip())


def collect(engine: sa.engine.Engine, kommune: Optional[str] = None,
            known: Optional[Set[str]] = None) -> Tuple[Dict[str, List[str]], Dict[str, int]]:
    """Labelled texts per intent (of one kommune, when given), and what was left out and why."""
    known = existing_examples() if known is None else known
    labels = valid_labels()
    query = sa.select(analytics.unresolved.c.text, analytics.unresolved.c.label).where(
        analytics.unresolved.c.label.isnot(None)).order_by(analytics.unresolved.c.id)
    if kommune:
        query = query.where(analytics.unresolved.c.kommune == kommune)
    by_intent: Dict[str, List[str]] = {}
    skipped = {"noise": 0, "already_in_training_data": 0, "duplicate": 0, "unknown_intent": 0, "empty": 0}
    seen: Set[str] = set()
    with engine.connect() as connection:
        for text, label in connection.execute(query):
            if label == analytics.NOISE:
                skipped["noise"] += 1
                continue
            if label not in labels:
                skipped["unknown_intent"] += 1
                continue
            text = clean(text or "")
            key = _key(text)
            if not key:
                skipped["empty"] += 1
            elif key in known:
                skipped["already_in_training_data"] += 1
            elif key in seen:
                skipped["duplicate"] += 1
            else:
                seen.add(key)
                by_intent.setdefault(label, []).append(text)
    return by_intent, skipped


def render(by_intent: Dict[str, List[str]], who: str = "analytiker") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Forslag til træningsdata fra analytikernes mærkning af uløste beskeder.",
        f"# Eksporteret {stamp} af {who}. Gennemse hvert eksempel, flyt de gode til",
        "# data/nlu/<område>.yml og træn igen. Filen læses IKKE af træningen her.",
        "# Personoplysninger er erstattet af [CPR], [TELEFON] og [EMAIL].",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in by_intent[intent])
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def export(engine: sa.engine.Engine, out: Path = DEFAULT_OUT, who: str = "analytiker") -> Dict[str, object]:
    by_intent, skipped = collect(engine)
    text = render(by_intent, who)
    yaml.safe_load(text)  # never write a file that is not YAML
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return {"path": str(out), "examples": sum(len(v) for v in by_intent.values()),
            "intents": {k: len(v) for k, v in sorted(by_intent.items())}, "skipped": skipped}


def examples_of(lines: Iterable[str]) -> List[str]:  # used by tests
    return [line.strip()[2:] for line in lines if line.strip().startswith("- ") and not line.startswith("- intent")]
