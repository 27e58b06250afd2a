"""A kommune's own content: the YAML files round-trip through the database
exactly, all 98 kommuner are known, an admin's change is checked (Danish
messages), versioned and can be rolled back, and a change reaches the
dialogue's content at once without a restart."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from borgerguide import content_admin
from borgerguide.content import content_dir, read_yaml
from borgerguide.kommune_content import ContentStore, forget_revision
from borgerguide.kommuner import load_kommune, registry
from conftest import ROOT

SHIPPED = ["aarhus", "koebenhavn", "odense"]


@pytest.fixture
def fresh_database(tmp_path, monkeypatch):
    """The command line and the dialogue on a database of their own."""
    url = f"sqlite:///{tmp_path / 'content.db'}"
    monkeypatch.setenv("BORGERGUIDE_DB", url)
    forget_revision()
    yield url
    forget_revision()


def cli(*args, env_url):
    import os

    return subprocess.run([sys.executable, "-m", "bot", "content", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "BORGERGUIDE_DB": env_url})


def test_all_98_kommuner_are_known():
    kommuner = registry()
    assert len(kommuner) == 98
    assert len({k.number for k in kommuner.values()}) == 98
    assert {"aarhus", "koebenhavn", "odense", "laesoe", "aeroe"} <= set(kommuner)
    assert all(k.website.startswith("https://") for k in kommuner.values())


@pytest.mark.parametrize("kommune", SHIPPED)
def test_import_then_export_gives_the_file_back(kommune, fresh_database, tmp_path):
    original = read_yaml(content_dir() / "kommuner" / f"{kommune}.yml")
    imported = cli("import", kommune, str(content_dir() / "kommuner" / f"{kommune}.yml"), env_url=fresh_database)
    assert imported.returncode == 0, imported.stderr
    assert ContentStore(__import__("borgerguide.db", fromlist=["engine_for"]).engine_for(fresh_database)).content(
        kommune) == original
    exported = cli("export", kommune, env_url=fresh_database)
    assert exported.returncode == 0, exported.stderr
    assert yaml.safe_load(exported.stdout) == original
    again = tmp_path / "again.yml"
    again.write_text(exported.stdout, encoding="utf-8")
    assert cli("import", kommune, str(again), env_url=fresh_database).returncode == 0
    assert yaml.safe_load(cli("export", kommune, env_url=fresh_database).stdout) == original


def test_a_broken_file_is_refused_and_nothing_is_stored(fresh_database, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("id: aarhus\nname: Aarhus Kommune\nborgerservice: {phone: ring til os}\n", encoding="utf-8")
    result = cli("import", "aarhus", str(broken), env_url=fresh_database)
    assert result.returncode == 1 and "is not a phone number" in result.stderr
    assert yaml.safe_load(cli("export", "aarhus", env_url=fresh_database).stdout) == \
        read_yaml(content_dir() / "kommuner" / "aarhus.yml")
    assert cli("export", "gotham", env_url=fresh_database).returncode == 1


@pytest.mark.parametrize("path, value, message", [
    ("borgerservice.phone", "ring os op", "8 cifre"),
    ("borgerservice.booking_url", "http://aarhus.dk/tid", "https://"),
    ("solutions.opskrivning_dagtilbud.url", "https://evil.example.com/pasning", "tilladte"),
    ("borgerservice.opening_hours.monday", "10-15", "10:00-15:00"),
    ("borgerservice.special_days", "24/12: lukket", "2026-12-24"),
    ("solutions.pas.steps", "\n".join(f"trin {i}" for i in range(9)), "Højst"),
    ("widget_origins", "https://www.aarhus.dk/side", "uden /sti"),
])
def test_an_admins_mistake_gets_a_danish_message(path, value, message, fresh_database):
    changes, problems = content_admin.prepare_changes("aarhus", {path: value})
    assert path in problems and message in problems[path], problems


def test_a_change_is_versioned_reaches_the_dialogue_and_rolls_back(fresh_database):
    from borgerguide.db import engine_for
    from borgerguide.kommuner import own_content

    store = ContentStore(engine_for(fresh_database))
    before = load_kommune("aarhus").borgerservice.get("phone")
    changes, problems = content_admin.prepare_changes("aarhus", {
        "borgerservice.phone": "87 13 00 00",
        "solutions.opskrivning_dagtilbud.url": "https://aarhus.dk/ny-pasning",
        "borgerservice.special_days": "2026-12-24: lukket\n2026-12-31: 10:00-12:00"})
    assert problems == {}
    store.change("aarhus", own_content("aarhus"), changes, "admin-test")
    forget_revision()
    kommune = load_kommune("aarhus")
    assert kommune.borgerservice["phone"] == "87 13 00 00"
    assert kommune.solution_overrides("opskrivning_dagtilbud")["url"] == "https://aarhus.dk/ny-pasning"
    assert kommune.borgerservice["special_days"] == {"2026-12-24": "closed", "2026-12-31": "10:00-12:00"}
    fields = store.fields("aarhus")
    assert fields["borgerservice.phone"].verified_by == "admin-test"
    phone_change = next(c for c in store.changes("aarhus") if c["path"] == "borgerservice.phone")
    assert (phone_change["old"], phone_change["new"]) == (before, "87 13 00 00")
    store.rollback("aarhus", phone_change["id"], "admin-test", own_content("aarhus"))
    forget_revision()
    assert load_kommune("aarhus").borgerservice["phone"] == before
    assert load_kommune("odense").borgerservice == load_kommune("odense").borgerservice  # untouched
    view = {row["path"]: row for row in content_admin.view("aarhus", store.fields("aarhus"))}
    assert view["borgerservice.phone"]["default"] is None  # the national default: no phone
    assert view["solutions.pas.url"]["default"].startswith("https://")
