#!/usr/bin/env python
"""`/model/parse` latency of the real Rasa server, plus the trained model's
size and training time (from models/.stamp).

    make bench-parse
    python benchmarks/parse_latency.py --before OLD.tar.gz   # an older model first, same run
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import yaml  # noqa: E402
from stack import MODEL, Stack, free_port, write_endpoints  # noqa: E402

TOKEN = "bench-token"


def messages():
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text(encoding="utf-8"))
    return [line.strip()[2:].strip() for b in data["nlu"] for line in b["examples"].splitlines() if line.strip()]


def measure(model: Path) -> dict:
    """Start the real Rasa server with `model`, time every held-out message."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        action_port = free_port()
        stack = Stack(action_port=action_port, rasa_port=free_port(), web_port=None, token=TOKEN,
                      endpoints=write_endpoints(tmp / "endpoints.yml", action_port, tmp / "t.db"), log_dir=tmp)
        started = time.monotonic()
        stack.start_rasa(model)
        startup = time.monotonic() - started
        try:
            url = f"{stack.rasa_url}/model/parse?token={TOKEN}"
            texts = messages()
            for text in texts[:20]:  # warm-up
                post(url, text)
            latencies = []
            for text in texts:
                t0 = time.perf_counter()
                post(url, text)
                latencies.append((time.perf_counter() - t0) * 1000)
        finally:
            stack.stop()
    latencies.sort()
    return {
        "model": str(model),
        "parse_requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "server_start_s": round(startup, 1),
        "model_mb": round(model.stat().st_size / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, metavar="MODEL",
                        help="measure this (older) model first, in the same run")
    args = parser.parse_args()
    if not MODEL.exists():
        print("No trained model; run `make train` first.", file=sys.stderr)
        return 1
    if args.before and not args.before.exists():
        parser.error(f"--before: {args.before} does not exist")
    before = measure(args.before) if args.before else None
    result = measure(MODEL)
    stamp = json.loads((ROOT / "models" / ".stamp").read_text()) if (ROOT / "models" / ".stamp").exists() else {}
    result["train_seconds"] = stamp.get("train_seconds")
    if before:
        result = {"before": before, "after": result}
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "parse_latency.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


def post(url: str, text: str) -> None:
    request = urllib.request.Request(url, data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


if __name__ == "__main__":
    sys.exit(main())
