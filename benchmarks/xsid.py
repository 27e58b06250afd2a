#!/usr/bin/env python
"""Outside check of the Danish NLU pipeline on xSID (data nobody here wrote).

Trains on a stratified sample of xSID's machine-translated Danish training
data and tests intent accuracy on its 500 human-translated test sentences,
for Borgerguide's pipeline (config.yml) and for Rasa's default configuration
(what `rasa init` writes) side by side, in one run. The data is read from
../shared/benchmarks/xsid-da/ (never copied into this repository).

    make bench-xsid
    python benchmarks/xsid.py --per-intent 100 --data ../shared/benchmarks/xsid-da
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ["RASA_MAX_CACHE_SIZE"] = "0"  # no training cache: real training times

import yaml  # noqa: E402

# What `rasa init` (Rasa 3.6) writes: the pipeline is commented out there,
# so Rasa uses its default pipeline, which is this one.
RASA_INIT_PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100, "constrain_similarities": True},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]


def read_train(data: Path) -> List[Tuple[str, str]]:
    texts = (data / "mt.train.text.da").read_text(encoding="utf-8").splitlines()
    labels = (data / "mt.train.label.da").read_text(encoding="utf-8").splitlines()
    return [(label.split()[-1], text.strip()) for text, label in zip(texts, labels) if text.strip()]


def read_test(data: Path) -> List[Tuple[str, str]]:
    examples, text = [], None
    for line in (data / "da.test.conll").read_text(encoding="utf-8").splitlines():
        if line.startswith("# text = "):
            text = line[len("# text = "):].strip()
        elif line.startswith("# intent = ") and text:
            examples.append((line[len("# intent = "):].strip(), text))
            text = None
    return examples


def sample_proportional(train: List[Tuple[str, str]], size: int, seed: int) -> List[Tuple[str, str]]:
    unique = list(dict.fromkeys(train))
    random.Random(seed).shuffle(unique)
    return unique[:size]


def sample(train: List[Tuple[str, str]], per_intent: int, seed: int) -> List[Tuple[str, str]]:
    by_intent: Dict[str, List[str]] = collections.defaultdict(list)
    for intent, text in train:
        if text not in by_intent[intent]:
            by_intent[intent].append(text)
    rng = random.Random(seed)
    out = []
    for intent, texts in sorted(by_intent.items()):
        rng.shuffle(texts)
        out += [(intent, t) for t in texts[:per_intent]]
    return out


def write_nlu(examples, path: Path) -> None:
    by_intent = collections.defaultdict(list)
    for intent, text in examples:
        by_intent[intent].append(text)
    blocks = [{"intent": i, "examples": "".join(f"- {t}\n" for t in texts)} for i, texts in by_intent.items()]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False))


async def accuracy(model: Path, test) -> Dict[str, float]:
    """Intent accuracy as the bot sees it (a fallback counts as wrong), and of
    the classifier alone (best intent other than nlu_fallback)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    correct = classifier_correct = 0
    for intent, text in test:
        result = await agent.parse_message(text)
        correct += result["intent"]["name"] == intent
        ranking = [r for r in result.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        classifier_correct += bool(ranking) and ranking[0]["name"] == intent
    return {"intent_accuracy": round(correct / len(test), 4),
            "classifier_accuracy": round(classifier_correct / len(test), 4)}


def run(name, pipeline, nlu_file: Path, tmp: Path, test) -> Dict[str, float]:
    from rasa.model_training import train_nlu

    config = tmp / f"{name}.yml"
    config.write_text(yaml.safe_dump({"recipe": "default.v1", "language": "da", "assistant_id": "xsid",
                                      "pipeline": pipeline, "policies": []}, allow_unicode=True))
    started = time.monotonic()
    model = train_nlu(str(config), str(nlu_file), str(tmp / name))
    seconds = time.monotonic() - started
    return {**asyncio.run(accuracy(Path(model), test)), "train_seconds": round(seconds, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "xsid-da")
    parser.add_argument("--per-intent", type=int, default=100, help="training sentences per intent (stratified)")
    parser.add_argument("--sample", type=int, default=0,
                        help="instead: this many sentences drawn at random (keeps xSID's intent distribution)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (args.data / "da.test.conll").exists():
        print(f"xSID data not found in {args.data}; pass --data.", file=sys.stderr)
        return 1
    if args.sample:
        train = sample_proportional(read_train(args.data), args.sample, args.seed)
    else:
        train = sample(read_train(args.data), args.per_intent, args.seed)
    test = read_test(args.data)
    ours = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    results = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        nlu_file = tmp / "xsid_train.yml"
        write_nlu(train, nlu_file)
        for name, pipeline in (("borgerguide", ours), ("rasa_init_default", RASA_INIT_PIPELINE)):
            print(f"[{name}] training on {len(train)} sentences ...", flush=True)
            results[name] = run(name, pipeline, nlu_file, tmp, test)
            print(f"[{name}] {results[name]}", flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "xsid.json").write_text(json.dumps({"train_sentences": len(train), "test_sentences": len(test),
                                                "results": results}, indent=2))
    how = f"{args.sample} at random" if args.sample else f"{args.per_intent}/intent"
    print(f"\nxSID Danish: {len(train)} training sentences ({how}, MT), "
          f"{len(test)} test sentences (human-translated)")
    print("| pipeline | intent accuracy | classifier accuracy (no fallback) | training time (s) |\n|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['intent_accuracy']:.3f} | {r['classifier_accuracy']:.3f} | {r['train_seconds']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
