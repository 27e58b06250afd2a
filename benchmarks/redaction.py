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
- the cost per message: p50 / p95 / max in microseconds, over 20 rounds.

    python benchmarks/redaction.py [--show]

The even messages were used to improve the redaction (their misses are what
--show prints); the odd ones never were: their figures are reported apart.
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
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from borgerguide.redaction import redact  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "pii_heldout.yml"
SPAN = re.compile(r"\[([^\[\]]+)\]\((CPR|TELEFON|EMAIL|KONTO|DOKUMENT|NAVN|ADRESSE|HELBRED)\)")
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]{2,}|\d")
MARKERS = {"CPR": "[CPR]", "TELEFON": "[TELEFON]", "EMAIL": "[EMAIL]", "KONTO": "[KONTO]",
           "DOKUMENT": "[DOKUMENT]", "NAVN": "[NAVN]", "ADRESSE": "[ADRESSE]", "HELBRED": "[HELBRED]"}


def load() -> List[Tuple[str, List[Tuple[str, str]]]]:
    """(plain text, [(span text, kind)]) per message."""
    out = []
    for item in yaml.safe_load(DATA.read_text(encoding="utf-8"))["messages"]:
        marked = item["text"]
        spans = [(m.group(1), m.group(2)) for m in SPAN.finditer(marked)]
        out.append((SPAN.sub(lambda m: m.group(1), marked), spans))
    return out


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(text))


def evaluate(show: bool = False, part: str = "all") -> Dict[str, object]:
    """`part`: all messages, the even ones (used while improving the
    redaction: its misses may be read) or the odd ones (never read: the
    honest figure)."""
    messages = load()
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="print every miss of the development half")
    args = parser.parse_args()
    if args.show:
        evaluate(True, "dev")
    result = evaluate(False, "all")
    result["test_half"] = {k: v for k, v in evaluate(False, "test").items() if k in ("recall", "clean_messages_changed")}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "redaction.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print("\n| kind | spans | recall | right marker |\n|---|---|---|---|")
    for kind in result["recall"]:
        print(f"| {kind} | {result['spans'][kind]} | {result['recall'][kind]:.3f} | {result['right_marker'][kind]:.3f} |")
    print("\nthe half never looked at while improving (odd messages): " + ", ".join(
        f"{k} {v:.3f}" for k, v in result["test_half"]["recall"].items()) +
        f"; clean changed {result['test_half']['clean_messages_changed']:.3f}")
    print(f"clean messages changed: {result['clean_messages_changed']:.3f} of {result['clean_messages']}; "
          f"cost p95 {result['microseconds_per_message']['p95']} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
