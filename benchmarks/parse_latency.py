#!/usr/bin/env python
"""`/model/parse` latency of the real Rasa server, plus the trained model's
size and training time (from models/.stamp).

    make bench-parse
"""
from __future__ import annotations

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


def main() -> int:
    if not MODEL.exists():
        print("No trained model; run `make train` first.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        action_port = free_port()
        stack = Stack(action_port=action_port, rasa_port=free_port(), web_port=None, token=TOKEN,
                      endpoints=write_endpoints(tmp / "endpoints.yml", action_port, tmp / "t.db"), log_dir=tmp)
        started = time.monotonic()
        stack.start_rasa()
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
    stamp = json.loads((ROOT / "models" / ".stamp").read_text()) if (ROOT / "models" / ".stamp").exists() else {}
    result = {
        "parse_requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "server_start_s": round(startup, 1),
        "model_mb": round(MODEL.stat().st_size / 1e6, 1),
        "train_seconds": stamp.get("train_seconds"),
    }
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
