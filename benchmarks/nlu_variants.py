#!/usr/bin/env python
"""Compares NLU pipeline variants on the held-out Danish set.

For each variant: train an NLU-only model on data/nlu (the held-out set in
tests/nlu/heldout.yml is never trained on), parse every held-out message, and
report in-scope intent accuracy, the share of out-of-scope messages recognised
as out_of_scope or nlu_fallback, training time and model size.

    make bench-nlu                       # all variants
    python benchmarks/nlu_variants.py production whitespace
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# No training cache: every variant is trained from scratch, so times are real.
os.environ["RASA_MAX_CACHE_SIZE"] = "0"

import yaml  # noqa: E402

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
NOT_UNDERSTOOD = {"out_of_scope", "nlu_fallback"}


def production_pipeline() -> List[Dict[str, Any]]:
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]


def replace_tokenizer(pipeline, tokenizer):
    out = [c for c in pipeline if c["name"] not in ("SpacyTokenizer",) and "DanishSpacyNLP" not in c["name"]]
    return [tokenizer] + out


def with_component(pipeline, name, **changes):
    return [({**c, **changes} if c["name"] == name else c) for c in pipeline]


def variants() -> Dict[str, List[Dict[str, Any]]]:
    prod = production_pipeline()
    whitespace = replace_tokenizer(prod, {"name": "WhitespaceTokenizer"})
    return {
        "production": prod,
        "whitespace": whitespace,
        "spacy_transformer2": with_component(prod, "DIETClassifier", number_of_transformer_layers=2, transformer_size=256),
        "spacy_no_lookup_regex": [c for c in prod if c["name"] != "RegexFeaturizer"],
    }


def heldout() -> List[Tuple[str, str]]:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    return [
        (block["intent"], line.strip()[2:].strip())
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def train(pipeline, out_dir: Path) -> Tuple[Path, float]:
    from rasa.model_training import train_nlu

    config = out_dir / "config.yml"
    config.write_text(yaml.safe_dump({"recipe": "default.v1", "language": "da", "assistant_id": "bench",
                                      "pipeline": pipeline, "policies": []}, allow_unicode=True))
    started = time.monotonic()
    model = train_nlu(str(config), str(ROOT / "data" / "nlu"), str(out_dir), domain=str(ROOT / "domain.yml"))
    return Path(model), time.monotonic() - started


async def evaluate(model: Path, examples) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    top = []  # (gold, best non-fallback intent, its confidence) for the threshold sweep
    started = time.monotonic()
    for intent, text in examples:
        result = await agent.parse_message(text)
        predictions.append((intent, result["intent"]["name"]))
        ranking = [r for r in result.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        top.append((intent, ranking[0]["name"], ranking[0]["confidence"]))
    per_message_ms = (time.monotonic() - started) / len(examples) * 1000
    in_scope = [(i, p) for i, p in predictions if i != "out_of_scope"]
    oos = [p for i, p in predictions if i == "out_of_scope"]
    return {
        "in_scope_accuracy": round(sum(i == p for i, p in in_scope) / len(in_scope), 4),
        "out_of_scope_recognised": round(sum(p in NOT_UNDERSTOOD for p in oos) / len(oos), 4),
        "in_scope_sent_to_fallback": round(sum(p in NOT_UNDERSTOOD for _, p in in_scope) / len(in_scope), 4),
        "parse_ms_in_process": round(per_message_ms, 1),
        "threshold_sweep": threshold_sweep(top),
    }


def threshold_sweep(top, thresholds=(0.3, 0.4, 0.5, 0.6, 0.7)) -> Dict[str, Any]:
    """In-scope accuracy and out-of-scope recognition per fallback threshold."""
    sweep = {}
    for threshold in thresholds:
        def label(name, confidence):
            return "nlu_fallback" if confidence < threshold else name
        in_scope = [(g, label(n, c)) for g, n, c in top if g != "out_of_scope"]
        oos = [label(n, c) for g, n, c in top if g == "out_of_scope"]
        sweep[str(threshold)] = {
            "in_scope_accuracy": round(sum(g == p for g, p in in_scope) / len(in_scope), 4),
            "out_of_scope_recognised": round(sum(p in NOT_UNDERSTOOD for p in oos) / len(oos), 4),
        }
    return sweep


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="variants to run (default: all)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    all_variants = variants()
    names = args.names or list(all_variants)
    examples = heldout()
    results = {}
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"[{name}] training ...", flush=True)
            model, seconds = train(all_variants[name], Path(tmp))
            result = asyncio.run(evaluate(model, examples))
            result.update(train_seconds=round(seconds, 1), model_mb=round(model.stat().st_size / 1e6, 1))
            results[name] = result
            print(f"[{name}] {json.dumps(result)}", flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "nlu_variants.json").write_text(json.dumps(results, indent=2))
    print("\n| variant | in-scope accuracy | out-of-scope recognised | in-scope to fallback | train s | model MB |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['in_scope_accuracy']:.3f} | {r['out_of_scope_recognised']:.3f} | "
              f"{r['in_scope_sent_to_fallback']:.3f} | {r['train_seconds']:.0f} | {r['model_mb']} |")
    for name, r in results.items():
        print(f"\nfallback threshold sweep ({name}): " + ", ".join(
            f"{t}: {v['in_scope_accuracy']:.3f}/{v['out_of_scope_recognised']:.3f}" for t, v in r["threshold_sweep"].items()))
    print(f"\nheld-out examples: {len(examples)} ({HELDOUT.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
