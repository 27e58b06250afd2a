"""Shared fixtures: the trained model and the real processes on free ports."""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
import os
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from stack import MODEL, Stack, free_port, write_endpoints  # noqa: E402

TOKEN = "test-token-not-secret"
SPEC = ROOT.parent / "shared" / "spec" / "intents.yml"


@pytest.fixture(scope="session", autouse=True)
def own_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tests (and the processes they start) use their own database."""
    import os

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'borgerguide.db'}"
    os.environ["BORGERGUIDE_DB"] = url
    return url


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The trained model; trains it first when it is missing or stale."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_if_needed.py")])
    assert result.returncode == 0, "training failed"
    assert MODEL.exists()
    return MODEL


# Kommuner no test names: a test that needs figures of its own counts in one of these.
_UNUSED_KOMMUNER: List[str] = []


def fresh_kommune() -> str:
    """One of the 98 kommuner that no other test of this run uses."""
    from borgerguide.kommuner import registry

    if not _UNUSED_KOMMUNER:
        named = {"aarhus", "odense", "koebenhavn"}  # the kommuner with content files, used by name
        _UNUSED_KOMMUNER.extend(sorted(set(registry()) - named, reverse=True))
    return _UNUSED_KOMMUNER.pop()


def make_stack(tmp: Path, **kwargs: Any) -> Stack:
    action_port = free_port()
    stack = Stack(
        action_port=action_port,
        rasa_port=free_port(),
        web_port=free_port(),
        token=TOKEN,
        endpoints=write_endpoints(tmp / "endpoints.yml", action_port, tmp / "tracker.db", tmp / "events.db"),
        log_dir=tmp,
        **kwargs,
    )
    stack.events_db = tmp / "events.db"  # type: ignore[attr-defined]
    stack.tracker_db = tmp / "tracker.db"  # type: ignore[attr-defined]
    return stack


def web_settings(stack: Stack, **overrides: Any):
    """Settings for the web service in-process, against the test stack."""
    import os

    from bot.settings import Settings

    return Settings(rasa_url=stack.rasa_url, rasa_token=TOKEN, secret="test-secret-" + "x" * 32,
                    database_url=os.environ["BORGERGUIDE_DB"],
                    events_url=f"sqlite:///{stack.events_db}", sync_seconds=0.2, **overrides)


@contextlib.contextmanager
def started_stack(tmp: Path, model_path: Path, web: bool = False, **kwargs: Any) -> Iterator[Stack]:
    """The action server and Rasa (and the web service with `web`), stopped
    afterwards; when one does not start, the tail of each log says why."""
    running = make_stack(tmp, **kwargs)
    try:
        running.start_actions()
        running.start_rasa(model_path)
        if web:
            running.start_web()
        yield running
    except Exception:
        for log in tmp.glob("*.log"):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        running.stop()


@pytest.fixture(scope="session")
def stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real action server and Rasa server (SQLite tracker store)."""
    # staff are on duty in the tests: hand-offs are live (callback is tested on its own)
    tmp = tmp_path_factory.mktemp("stack")
    with started_stack(tmp, model_path, env={"BORGERGUIDE_HANDOFF_MODE": "live"}) as running:
        yield running


def post_json(url: str, body: Dict[str, Any], timeout: float = 30) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def get_json(url: str, timeout: float = 30) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class Citizen:
    """A citizen's conversation through the web service's chat API. The service
    starts the conversation and gives its id (`sender`) and secret (`token`)
    once, with the first answer; they are kept here and sent with every later
    request of the conversation, as the widget does (issue 20)."""

    def __init__(self, kommune: Optional[str] = None) -> None:
        self.kommune = kommune
        self.sender: Optional[str] = None
        self.token: Optional[str] = None

    @property
    def auth(self) -> Dict[str, Any]:
        """What proves the conversation (`sender` and `token`) for the other citizen endpoints."""
        assert self.token, "the conversation has not started yet"
        return {"sender": self.sender, "token": self.token}

    def body(self, **fields: Any) -> Dict[str, Any]:
        """A chat request of this conversation: `fields` (None left out), its id and secret, its kommune."""
        body = {key: value for key, value in fields.items() if value is not None}
        if self.token:
            body.update(sender=self.sender, token=self.token)
        if self.kommune and "kommune" not in body:
            body["kommune"] = self.kommune
        return body

    def keep(self, answer: Any) -> Any:
        if isinstance(answer, dict) and answer.get("token"):
            self.sender, self.token = answer["sender"], answer["token"]
        return answer

    async def say(self, client: Any, text: Optional[str] = None, *, payload: Optional[str] = None,
                  expect: int = 200, **fields: Any) -> Dict[str, Any]:
        """A message (or a button's payload) through an aiohttp test client; the answer."""
        response = await client.post("/api/chat", json=self.body(message=text, payload=payload, **fields))
        answer = await response.json()
        assert response.status == expect, (response.status, answer)
        return self.keep(answer)

    def say_to(self, web_url: str, text: Optional[str] = None, *, payload: Optional[str] = None,
               **fields: Any) -> Dict[str, Any]:
        """The same against a running web service."""
        return self.keep(post_json(f"{web_url}/api/chat", self.body(message=text, payload=payload, **fields)))


def send(stack: Stack, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """A citizen message through Rasa's REST channel; returns the bot's messages."""
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    return post_json(f"{stack.rasa_url}/webhooks/rest/webhook", body)


def parse(stack: Stack, text: str) -> Dict[str, Any]:
    return post_json(f"{stack.rasa_url}/model/parse?token={TOKEN}", {"text": text})


def customs(messages: List[Dict[str, Any]], kind: str) -> List[Dict[str, Any]]:
    return [m["custom"] for m in messages if isinstance(m.get("custom"), dict) and m["custom"].get("type") == kind]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def web(stack):
    stack.env.update(BORGERGUIDE_EVENTS_DB=f"sqlite:///{stack.events_db}",
                     BORGERGUIDE_SECRET="browser-test-secret-" + "y" * 32,
                     BORGERGUIDE_DB=os.environ["BORGERGUIDE_DB"],
                     BORGERGUIDE_TRACKER_DB=f"sqlite:///{stack.tracker_db}")
    stack.start_web()
    yield stack
    stack.stop_one("web")


@pytest.fixture(scope="session")
def production_web(model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The production profile (PostgreSQL, Redis, RabbitMQ) with one Rasa
    server, one action server and two web service instances: for what must
    hold on every instance at once (content edits, privacy). Hand-offs are live."""
    from prod_stack import ProductionStack, ServerMissing, require_servers

    try:
        require_servers()
    except ServerMissing as missing:
        pytest.fail(str(missing))
    prod = ProductionStack(tmp_path_factory.mktemp("production-web"), TOKEN, rasa_instances=1, web_instances=2)
    prod.env.update(BORGERGUIDE_SECRET="production-web-secret-" + "q" * 32, BORGERGUIDE_SYNC_SECONDS="0.2",
                    BORGERGUIDE_HANDOFF_MODE="live")
    with running(prod, model_path):
        yield prod


@contextlib.contextmanager
def running(prod, model_path: Path) -> Iterator[Any]:
    """A production stack started with the model and stopped after; when it
    does not start, the tail of each process's log says why."""
    try:
        prod.start(model_path)
        yield prod
    except Exception:
        for log in prod.log_dir.glob("*.log"):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        prod.stop()


def wait_until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """The first truthy result of `check`; the timeout only bounds a failure."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.3)


def widget_ask(page, text: str, timeout_ms: int = 30000) -> None:
    """Types a message into the widget and waits for the bot's answer."""
    before = page.locator(".msg.bot, .card").count()
    page.fill("#bg-input", text)
    page.press("#bg-input", "Enter")
    page.wait_for_function(
        "n => document.querySelector('#borgerguide-widget').shadowRoot.querySelectorAll('.msg.bot, .card').length > n",
        arg=before, timeout=timeout_ms)


@pytest.fixture(scope="module")
def browser():
    """Chromium per test module: sync Playwright holds an event loop while it
    runs, which the asyncio tests of other modules must not meet."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


