"""The matters nearest to what the citizen wrote, by the words themselves.

When the classifier is unsure (a fallback, a question without a matter), the
bot offers the matters whose training examples are closest to the message in
character n-grams: what is close to what was written, not a fixed list. The
index is built once per process from the training data (data/nlu/), which
ships with the action server.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import yaml

from actions.reading import WORD, fold

DATA = Path(__file__).resolve().parent.parent / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
# intents that are a matter the bot can show (a service area or topic_<id>)
TOPIC_PREFIX = "topic_"


def _examples(path: Path) -> List[Tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if not intent:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                rows.append((str(intent), ANNOTATION.sub(r"\1", line[2:]).strip()))
    return rows


class Index:
    """Character n-gram TF-IDF over the training examples of the matters."""

    def __init__(self, rows: Sequence[Tuple[str, str]], matters: FrozenSet[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        rows = [(intent, text) for intent, text in rows if intent in matters or intent.startswith(TOPIC_PREFIX)]
        self.labels = [intent for intent, _ in rows]
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                          preprocessor=fold)
        self.matrix = self.vectorizer.fit_transform([text for _, text in rows])

    def nearest(self, text: str, limit: int = 3, floor: float = 0.3) -> List[Tuple[str, float]]:
        """(intent name, similarity) of the closest matters, best first."""
        if not text.strip():
            return []
        scores = (self.matrix @ self.vectorizer.transform([text]).T).toarray().ravel()
        best: Dict[str, float] = {}
        for label, score in zip(self.labels, scores, strict=True):
            if score >= floor and score > best.get(label, 0.0):
                best[label] = float(score)
        return sorted(best.items(), key=lambda item: -item[1])[:limit]


@lru_cache(maxsize=1)
def training_rows() -> Tuple[Tuple[str, str], ...]:
    rows: List[Tuple[str, str]] = []
    for path in sorted(DATA.rglob("*.yml")):
        if "lookups" in path.parts:
            continue
        rows += _examples(path)
    return tuple(rows)


@lru_cache(maxsize=1)
def index(matters: FrozenSet[str]) -> Index:
    return Index(training_rows(), matters)


@lru_cache(maxsize=1)
def vocabulary() -> FrozenSet[str]:
    """Every word of the training data (folded): what the bot has seen; not
    the examples of unrelated questions, which include keyboard mash."""
    return frozenset(fold(word) for intent, text in training_rows() if intent != "out_of_scope"
                     for word in WORD.findall(text.lower()))


def nearest_matters(text: str, matters: FrozenSet[str], limit: int = 3,
                    floor: Optional[float] = None) -> List[Tuple[str, float]]:
    return index(matters).nearest(text, limit, 0.3 if floor is None else floor)
