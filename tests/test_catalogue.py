"""The solution catalogue and its validator."""
from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from borgerguide.catalogue import (
    catalogue_path,
    load_catalogue,
    main,
    spec_solutions,
    validate_catalogue,
)
from borgerguide.content import read_yaml
from conftest import ROOT, SPEC


@pytest.fixture(scope="module")
def data():
    return read_yaml(catalogue_path())


@pytest.fixture(scope="module")
def required():
    if not SPEC.exists():
        pytest.skip("../shared/spec/intents.yml is not beside the checkout")
    return spec_solutions(SPEC)


def test_the_catalogue_is_valid_against_the_spec(data, required):
    assert validate_catalogue(data, required) == []


def test_every_spec_solution_loads_as_a_card(required):
    catalogue = load_catalogue()
    for intent, ids in required.items():
        for solution_id in ids:
            card = catalogue.get(solution_id).card()
            assert card["type"] == "solution"
            assert card["solution_id"] == solution_id
            assert card["url"].startswith("https://")
            assert card["steps"] and all(card["steps"])
            assert set(card["help"]) == {"fuldmagt", "borgerservice"}
            assert catalogue.get(solution_id).intent == intent


def _broken(data, index, **changes):
    broken = copy.deepcopy(data)
    broken["solutions"][index].update(changes)
    return broken


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"url": "http://www.borger.dk/flytning"}, "not a well-formed https URL"),
        ({"url": "https://"}, "not a well-formed https URL"),
        ({"url": "https://www.borger .dk"}, "not a well-formed https URL"),
        ({"steps": []}, "`steps` is missing or empty"),
        ({"steps": ["Log ind", "  "]}, "every step must be a non-empty text"),
        ({"title": ""}, "`title` is missing or empty"),
        ({"help": {"fuldmagt": "ja", "borgerservice": True}}, "help.fuldmagt must be true or false"),
        ({"intent": "health_card"}, "intent is 'health_card', expected 'report_move'"),
    ],
)
def test_validator_finds_each_kind_of_mistake(data, required, changes, expected):
    errors = validate_catalogue(_broken(data, 0, **changes), required)
    assert any(expected in error for error in errors), errors


def test_validator_finds_a_missing_and_an_unknown_id(data, required):
    broken = copy.deepcopy(data)
    removed = broken["solutions"].pop(1)
    broken["solutions"].append({**copy.deepcopy(data["solutions"][2]), "id": "ukendt"})
    errors = validate_catalogue(broken, required)
    assert f"{removed['id']}: required by intent {removed['intent']} but missing" in errors
    assert "ukendt: not a solution id of the spec" in errors


def test_validator_finds_a_duplicate_id(data):
    broken = copy.deepcopy(data)
    broken["solutions"].append(copy.deepcopy(data["solutions"][0]))
    assert "flytning: id used twice" in validate_catalogue(broken)


def test_cli_exit_codes(tmp_path, data, required, capsys):
    good = tmp_path / "good.yml"
    good.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main([str(good), "--spec", str(SPEC)]) == 0
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(_broken(data, 3, url="ftp://x"), allow_unicode=True), encoding="utf-8")
    assert main([str(bad), "--spec", str(SPEC)]) == 1
    assert "is not a well-formed https URL" in capsys.readouterr().err
    notyaml = tmp_path / "broken.yml"
    notyaml.write_text("solutions: [\n", encoding="utf-8")
    assert main([str(notyaml)]) == 1


def test_make_validate_content_runs_the_validator():
    result = subprocess.run(
        [sys.executable, "-m", "borgerguide.catalogue"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "20 solutions" in result.stdout


def test_every_reachable_solution_is_in_the_catalogue_and_vice_versa():
    """The routing (what the dialogue can end at) and the catalogue agree."""
    from actions.routing import SERVICE_INTENTS, SINGLE_SOLUTION, route

    reachable = set(SINGLE_SOLUTION.values())
    probes = {
        "report_move": ["skal flytte til udlandet", "flytter hjem til danmark", "flytter til Odense"],
        "digital_post": ["vil have brevene på papir", "jeg kan ikke finde brevet"],
    }
    entities = {"flytter til Odense": [{"entity": "kommune", "value": "Odense", "start": 12}]}
    for intent, texts in probes.items():
        for text in texts:
            reachable.add(route(intent, text, entities.get(text, [])).solution_id)
    catalogue = load_catalogue()
    assert reachable == set(catalogue.solutions)
    assert {s.intent for s in catalogue.solutions.values()} == set(SERVICE_INTENTS)
    # and every variant the routing can choose exists in the catalogue
    for solution_id, variants in {
        "sygedagpenge": ["lønmodtager", "ledig", "selvstændig"],
        "opskrivning_dagtilbud": ["ny_under_3", "ny_3_til_6", "skift", "opsig"],
        "mitid": ["ny", "spaerret", "ny_telefon", "ingen_smartphone"],
        "digital_post": ["mangler"],
        "fuldmagt": ["papir", "tilbagekald", "digital_post"],
    }.items():
        assert set(variants) == set(catalogue.get(solution_id).variants), solution_id
