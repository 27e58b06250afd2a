"""Starting and stopping Borgerguide's processes: the action server, the Rasa
server and the web service. Used by `make run` (scripts/run.py) and by the
tests, which start the real processes on free ports.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "borgerguide.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 180.0) -> None:
    """Waits until `url` answers 200, or fails if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(process.args[:3])} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def write_endpoints(path: Path, action_port: int, tracker_db: Path, events_db: Optional[Path] = None) -> Path:
    text = (
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: \"{tracker_db}\"\n"
        "nlg:\n  type: launch.nlg.LanguageNLG\n"
    )
    if events_db is not None:
        text += f"event_broker:\n  type: SQL\n  dialect: sqlite\n  db: \"{events_db}\"\n"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Stack:
    """The running processes; `stop()` ends them all."""

    action_port: int
    rasa_port: int
    web_port: Optional[int]
    token: str
    endpoints: Path
    log_dir: Path
    env: Dict[str, str] = field(default_factory=dict)
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
               "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
               "RASA_TELEMETRY_ENABLED": "false", **self.env}
        process = subprocess.Popen(
            args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_actions(self) -> None:
        process = self._spawn("actions", [
            sys.executable, "-m", "launch.action_server", "--actions", "actions.actions",
            "--port", str(self.action_port),
        ])
        wait_for(f"{self.action_url}/health", process)

    def start_rasa(self, model: Path = MODEL, port: Optional[int] = None, name: str = "rasa",
                   plain: bool = False) -> None:
        """`plain`: Rasa's own `rasa run`, without launch/ (the load benchmark's
        "stock as shipped" comparison)."""
        port = port or self.rasa_port
        command = [str(BIN / "rasa")] if plain else [sys.executable, "-m", "launch.rasa_server"]
        process = self._spawn(name, [
            *command, "run", "--enable-api", "--auth-token", self.token,
            "--interface", "127.0.0.1", "--port", str(port),
            "--model", str(model), "--endpoints", str(self.endpoints),
            "--cors", "http://127.0.0.1",
        ])
        wait_for(f"http://127.0.0.1:{port}/status?token={self.token}", process)

    def start_web(self, port: Optional[int] = None, name: str = "web") -> None:
        port = port or self.web_port
        assert port is not None
        self.env.setdefault("RASA_TOKEN", self.token)
        process = self._spawn(name, [
            sys.executable, "-m", "bot", "--host", "127.0.0.1", "--port", str(port),
            "--rasa-url", self.rasa_url,
        ])
        wait_for(f"http://127.0.0.1:{port}/health", process, timeout=60)

    def stop_one(self, name: str, timeout: float = 20.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        for name in list(self.processes)[::-1]:
            self.stop_one(name)


@contextlib.contextmanager
def bot_servers(model: Path = MODEL, token: str = "bench-token") -> Iterator[Stack]:
    """An action server and a Rasa server with `model` on free ports, in a
    temporary directory, stopped afterwards (the benchmarks' own servers)."""
    with tempfile.TemporaryDirectory() as tmp:
        action_port = free_port()
        stack = Stack(action_port=action_port, rasa_port=free_port(), web_port=None, token=token,
                      endpoints=write_endpoints(Path(tmp) / "endpoints.yml", action_port, Path(tmp) / "t.db"),
                      log_dir=Path(tmp))
        try:
            stack.start_actions()
            stack.start_rasa(model)
            yield stack
        finally:
            stack.stop()


def measured(rasa_url: Optional[str], model: Path, measure: Callable[[str, str], Dict[str, Any]],
             out: Path, token: str = "bench-token") -> Dict[str, Any]:
    """A benchmark's run: `measure(rasa_url, token)` against the running Rasa
    server given, or against servers started for it with `model`; the result
    is written to `out` as JSON and returned."""
    if rasa_url:
        result = measure(rasa_url.rstrip("/"), token)
    else:
        with bot_servers(model, token) as stack:
            result = measure(stack.rasa_url, stack.token)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return result
