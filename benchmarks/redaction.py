#!/usr/bin/env python
"""How well borgerguide.redaction removes personal data, and what it costs.

benchmarks/data/pii_heldout.yml holds messages written apart from the tests
(and from the redaction's own lists), with every piece of personal data
marked `[text](KIND)`, and clean messages that must come through unchanged
(kommune, town, authority and product names, topic words, amounts, dates).

Reported:
- recall per kind: the share of marked pieces of which no word (letters or
  digits, two or more characters) is left in the redacted text; and how many
  got the right marker ([NAVN] for a name ...);
- clean messages that lost a word (anything at all changed);
- in messages with personal data, words outside the marked pieces that were
  removed as well (over-redaction);
- the cost per message: p50 / p95 / max in microseconds, over 20 rounds;
- all of it per language too (`lang` of a message: da, en, uk).

    python benchmarks/redaction.py [--show] [--lang da|en|uk]

The even messages (of each language) were used to improve the redaction
(their misses are what --show prints); the odd ones never were: their figures
are reported apart.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from borgerguide.redaction import redact  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "pii_heldout.yml"
SPAN = re.compile(r"\[([^\[\]]+)\]\((CPR|TELEFON|EMAIL|KONTO|DOKUMENT|NAVN|ADRESSE|HELBRED)\)")
WORD = re.compile(r"[^\W_]{2,}|\d")  # letters of any script (Cyrillic names too) and digits
LANGUAGES = ("da", "en", "uk")
MARKERS = {"CPR": "[CPR]", "TELEFON": "[TELEFON]", "EMAIL": "[EMAIL]", "KONTO": "[KONTO]",
           "DOKUMENT": "[DOKUMENT]", "NAVN": "[NAVN]", "ADRESSE": "[ADRESSE]", "HELBRED": "[HELBRED]"}


def load(lang: Optional[str] = None) -> List[Tuple[str, List[Tuple[str, str]]]]:
    """(plain text, [(span text, kind)]) per message (of one language)."""
    out = []
    for item in yaml.safe_load(DATA.read_text(encoding="utf-8"))["messages"]:
        if lang and item.get("lang", "da") != lang:
            continue
        marked = item["text"]
        spans = [(m.group(1), m.group(2)) for m in SPAN.finditer(marked)]
        out.append((SPAN.sub(lambda m: m.group(1), marked), spans))
    return out


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text))


def evaluate(show: bool = False, part: str = "all", lang: Optional[str] = None) -> Dict[str, object]:
    """`part`: all messages, the even ones (used while improving the
    redaction: its misses may be read) or the odd ones (never read: the
    honest figure); `lang`: only the messages in that language."""
    messages = load(lang)
    if part != "all":
        messages = messages[0 if part == "dev" else 1::2]
    found: Dict[str, List[int]] = defaultdict(list)
    right_marker: Dict[str, List[int]] = defaultdict(list)
    clean_total = clean_changed = 0
    extra_removed = extra_total = 0
    misses = []
    for text, spans in messages:
        out = redact(text)
        left = words(out)
        if not spans:
            clean_total += 1
            if out != text:
                clean_changed += 1
                misses.append(("clean", text, out))
            continue
        pii_words: Counter = Counter()
        for span, kind in spans:
            span_words = words(span)
            pii_words += span_words
            before = words(text)
            gone = all(w not in left or left[w] < before[w] for w in span_words)
            found[kind].append(int(gone))
            right_marker[kind].append(int(gone and MARKERS[kind] in out))
            if not gone:
                misses.append((kind, span, out))
        others = words(text) - pii_words
        extra_total += sum(others.values())
        extra_removed += sum((others - left).values())
    timings = []
    for _ in range(20):
        for text, _ in messages:
            started = time.perf_counter()
            redact(text)
            timings.append((time.perf_counter() - started) * 1e6)
    timings.sort()
    result = {
        "messages": len(messages),
        "recall": {kind: round(sum(v) / len(v), 4) for kind, v in sorted(found.items())},
        "spans": {kind: len(v) for kind, v in sorted(found.items())},
        "right_marker": {kind: round(sum(v) / len(v), 4) for kind, v in sorted(right_marker.items())},
        "clean_messages": clean_total,
        "clean_messages_changed": round(clean_changed / clean_total, 4) if clean_total else None,
        "other_words_removed_in_messages_with_personal_data": round(extra_removed / extra_total, 4),
        "microseconds_per_message": {"p50": round(statistics.median(timings)),
                                     "p95": round(timings[int(len(timings) * 0.95)]),
                                     "max": round(timings[-1])},
    }
    if show:
        for kind, span, out in misses:
            print(f"[{kind}] {span!r}\n      -> {out}")
    return result


def _with_test_half(lang: Optional[str]) -> Dict[str, object]:
    result = evaluate(False, "all", lang)
    result["test_half"] = {k: v for k, v in evaluate(False, "test", lang).items()
                           if k in ("recall", "clean_messages_changed")}
    return result


def _report(title: str, result: Dict[str, object]) -> None:
    recall, spans, right = result["recall"], result["spans"], result["right_marker"]
    test_half = result["test_half"]
    assert isinstance(recall, dict) and isinstance(spans, dict) and isinstance(right, dict)
    assert isinstance(test_half, dict)
    cost = result["microseconds_per_message"]
    assert isinstance(cost, dict)
    print(f"\n{title}\n| kind | spans | recall | right marker | recall, odd half |\n|---|---|---|---|---|")
    for kind in recall:
        print(f"| {kind} | {spans[kind]} | {recall[kind]:.3f} | {right[kind]:.3f} | "
              f"{test_half['recall'].get(kind, float('nan')):.3f} |")
    changed = result["clean_messages_changed"]
    print(f"clean messages changed: {changed:.3f} of {result['clean_messages']} "
          f"(odd half {test_half['clean_messages_changed']:.3f}); other words removed "
          f"{result['other_words_removed_in_messages_with_personal_data']:.3f}; "
          f"cost p50 {cost['p50']} µs, p95 {cost['p95']} µs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="print every miss of the development half")
    parser.add_argument("--lang", choices=LANGUAGES, help="only the messages in this language")
    args = parser.parse_args()
    if args.show:
        evaluate(True, "dev", args.lang)
    result = _with_test_half(args.lang)
    if not args.lang:
        result["per_language"] = {lang: _with_test_half(lang) for lang in LANGUAGES}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / ("redaction.json" if not args.lang else f"redaction-{args.lang}.json")).write_text(
        json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    _report(f"all messages ({args.lang or ', '.join(LANGUAGES)})", result)
    per_language = result.get("per_language", {})
    assert isinstance(per_language, dict)
    for lang, figures in per_language.items():
        _report(f"language {lang}", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
