"""Kommune content: the shipped files validate, the validator catches mistakes,
and the channel's metadata selects the kommune."""
from __future__ import annotations

import copy

import pytest

from borgerguide.content import content_dir, read_yaml
from borgerguide.kommuner import load_kommune, main, validate_all, validate_kommune

SHIPPED = ["aarhus", "koebenhavn", "odense"]


def test_shipped_files_are_valid():
    results = validate_all()
    assert set(SHIPPED) | {"default"} <= set(results)
    assert all(errors == [] for errors in results.values()), results


def test_at_least_three_real_kommuner_plus_default():
    for kommune_id in SHIPPED:
        kommune = load_kommune(kommune_id)
        assert kommune.id == kommune_id and "Kommune" in kommune.name


def test_a_kommune_overrides_the_national_url():
    aarhus = load_kommune("aarhus")
    assert aarhus.solution_overrides("opskrivning_dagtilbud")["url"].startswith("https://aarhus.dk/")
    assert load_kommune("default").solution_overrides("opskrivning_dagtilbud") == {}


def test_unknown_kommune_is_the_default():
    assert load_kommune("ukendt").id == "default"
    assert load_kommune("AARHUS").id == "aarhus"


GOOD = {
    "id": "testrup", "name": "Testrup Kommune",
    "borgerservice": {
        "phone": "11 22 33 44", "booking_url": "https://testrup.dk/tid",
        "opening_hours": {d: "10:00-15:00" for d in
                          ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
        "special_days": {"2026-12-24": "closed"},
    },
    "solutions": {"pas": {"url": "https://testrup.dk/pas"}},
}


def broken(path, value):
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "path, value, expected",
    [
        (("id",), "andet", "id must be 'testrup'"),
        (("borgerservice", "phone"), "ring til os", "is not a phone number"),
        (("borgerservice", "booking_url"), "http://testrup.dk", "booking_url is not a well-formed https URL"),
        (("borgerservice", "opening_hours", "monday"), "10-15", "not an opening interval"),
        (("borgerservice", "opening_hours", "funday"), "closed", "is not a weekday"),
        (("borgerservice", "special_days"), {"24/12": "closed"}, "special_days.24/12"),
        (("solutions",), {"ukendt": {"url": "https://x.dk"}}, "solutions.ukendt is not in the catalogue"),
        (("solutions",), {"pas": {"url": "javascript:alert(1)"}}, "solutions.pas.url is not a well-formed https URL"),
    ],
)
def test_validator_finds_mistakes(path, value, expected):
    assert validate_kommune("testrup", GOOD, {"pas"}) == []
    errors = validate_kommune("testrup", broken(path, value), {"pas"})
    assert any(expected in e for e in errors), errors


def test_cli_on_a_broken_directory(tmp_path, capsys):
    (tmp_path / "default.yml").write_text((content_dir() / "kommuner" / "default.yml").read_text(), encoding="utf-8")
    (tmp_path / "testrup.yml").write_text("id: testrup\nname: Testrup\nborgerservice: {phone: nej}\n", encoding="utf-8")
    assert main([str(tmp_path)]) == 1
    assert "testrup: borgerservice.phone" in capsys.readouterr().err
    assert main([]) == 0


def test_default_has_contact():
    data = read_yaml(content_dir() / "kommuner" / "default.yml")
    assert data["borgerservice"]["contact_url"].startswith("https://")
