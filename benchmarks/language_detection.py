#!/usr/bin/env python
"""Language detection: is each citizen answered in the language they write?

tests/nlu/language_detection.yml (held out, written apart from the training
data) holds single messages with their language, and short conversations in
one language. Against a real Rasa server with the real action server:

- messages (not short): sent as the first message of a new conversation; right
  when the conversation's language afterwards (the tracker's slot `language`,
  Danish when empty) is the message's language;
- short messages ("ok", "MitID", "thanks"): they need not decide, but must not
  turn a conversation in another language around: each is sent as the second
  message of a conversation whose first message set a *different* language,
  and must leave it there ("kept"). A short message in another alphabet
  ("дякую" in a Danish conversation) is the exception by design: Danish and
  English are never written in Cyrillic, so it is the citizen changing to
  Ukrainian; those are counted apart ("by alphabet").
- conversations: every message is sent in turn; a flip is a turn after which
  the conversation's language (the slot `language`) is set to another language
  than the conversation's `lang`. Turns before anything set it (a first "hi")
  are counted apart as "undecided": the bot answers them in the default
  language, or in the first message's guess.

    python benchmarks/language_detection.py                 # starts its own Rasa + action server
    python benchmarks/language_detection.py --rasa-url http://127.0.0.1:5005 --token dev
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from borgerguide.languages import conversation_language, default_language  # noqa: E402
from nlu_components.languages import cyrillic_share  # noqa: E402

DEFAULT = default_language()

SET = ROOT / "tests" / "nlu" / "language_detection.yml"
# a first message that surely sets each language, for the short-message check
OPENERS = {
    "da": "jeg vil gerne have hjælp til at flytte min adresse",
    "en": "I would like some help with changing my address please",
    "uk": "Я хочу змінити свою адресу, допоможіть будь ласка",
}


class Conversation:
    def __init__(self, rasa_url: str, token: str) -> None:
        self.rasa_url, self.token = rasa_url, token
        self.sender = f"ld-{uuid.uuid4().hex[:16]}"

    def say(self, text: str) -> None:
        body = json.dumps({"sender": self.sender, "message": text, "metadata": {}}).encode()
        request = urllib.request.Request(f"{self.rasa_url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    def language(self) -> str:
        url = f"{self.rasa_url}/conversations/{self.sender}/tracker?token={self.token}&include_events=NONE"
        with urllib.request.urlopen(url, timeout=60) as response:
            tracker = json.loads(response.read())
        return conversation_language(tracker.get("slots", {}).get("language"))

    def slot(self) -> Optional[str]:
        """The conversation's language as set (None: nothing has set it yet)."""
        url = f"{self.rasa_url}/conversations/{self.sender}/tracker?token={self.token}&include_events=NONE"
        with urllib.request.urlopen(url, timeout=60) as response:
            tracker = json.loads(response.read())
        return tracker.get("slots", {}).get("language") or None


def run(rasa_url: str, token: str) -> Dict[str, Any]:
    data = yaml.safe_load(SET.read_text(encoding="utf-8"))
    started = time.monotonic()
    long_rows, short_rows, conv_rows = [], [], []
    for item in data["messages"]:
        lang = item["lang"]
        if item.get("short"):
            other = "en" if lang == "da" else "da"
            conversation = Conversation(rasa_url, token)
            conversation.say(OPENERS[other])
            before = conversation.language()
            conversation.say(item["text"])
            after = conversation.language()
            alphabet = lang == "uk" and cyrillic_share(item["text"]) >= 0.5 and before != "uk"
            short_rows.append({"text": item["text"], "lang": lang, "before": before, "after": after,
                               "kept": after == before, "alphabet": alphabet})
        else:
            conversation = Conversation(rasa_url, token)
            conversation.say(item["text"])
            found = conversation.language()
            long_rows.append({"text": item["text"], "lang": lang, "found": found})
    for item in data["conversations"]:
        conversation = Conversation(rasa_url, token)
        flips, undecided = [], 0
        for text in item["messages"]:
            conversation.say(text)
            found = conversation.slot()
            if found is None and item["lang"] != DEFAULT:
                undecided += 1
            elif (found or DEFAULT) != item["lang"]:
                flips.append({"after": text, "found": found or DEFAULT})
        conv_rows.append({"lang": item["lang"], "messages": item["messages"], "flips": flips, "undecided": undecided})
    return summarise(long_rows, short_rows, conv_rows, time.monotonic() - started)


def summarise(long_rows: List[Dict], short_rows: List[Dict], conv_rows: List[Dict], seconds: float) -> Dict[str, Any]:
    per: Dict[str, Counter] = defaultdict(Counter)
    for row in long_rows:
        per[row["lang"]]["right" if row["found"] == row["lang"] else "wrong"] += 1
    for row in short_rows:
        per[row["lang"]]["by alphabet" if row["alphabet"] else "kept" if row["kept"] else "turned"] += 1
    for row in conv_rows:
        per[row["lang"]]["conversations"] += 1
        per[row["lang"]]["flipped"] += 1 if row["flips"] else 0
    right = sum(1 for r in long_rows if r["found"] == r["lang"])
    same = [r for r in short_rows if not r["alphabet"]]
    by_alphabet = [r for r in short_rows if r["alphabet"]]
    return {
        "seconds": round(seconds, 1),
        "messages": len(long_rows), "right": round(right / max(len(long_rows), 1), 4),
        "short": len(same), "short_kept": round(sum(r["kept"] for r in same) / max(len(same), 1), 4),
        "short_by_alphabet": len(by_alphabet),
        "short_by_alphabet_switched": sum(1 for r in by_alphabet if r["after"] == "uk"),
        "undecided_turns": sum(r["undecided"] for r in conv_rows),
        "conversations": len(conv_rows), "flipped": sum(1 for r in conv_rows if r["flips"]),
        "per_language": {lang: dict(c) for lang, c in sorted(per.items())},
        "wrong": [r for r in long_rows if r["found"] != r["lang"]],
        "turned": [r for r in same if not r["kept"]],
        "flips": [r for r in conv_rows if r["flips"]],
    }


def print_report(result: Dict[str, Any]) -> None:
    print(f"\nlanguage detection: {result['messages']} messages, {result['short']} short ones, "
          f"{result['conversations']} conversations in {result['seconds']} s")
    print("| messages right | short ones kept the language | conversations that flipped | undecided turns "
          "| short Cyrillic ones that switched to Ukrainian |\n|---|---|---|---|---|")
    print(f"| {result['right']:.3f} | {result['short_kept']:.3f} | {result['flipped']}/{result['conversations']} "
          f"| {result['undecided_turns']} | {result['short_by_alphabet_switched']}/{result['short_by_alphabet']} |")
    print("\n| language | right | wrong | short kept | short turned | conversations flipped |")
    print("|---|---|---|---|---|---|")
    for lang, c in result["per_language"].items():
        print(f"| {lang} | {c.get('right', 0)} | {c.get('wrong', 0)} | {c.get('kept', 0)} | {c.get('turned', 0)} "
              f"| {c.get('flipped', 0)}/{c.get('conversations', 0)} |")
    for row in result["wrong"]:
        print(f"  [wrong] {row['lang']} read as {row['found']}: {row['text'][:70]!r}")
    for row in result["turned"]:
        print(f"  [turned] {row['lang']}: {row['text']!r} turned {row['before']} into {row['after']}")
    for row in result["flips"]:
        print(f"  [flipped] {row['lang']}: {row['messages']} -> {row['flips']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one with the action server)")
    parser.add_argument("--token", default="bench-token", help="the running Rasa server's auth token")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "borgerguide.tar.gz")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "language_detection.json")
    args = parser.parse_args()
    from stack import measured

    result = measured(args.rasa_url, args.model,
                      lambda url, token: run(url, token), args.out, token=args.token)
    print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
