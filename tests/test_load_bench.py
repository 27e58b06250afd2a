"""The load benchmark (benchmarks/load.py) and the web service's spreading of
conversations over several Rasa servers (RASA_URLS)."""
from __future__ import annotations

import dataclasses
import random
import sys

import pytest

from conftest import ROOT, free_port, web_settings

sys.path.insert(0, str(ROOT / "benchmarks"))

import load  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.routes.citizen import rasa_url_for  # noqa: E402
from bot.keys import RATE_LIMITS  # noqa: E402
from bot.ratelimit import ChatRateLimits  # noqa: E402
from bot.settings import Settings  # noqa: E402


def test_rasa_urls_are_read_and_the_first_is_the_default_url():
    settings = Settings.from_env({"RASA_URLS": "http://a:5005/, http://b:5005"})
    assert settings.rasa_urls == ("http://a:5005", "http://b:5005")
    assert settings.rasa_url == "http://a:5005"
    assert Settings.from_env({"RASA_URL": "http://c:1"}).rasa_urls == ()
    assert rasa_url_for(Settings.from_env({"RASA_URL": "http://c:1"}), "abcdefgh1") == "http://c:1"


def test_a_conversation_sticks_to_one_rasa_and_conversations_spread():
    settings = Settings.from_env({"RASA_URLS": "http://a:5005,http://b:5005"})
    senders = [f"sender-{i:04d}" for i in range(400)]
    chosen = [rasa_url_for(settings, s) for s in senders]
    assert chosen == [rasa_url_for(settings, s) for s in senders]  # the same every time
    assert 150 < chosen.count("http://a:5005") < 250  # roughly half each


async def test_the_web_service_sends_each_conversation_to_its_own_rasa(aiohttp_client, stack):
    """One real Rasa and one address where nothing answers: conversations
    hashed to the real one are answered, the others get the clear 503."""
    dead = f"http://127.0.0.1:{free_port()}"
    settings = dataclasses.replace(web_settings(stack), rasa_urls=(stack.rasa_url, dead))
    client = await aiohttp_client(create_app(settings))
    statuses = []
    for _ in range(16):  # the service makes each conversation's id: both servers get some (all on one: 2 in 65536)
        response = await client.post("/api/chat", json={"message": "hej"})
        statuses.append(response.status)
        if response.status == 200:
            answer = await response.json()
            assert answer["messages"] and rasa_url_for(settings, answer["sender"]) == stack.rasa_url
    assert set(statuses) == {200, 503}, statuses


def test_conversations_come_from_the_projects_own_test_material():
    material = load.Material.load()
    for intent in ["greet", "thank", "goodbye", *load.SERVICE_INTENTS]:
        assert material.by_intent[intent], intent
    assert "næste" in material.next_step
    assert "shared" not in str(load.ROOT / "tests" / "nlu" / "heldout.yml")


def test_stock_config_is_rasa_inits_with_danish():
    text = load.stock_config_text()
    assert "\nlanguage: da\n" in text
    import yaml

    config = yaml.safe_load(text)
    assert config["pipeline"] is None and config["policies"] is None  # Rasa's defaults, as rasa init leaves them


def test_a_run_compares_with_the_stock_configuration_both_ways():
    assert load.plans_for("all", "embedded") == [("ours", False), ("stock", False), ("stock", True)]
    assert load.plans_for("both", "embedded", stock_as_shipped=True) == [("ours", False), ("stock", True)]
    assert load.plans_for("all", "production") == [("ours", False), ("stock", False)]
    with pytest.raises(ValueError, match="embedded"):  # rasa run as shipped has no production profile here
        load.plans_for("stock", "production", stock_as_shipped=True)


def test_percentile_and_soak_slope():
    assert load.percentile([1, 2, 3, 4, 5], 50) == 3
    assert load.percentile(list(range(101)), 95) == 95
    flat = [(t * 30.0, 1_000_000_000) for t in range(10)]
    assert abs(load.slope_mb_per_min(flat)) < 1e-9
    growing = [(t * 30.0, 1_000_000_000 + t * 30_000_000) for t in range(10)]  # 30 MB per 30 s
    assert abs(load.slope_mb_per_min(growing) - 60.0) < 1e-6


async def test_a_short_run_through_the_public_endpoint_has_no_errors(aiohttp_server, stack):
    """Three concurrent conversations for a few seconds through the real web
    service, Rasa and action server: answers, no errors, a clarifying
    question answered where the bot asked one. The web service trusts
    127.0.0.1 as its proxy, as in the benchmark, so each citizen is limited
    by an address of its own and not by the address every test shares."""
    app = create_app(web_settings(stack))
    app[RATE_LIMITS] = ChatRateLimits(trusted_proxies=frozenset({"127.0.0.1"}))
    server = await aiohttp_server(app)
    run, elapsed = await load.drive(f"http://127.0.0.1:{server.port}/api/chat", concurrency=3, duration=8,
                                    turns=None, think=0.0, seed=random.randint(1, 10_000), timeout=30)
    assert run.samples, "no message was sent"
    assert [s for s in run.samples if not s.ok] == [], run.error_kinds
    kinds = {s.kind for s in run.samples}
    assert "service" in kinds
    assert any(s.answered for s in run.samples if s.kind == "service")
