"""What the conversation benchmarks need to run in another language than Danish.

The held-out sets per language live in tests/nlu/lang/<code>/ (the Danish ones
in tests/nlu/ itself). In another language the bot's fixed replies are the
translations of content/lang/<code>/responses.yml, and an answer counts as
"in the citizen's language" when the detector reads the bot's texts as that
language (docs/languages.md).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from borgerguide.languages import DANISH, known_language, lang_file  # noqa: E402


def set_path(name: str, lang: str) -> Path:
    """tests/nlu/<name>.yml for Danish, tests/nlu/lang/<lang>/<name>.yml otherwise."""
    if lang == DANISH:
        return ROOT / "tests" / "nlu" / f"{name}.yml"
    if not known_language(lang):
        raise SystemExit(f"unknown language {lang!r}: see content/languages.yml")
    path = ROOT / "tests" / "nlu" / "lang" / lang / f"{name}.yml"
    if not path.exists():
        raise SystemExit(f"no held-out set {path.relative_to(ROOT)} for {lang!r}")
    return path


def response_texts(names: Iterable[str], lang: str) -> Set[str]:
    """The texts of these domain responses, in Danish and in `lang`."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = {variant["text"] for name in names for variant in domain["responses"].get(name, [])}
    if lang != DANISH:
        translated = lang_file(lang, "responses.yml")
        for name in names:
            entry = translated.get(name)
            for variant in entry if isinstance(entry, list) else [entry]:
                if isinstance(variant, dict) and variant.get("text"):
                    texts.add(str(variant["text"]))
    return texts


def bot_language(messages: List[Dict[str, Any]]) -> str:
    """The language the bot's texts in one answer are read as ('' when they say nothing)."""
    from nlu_components.languages import detect

    text = " ".join(str(m.get("text") or "") for m in messages)
    found, _ = detect(text, guess=True)
    return found or ""


def expected_language(first_text: str, lang: str, chosen: bool) -> str:
    """The language a conversation should be answered in: the widget's choice
    (--chosen), else what its first message is in, as the product reads it
    (a set has messages in other languages too: open traffic is mixed), else
    the set's language."""
    if chosen:
        return lang
    from nlu_components.languages import message_language

    found, _ = message_language(first_text, None)
    return found or lang


def metadata(kommune: Any, lang: str, chosen: bool) -> Dict[str, Any]:
    """The REST message metadata: the kommune, and the language when the citizen chose it in the widget."""
    out: Dict[str, Any] = {"kommune": kommune} if kommune else {}
    if chosen and lang != DANISH:
        out["lang"] = lang
    return out
