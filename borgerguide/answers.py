"""The answer base: follow-up questions about a matter (docs/answers.md).

`content/questions.yml` names the question types and their general answers;
`content/answers/<matter>.yml` holds the national answers for one solution or
topic, each with the page it comes from; a kommune's own answers (its content's
`faq`) override them.

    python -m borgerguide.answers            # validates, prints the table
    python -m borgerguide.answers --table benchmarks/answer_base.md
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlparse

from borgerguide.catalogue import is_https_url, load_catalogue
from borgerguide.content import content_dir, read_yaml, report_problems
from borgerguide.topics import load_topics

# The question types, in the order the admin and the analysts show them.
QUESTION_TYPES: Tuple[str, ...] = (
    "cost", "duration", "deadline", "prepare", "in_person", "for_other", "no_digital",
    "contact", "children", "complaint", "status",
)
# Types whose answer is a fact: without an answer of the matter's own the bot
# says honestly that it does not know (there is no general answer).
FACT_TYPES = frozenset({"cost", "duration", "deadline"})
ANSWER_FIELDS = {"text", "child", "source", "year", "unknown", "source_title"}
# A text states a fact (an amount, a time, a deadline, an age, a phone number)
# when it has a digit, or a number word with a unit.
_NUMBER_WORDS = (r"(en|et|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|fjorten|tyve|tredive|halvtreds|"
                 r"hundrede|tusind|halvandet|halvanden)")
_UNITS = r"(dag|dage|uge|uger|måned|måneder|år|time|timer|minut|minutter|kr|kroner|procent|hverdage|arbejdsdage)"
FACT = re.compile(r"\d|\b" + _NUMBER_WORDS + r"\s+" + _UNITS + r"\b", re.IGNORECASE)
TEXT_FIELDS = ("text", "child")


@dataclass(frozen=True)
class Answer:
    """One answer to one question type about one matter."""

    question: str
    text: str
    source: Optional[str] = None
    source_title: Optional[str] = None
    year: Optional[int] = None
    kind: str = "national"   # national | kommune | general | unknown

    @property
    def known(self) -> bool:
        return self.kind != "unknown"


@dataclass(frozen=True)
class QuestionType:
    key: str
    name: str
    general: Optional[str]
    child: Optional[str]
    unknown: str


def states_fact(text: str) -> bool:
    return bool(FACT.search(text or ""))


def host_title(url: str) -> str:
    """borger.dk for https://www.borger.dk/...: the link text of a source."""
    host = urlparse(url).hostname or url
    return host[4:] if host.startswith("www.") else host


def questions_path() -> Path:
    return content_dir() / "questions.yml"


def answers_dir() -> Path:
    return content_dir() / "answers"


@lru_cache(maxsize=4)
def _question_types(path: Path, mtime: float) -> Dict[str, QuestionType]:
    data = read_yaml(path).get("questions") or {}
    result = {}
    for key in QUESTION_TYPES:
        entry = data.get(key) or {}
        result[key] = QuestionType(key, str(entry.get("name") or key), entry.get("general"), entry.get("child"),
                                   str(entry.get("unknown") or ""))
    return result


def question_types() -> Dict[str, QuestionType]:
    path = questions_path()
    return _question_types(path, path.stat().st_mtime)


@lru_cache(maxsize=4)
def _load(directory: str, files: Tuple[Tuple[str, int], ...]) -> Dict[str, Dict[str, Any]]:
    result = {}
    for name, _ in files:
        data = read_yaml(Path(directory) / name)
        result[name[:-len(".yml")]] = dict(data.get("answers") or {})
    return result


def load_answers(directory: Optional[Path] = None) -> Dict[str, Dict[str, Any]]:
    """matter id -> question type -> the raw answer entry (reloaded on change;
    a directory listing with each file's mtime, so it is cheap to ask often)."""
    directory = directory or answers_dir()
    if not directory.exists():
        return {}
    with os.scandir(directory) as entries:
        files = tuple(sorted((entry.name, entry.stat().st_mtime_ns)
                             for entry in entries if entry.name.endswith(".yml")))
    return _load(str(directory), files)


def answer_for(matter: str, question: str, kommune_faq: Optional[Mapping[str, Any]] = None,
               kommune_page: Optional[str] = None, child: bool = False) -> Answer:
    """The answer to `question` about `matter`: the kommune's own, else the
    national one, else the general one, else honestly unknown."""
    kinds = question_types()
    qtype = kinds[question]
    own = (kommune_faq or {}).get(question)
    if isinstance(own, str) and own.strip():
        return Answer(question, own.strip(), kommune_page, host_title(kommune_page) if kommune_page else None,
                      None, "kommune")
    entry = load_answers().get(matter, {}).get(question)
    if isinstance(entry, Mapping) and not entry.get("unknown"):
        text = entry.get("child") if child and entry.get("child") else entry.get("text")
        if text:
            source = entry.get("source")
            return Answer(question, " ".join(str(text).split()), source,
                          entry.get("source_title") or (host_title(source) if source else None),
                          entry.get("year"), "national")
    if not (isinstance(entry, Mapping) and entry.get("unknown")):
        general = qtype.child if child and qtype.child else qtype.general
        if general and question not in FACT_TYPES:
            return Answer(question, general, None, None, None, "general")
    return Answer(question, qtype.unknown, None, None, None, "unknown")


def matter_ids() -> Dict[str, str]:
    """Every matter the base may answer for: solution and topic ids -> their short name."""
    names = {s.id: s.title for s in load_catalogue().solutions.values()}
    names.update({t.id: t.name for t in load_topics().values()})
    return names


def validate_entry(matter: str, data: Any, known_matters: Optional[Sequence[str]] = None) -> List[str]:
    """Problems in one matter's file (empty when valid)."""
    if not isinstance(data, Mapping):
        return ["the file must be a mapping"]
    errors = []
    if data.get("matter") != matter:
        errors.append(f"matter must be {matter!r} (the file name)")
    if known_matters is not None and matter not in known_matters:
        errors.append(f"{matter!r} is neither a solution of content/solutions.yml nor a topic")
    answers = data.get("answers")
    if not isinstance(answers, Mapping) or not answers:
        return errors + ["`answers` must be a mapping of question types"]
    for question, entry in answers.items():
        where = f"answers.{question}"
        if question not in QUESTION_TYPES:
            errors.append(f"{where}: not a question type ({', '.join(QUESTION_TYPES)})")
            continue
        if not isinstance(entry, Mapping):
            errors.append(f"{where}: must be a mapping (text, source, ...)")
            continue
        unknown_fields = set(entry) - ANSWER_FIELDS
        if unknown_fields:
            errors.append(f"{where}: unknown fields {', '.join(sorted(unknown_fields))}")
        if entry.get("unknown"):
            if entry.get("text"):
                errors.append(f"{where}: unknown: true, but it has a text")
            continue
        if not isinstance(entry.get("text"), str) or not entry["text"].strip():
            errors.append(f"{where}: `text` is missing (or say `unknown: true`)")
            continue
        source = entry.get("source")
        if source is not None and not is_https_url(source) and not str(source).startswith("http://"):
            errors.append(f"{where}: source {source!r} is not a web address")
        for field in TEXT_FIELDS:
            text = entry.get(field)
            fact = FACT.search(text) if isinstance(text, str) else None
            if fact and not source:
                errors.append(f"{where}.{field}: states a fact ({fact.group(0)!r}) without a source")
            if isinstance(text, str) and re.search(r"https?://|www\.", text):
                errors.append(f"{where}.{field}: no web address in the text (the source is shown as a link)")
        if entry.get("year") is not None and not isinstance(entry.get("year"), int):
            errors.append(f"{where}: year must be a year (a number)")
    return errors


def validate_all(directory: Optional[Path] = None) -> Dict[str, List[str]]:
    directory = directory or answers_dir()
    known = list(matter_ids())
    results = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            data = read_yaml(path)
        except ValueError as error:
            results[path.stem] = [str(error)]
            continue
        results[path.stem] = validate_entry(path.stem, data, known)
    types = read_yaml(questions_path()).get("questions") or {}
    problems = [f"{key} is missing" for key in QUESTION_TYPES if key not in types]
    problems += [f"{key}: states a fact in a general answer" for key, entry in types.items()
                 if any(states_fact(str((entry or {}).get(f) or "")) for f in ("general", "child", "unknown"))]
    results["questions.yml"] = problems
    return results


CELL = {"national": "national + kilde", "national_nosource": "national", "general": "generelt",
        "unknown": "ved ikke", "kommune": "kommunens"}


def table(kommune_faqs: Optional[Mapping[str, Mapping[str, Mapping[str, Any]]]] = None) -> str:
    """Markdown: question types x matters, and per kind the counts."""
    kommune_faqs = kommune_faqs or {}
    names = matter_ids()
    lines = ["| matter | " + " | ".join(QUESTION_TYPES) + " |", "|---" * (len(QUESTION_TYPES) + 1) + "|"]
    totals: Dict[str, int] = {}
    for matter in sorted(names):
        cells = []
        for question in QUESTION_TYPES:
            answer = answer_for(matter, question)
            kind = answer.kind if answer.kind != "national" or answer.source else "national_nosource"
            totals[kind] = totals.get(kind, 0) + 1
            overriding = [k for k, faqs in kommune_faqs.items() if (faqs.get(matter) or {}).get(question)]
            cell = CELL[kind] + (f" ({', '.join(overriding)})" if overriding else "")
            cells.append(cell)
        lines.append(f"| {matter} | " + " | ".join(cells) + " |")
    summary = ", ".join(f"{CELL[k]}: {v}" for k, v in sorted(totals.items()))
    return "\n".join(lines) + f"\n\n{len(names)} matters x {len(QUESTION_TYPES)} question types: {summary}\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Check the answer base (content/answers/).")
    parser.add_argument("--table", type=Path, help="write the table of question types x matters here")
    args = parser.parse_args(argv)
    if report_problems({f"answers/{m}": p for m, p in validate_all().items()}):
        return 1
    text = table()
    if args.table:
        args.table.write_text("# The answer base\n\n" + text, encoding="utf-8")
    print(text.splitlines()[-1])  # noqa: T201
    print(f"OK: {len(load_answers())} matters with answers of their own")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
