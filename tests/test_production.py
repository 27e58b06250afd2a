"""The production profile (endpoints.prod.yml) against the real PostgreSQL,
Redis and RabbitMQ of this machine (scripts/prod_stack.py): two Rasa servers
with the PostgreSQL tracker store, the atomic Redis lock store and the
RabbitMQ event broker, and the web service that consumes the events from
RabbitMQ into its own PostgreSQL database.

- Conversations whose messages alternate between the two servers, and
  messages of one conversation that reach both servers at the same moment,
  lose no event and keep their order.
- The events arrive in the web service's table exactly once each, and a
  hand-off through the public endpoint becomes an escalation from them.
- PostgreSQL or Redis unavailable: the health checks fail loudly and name
  the store, the citizen gets a Danish error, and everything recovers when
  the store returns, with nothing lost. (The stores are cut off by TCP
  proxies between the processes and the real servers, so the machine's own
  servers keep running for the rest of the suite.)

A missing server fails the tests with how to start it, never a silent
fallback to another store."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Tuple

import pytest

from conftest import TOKEN, Citizen, post_json, running, wait_until
from prod_stack import PG, ProductionStack, ServerMissing, require_servers
from stack import ROOT, free_port, wait_for


class Proxy:
    """A TCP proxy to a real server that a test can cut and restore."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.pairs: List[Tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # refused at once, as a stopped server would be
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.open.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture(scope="module")
def production(model_path, tmp_path_factory):
    """Two Rasa servers, an action server and a web service in the production
    profile, reaching PostgreSQL and Redis through proxies the tests can cut."""
    try:
        require_servers()
    except ServerMissing as missing:
        pytest.fail(str(missing))
    pg, red = Proxy(5432), Proxy(6379)
    prod = ProductionStack(tmp_path_factory.mktemp("production"), TOKEN, rasa_instances=2,
                           db_port=pg.port, redis_port=red.port)
    prod.env.update(BORGERGUIDE_SECRET="production-test-secret-" + "z" * 32, BORGERGUIDE_SYNC_SECONDS="0.2")
    try:
        with running(prod, model_path):
            yield {"stack": prod, "pg": pg, "redis": red}
    finally:
        pg.close()
        red.close()


CONVERSATION = ["hej", "jeg skal flytte", "inden for danmark", "tak", "hvad koster et pas", "farvel"]


def http(method: str, url: str, body: Any = None, timeout: float = 30) -> Tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def tracker(url: str, sender: str) -> Dict:
    return http("GET", f"{url}/conversations/{sender}/tracker?token={TOKEN}")[1]


def broker_events(prod: ProductionStack, senders: List[str], expected: int, timeout: float = 30) -> List[Dict]:
    """The events the web service stored from RabbitMQ for these senders
    (waits until `expected` arrived), in the table's order."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"{PG}/{prod.web_db}")
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = ANY(:s) ORDER BY id"),
                                          {"s": senders}).all()
            if len(rows) >= expected or time.monotonic() > deadline:
                return [json.loads(r.data) for r in rows]
            time.sleep(0.3)
    finally:
        engine.dispose()


def key(event: Dict) -> tuple:
    return (event["event"], round(event["timestamp"], 6), event.get("text"), event.get("name"))


def assert_whole_turns(sender: str, events: List[Dict], said: List[str]) -> None:
    """Every message is in the tracker once, and each turn is whole: after a
    citizen's message the bot acts and listens before the next one."""
    assert sorted(e["text"] for e in events if e["event"] == "user") == sorted(said), sender
    kinds = [(e["event"], e.get("name")) for e in events if e["event"] in ("user", "action")]
    for position, (kind, _) in enumerate(kinds):
        if kind == "user":
            following = kinds[position + 1:]
            next_user = next((i for i, k in enumerate(following) if k[0] == "user"), len(following))
            assert ("action", "action_listen") in following[:next_user], (sender, kinds)
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps), sender


def assert_broker_has_each_event_once(prod: ProductionStack, stored: Dict[str, List[Dict]]) -> None:
    expected = sum(len(v) for v in stored.values())
    published = broker_events(prod, list(stored), expected)
    for sender, events in stored.items():
        # the servers publish independently: the queue's order across them is
        # not the conversation's (the timestamps are), and each event is there once
        got = sorted((key(e) for e in published if e["sender_id"] == sender), key=lambda k: k[1])
        assert got == [key(e) for e in events], sender
    assert len(published) == expected


def test_two_instances_lose_no_event_and_keep_order(production):
    prod: ProductionStack = production["stack"]
    urls = prod.rasa_urls
    senders = [f"prod-{uuid.uuid4().hex[:10]}" for _ in range(6)]
    errors: List[str] = []

    def converse(index: int, sender: str) -> None:
        try:
            for turn, text in enumerate(CONVERSATION):
                url = urls[(index + turn) % 2]  # every message to the other instance
                post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(f"{sender}: {error}")

    threads = [threading.Thread(target=converse, args=(i, s)) for i, s in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = {}
    for index, sender in enumerate(senders):
        events = tracker(urls[index % 2], sender)["events"]
        assert events == tracker(urls[(index + 1) % 2], sender)["events"]  # one store
        assert [e["text"] for e in events if e["event"] == "user"] == CONVERSATION, sender
        assert_whole_turns(sender, events, CONVERSATION)
        stored[sender] = events
    assert_broker_has_each_event_once(prod, stored)


def test_messages_of_one_conversation_at_the_same_moment_on_two_instances(production):
    """The race that Rasa 3.6's own RedisLockStore loses (a non-atomic
    get/set of the ticket lock): both messages are processed, one after the
    other, on whichever server got them."""
    prod: ProductionStack = production["stack"]
    urls = prod.rasa_urls
    pairs = [("jeg har mistet mit sundhedskort", "hvad koster et pas"),
             ("jeg skal flytte til aarhus", "hvordan faar jeg mitid")]
    senders = [f"race-{uuid.uuid4().hex[:10]}" for _ in range(8)]
    errors: List[str] = []

    def say(url: str, sender: str, text: str, start: threading.Barrier) -> None:
        try:
            start.wait()
            post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        except Exception as error:  # noqa: BLE001
            errors.append(f"{sender}: {error}")

    stored = {}
    for number, sender in enumerate(senders):
        first, second = pairs[number % 2]
        start = threading.Barrier(2)
        threads = [threading.Thread(target=say, args=(urls[0], sender, first, start)),
                   threading.Thread(target=say, args=(urls[1], sender, second, start))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        events = tracker(urls[number % 2], sender)["events"]
        assert_whole_turns(sender, events, [first, second])
        stored[sender] = events
    assert errors == []
    assert_broker_has_each_event_once(prod, stored)


def test_a_hand_off_through_the_public_endpoint_becomes_an_escalation_via_rabbitmq(production):
    prod: ProductionStack = production["stack"]
    citizen = Citizen("aarhus")
    for text in ("hej mit cpr er 010203-1234", "jeg vil tale med en medarbejder"):
        status, body = http("POST", f"{prod.web_url}/api/chat", citizen.body(message=text))
        assert status == 200, body
        citizen.keep(body)
    sender = citizen.sender
    handoffs = [m["custom"] for m in body["messages"] if (m.get("custom") or {}).get("type") == "handoff"]
    assert len(handoffs) == 1
    assert body["handoff"] and body["handoff"]["escalation_id"] == handoffs[0]["escalation_id"], \
        "the escalation exists when the citizen gets the answer"
    import sqlalchemy as sa

    engine = sa.create_engine(f"{PG}/{prod.web_db}")
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM escalations WHERE conversation_id = :c"), {"c": sender}).one()
    engine.dispose()
    assert "010203-1234" not in json.dumps(dict(row._mapping), default=str), "stored redacted"
    status, health = http("GET", f"{prod.web_url}/health")
    assert status == 200 and health == {"status": "ok", "rasa": "ok", "rasa_2": "ok", "database": "ok",
                                        "event_queue": "ok"}


@pytest.mark.parametrize("store, named", [("pg", ("tracker_store", "database")), ("redis", ("lock_store",))])
def test_a_store_outage_fails_loudly_and_everything_recovers(production, store, named):
    prod: ProductionStack = production["stack"]
    proxy: Proxy = production[store]
    citizen = Citizen()
    status, body = http("POST", f"{prod.web_url}/api/chat", citizen.body(message="jeg skal flytte"))
    assert status == 200 and body["messages"], body
    sender = citizen.keep(body)["sender"]
    proxy.cut()
    try:
        status, health = http("GET", f"{prod.web_url}/health", timeout=20)
        assert status == 503 and health["status"] == "failing", health
        described = json.dumps(health)
        for name in named:
            assert name in described, health
        status, stores = http("GET", f"{prod.rasa_urls[0]}/health/stores", timeout=20)
        assert status == 503 and stores["status"] == "failing", stores
        started = time.monotonic()
        status, body = http("POST", f"{prod.web_url}/api/chat", citizen.body(message="inden for danmark"))
        assert status in (502, 503) and "ikke tilgængelig" in body["error"], (status, body)
        assert time.monotonic() - started < 20, "a clear error, not a long hang"
    finally:
        proxy.restore()
    wait_until(lambda: http("GET", f"{prod.web_url}/health")[0] == 200, "the health check recovers")
    # the conversation goes on where it was: the question about moving is still open
    status, body = http("POST", f"{prod.web_url}/api/chat", citizen.body(message="inden for danmark"))
    assert status == 200, body
    events = tracker(prod.rasa_urls[0], sender)["events"]
    cards = [m["custom"]["solution_id"] for m in body["messages"] if (m.get("custom") or {}).get("type") == "solution"]
    assert cards and "flyt" in cards[0], "\n".join(json.dumps(e)[:300] for e in events)
    assert [e["text"] for e in events if e["event"] == "user"][0] == "jeg skal flytte", "nothing before the outage lost"
    # and every event the tracker has reaches the web service's table, once
    assert_broker_has_each_event_once(prod, {sender: events})
    for log in prod.log_dir.glob("*.log"):
        assert "inden for danmark" not in log.read_text(errors="replace"), f"the citizen's text is in {log.name}"


def test_a_missing_database_fails_loudly(production, model_path, tmp_path):
    """A wrong PostgreSQL port: Rasa does not start (no silent in-memory store)."""
    prod: ProductionStack = production["stack"]
    env = {**prod.production_env, "DB_PORT": str(free_port())}
    log = tmp_path / "rasa.log"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "launch.rasa_server", "run", "--enable-api", "--auth-token", TOKEN,
         "--interface", "127.0.0.1", "--port", str(port), "--model", str(model_path),
         "--endpoints", str(ROOT / "endpoints.prod.yml")],
        cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **env})
    try:
        with pytest.raises((RuntimeError, TimeoutError)):
            wait_for(f"http://127.0.0.1:{port}/status?token={TOKEN}", process, timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text(errors="replace")
    assert "StoreUnavailable" in text and "tracker store's database cannot be reached" in text, text[-2000:]
    assert process.returncode not in (None, 0)


def test_endpoints_prod_names_every_variable_it_needs():
    text = (ROOT / "endpoints.prod.yml").read_text(encoding="utf-8")
    import re

    settings = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    names = set(re.findall(r"\$\{([A-Z_]+)\}", settings))
    assert names == {"ACTION_SERVER_URL", "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME",
                     "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD", "REDIS_KEY_PREFIX", "RABBITMQ_HOST",
                     "RABBITMQ_PORT", "RABBITMQ_USER", "RABBITMQ_PASSWORD", "RABBITMQ_QUEUE"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [n for n in sorted(names) if n not in readme] == []  # each one documented
    assert "type: launch.lock_store.AtomicRedisLockStore" in text
