"""Operational notices: time windows, kommune and area, CLI."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from borgerguide import notices

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'notices.db'}"


def test_active_respects_window_kommune_and_area(url):
    notices.publish("national mitid", ["mitid"], NOW - timedelta(hours=1), NOW + timedelta(hours=1), url=url)
    notices.publish("aarhus alle", ["*"], NOW - timedelta(hours=1), NOW + timedelta(hours=1), "aarhus", url=url)
    notices.publish("fremtid", ["mitid"], NOW + timedelta(hours=1), NOW + timedelta(hours=2), url=url)
    assert [n.text for n in notices.active("aarhus", "mitid", NOW, url)] == ["national mitid", "aarhus alle"]
    assert [n.text for n in notices.active("odense", "mitid", NOW, url)] == ["national mitid"]
    assert [n.text for n in notices.active("aarhus", "passport", NOW, url)] == ["aarhus alle"]
    assert notices.active("odense", "passport", NOW, url) == []
    assert [n.text for n in notices.active("odense", "mitid", NOW + timedelta(hours=1, minutes=30), url)] == ["fremtid"]


def test_end_stops_a_notice(url):
    notice_id = notices.publish("x", ["*"], NOW - timedelta(hours=1), NOW + timedelta(hours=1), url=url)
    assert notices.end_notice(notice_id, NOW, url)
    assert notices.active(None, "mitid", NOW, url) == []
    assert not notices.end_notice(9999, NOW, url)


@pytest.mark.parametrize("text, areas, hours", [("", ["*"], 1), ("x" * 501, ["*"], 1), ("ok", [], 1), ("ok", ["*"], -1)])
def test_bad_notices_are_refused(url, text, areas, hours):
    with pytest.raises(ValueError):
        notices.publish(text, areas, NOW, NOW + timedelta(hours=hours), url=url)


def test_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BORGERGUIDE_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    assert notices.main(["add", "--text", "Borgerservice lukket i dag", "--areas", "*", "--hours", "8",
                         "--kommune", "odense", "--by", "test"]) == 0
    assert notices.main(["list"]) == 0
    assert "Borgerservice lukket i dag" in capsys.readouterr().out
    assert notices.main(["add", "--text", "x", "--areas", "*"]) == 1
    assert "FEJL" in capsys.readouterr().err
    assert notices.main(["end", "1"]) == 0
