"""The languages a conversation can be in, and the texts in each (docs/languages.md).

`content/languages.yml` lists the languages; `content/lang/<code>/` holds
each one's texts: `messages.yml` (what the actions say), `widget.yml` (the
widget's own words), `responses.yml` (the domain's responses), and the
translations of the content (`solutions.yml`, `topics.yml`, `areas.yml`,
`authorities.yml`, `questions.yml`, `answers/<matter>.yml`). Danish content
stays where it always was (content/solutions.yml, ...); Danish texts of the
actions and the widget are `content/lang/da/`.

A text missing in a language falls back to English, then Danish, and is
logged once; `python -m borgerguide.languages` lists what is missing per
language, so that nothing falls back silently.
"""
from __future__ import annotations

import argparse
import logging
import string
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from borgerguide.content import content_dir, read_yaml, report_problems

logger = logging.getLogger(__name__)
DANISH = "da"
ENGLISH = "en"
TEXT_FILES = ("messages.yml", "widget.yml")


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    dir: str = "ltr"
    detect: Optional[str] = None
    staff: str = ""  # its name in Danish (staff and analysts)


def languages_path() -> Path:
    return content_dir() / "languages.yml"


@lru_cache(maxsize=4)
def _languages(path: Path, mtime: float) -> Tuple[str, Dict[str, Language]]:
    data = read_yaml(path)
    found = {}
    for code, entry in (data.get("languages") or {}).items():
        entry = entry or {}
        found[str(code)] = Language(str(code), str(entry.get("name") or code), str(entry.get("dir") or "ltr"),
                                    entry.get("detect"), str(entry.get("staff") or entry.get("name") or code))
    return str(data.get("default") or DANISH), found


def languages() -> Dict[str, Language]:
    path = languages_path()
    return _languages(path, path.stat().st_mtime)[1]


def default_language() -> str:
    path = languages_path()
    return _languages(path, path.stat().st_mtime)[0]


def known_language(value: Any) -> Optional[str]:
    """A language code of content/languages.yml, or None (never a path or anything else)."""
    return value if isinstance(value, str) and value in languages() else None


LANGUAGE_ENTITY = "language"
GUESS_ENTITY = "language_guess"


def staff_name(code: Any) -> str:
    """A conversation's language as staff and analysts read it, in Danish."""
    language = languages().get(code) if isinstance(code, str) else None
    return language.staff if language else "Ukendt sprog"


def conversation_language(slot: Any, entities: Iterable[Mapping[str, Any]] = ()) -> str:
    """The conversation's language: the slot `language` (the citizen's choice,
    or what a message surely said: nlu_components/languages.py), else a
    first message's guess (entity `language_guess`), else the default."""
    chosen = known_language(slot)
    if chosen:
        return chosen
    for entity in entities:
        if entity.get("entity") in (LANGUAGE_ENTITY, GUESS_ENTITY) and known_language(entity.get("value")):
            return str(entity["value"])
    return default_language()


def text_dir(lang: str) -> Path:
    return content_dir() / "lang" / lang


@lru_cache(maxsize=256)
def _read(path: Path, mtime: float) -> Dict[str, Any]:
    return read_yaml(path)


def lang_file(lang: str, name: str) -> Dict[str, Any]:
    """A language's file (`messages.yml`, `answers/pas.yml`, ...), {} where there is none."""
    path = text_dir(lang) / name
    if not path.exists():
        return {}
    return _read(path, path.stat().st_mtime)


def fallbacks(lang: str) -> List[str]:
    """Where a text missing in `lang` is taken from: lang, English, Danish."""
    chain = [lang]
    for other in (ENGLISH, DANISH):
        if other not in chain and other in languages():
            chain.append(other)
    return chain


_warned: set = set()


def warn_once(lang: str, what: str) -> None:
    if (lang, what) not in _warned:
        _warned.add((lang, what))
        logger.warning("No %s text for %s: using another language's (python -m borgerguide.languages)", lang, what)


class Texts:
    """The texts of one language: `texts.t("key", name="Aarhus")`."""

    def __init__(self, lang: str, file: str = "messages.yml") -> None:
        self.lang = lang if lang in languages() else default_language()
        self.file = file

    @property
    def dir(self) -> str:
        return languages()[self.lang].dir

    def raw(self, key: str) -> Any:
        for lang in fallbacks(self.lang):
            value = lang_file(lang, self.file).get(key)
            if value is not None:
                if lang != self.lang:
                    warn_once(self.lang, f"{self.file}:{key}")
                return value
        raise KeyError(f"no text {key!r} in {self.file} of any language")

    def t(self, key: str, **values: Any) -> str:
        return string.Formatter().vformat(str(self.raw(key)), (), Defaults(values))


class Defaults(dict):
    """Formatting values; a placeholder with no value stays as it is written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def texts(lang: Optional[str], file: str = "messages.yml") -> Texts:
    return Texts(lang or default_language(), file)


def all_texts(lang: str, file: str) -> Dict[str, Any]:
    """Every text of a file in a language, the fallbacks filled in (the widget's words)."""
    merged: Dict[str, Any] = {}
    for code in reversed(fallbacks(lang)):
        merged.update(lang_file(code, file))
    return merged


def missing(lang: str) -> Dict[str, List[str]]:
    """What a language lacks against Danish, per file."""
    found: Dict[str, List[str]] = {}
    for file in TEXT_FILES:
        base = lang_file(DANISH, file)
        own = lang_file(lang, file)
        absent = sorted(key for key in base if key not in own)
        if absent:
            found[file] = absent
    return found


def validate_all() -> Dict[str, List[str]]:
    """language -> problems (missing texts, broken placeholders)."""
    problems: Dict[str, List[str]] = {}
    for lang in languages():
        found: List[str] = []
        if not text_dir(lang).exists():
            found.append(f"content/lang/{lang}/ is missing")
        for file, keys in missing(lang).items():
            found.append(f"{file}: missing {', '.join(keys)}")
        for file in TEXT_FILES:
            base = lang_file(DANISH, file)
            for key, text in lang_file(lang, file).items():
                if key in base and _fields(str(text)) - _fields(str(base[key])):
                    found.append(f"{file}:{key}: placeholders {sorted(_fields(str(text)))} that Danish lacks")
        problems[lang] = found
    return problems


def _fields(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Check the languages (content/languages.yml, content/lang/).")
    parser.parse_args(argv)
    from borgerguide.translations import missing_content  # the content's translations (it imports this module)

    problems = validate_all()
    for lang in languages():
        problems[lang] = problems[lang] + [f"missing: {what}" for what in missing_content(lang)]
    if report_problems({f"lang/{lang}": found for lang, found in problems.items()}):
        return 1
    print(f"OK: {', '.join(languages())}")  # noqa: T201
    return 0


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


if __name__ == "__main__":
    sys.exit(main())
