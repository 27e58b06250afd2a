"""The setup finds Python 3.10, or says in one sentence what to install."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

SCRIPT = str(ROOT / "scripts" / "find-python.sh")


def test_finds_a_python_3_10():
    result = subprocess.run(["bash", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    version = subprocess.run([result.stdout.strip(), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.10")


def test_honours_PYTHON():
    result = subprocess.run(["bash", SCRIPT], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable})
    assert result.stdout.strip() == sys.executable


def test_without_python_3_10_says_what_to_install(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "none")}
    if any(os.path.exists(p) for p in ("/usr/bin/python3.10", "/usr/local/bin/python3.10")):
        import pytest
        pytest.skip("this machine has a system Python 3.10")
    result = subprocess.run(["bash", SCRIPT], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs Python 3.10" in lines[0] and "Traceback" not in result.stderr


def test_training_notices_the_content_the_components_read(tmp_path, monkeypatch):
    """The follow-up component labels its examples by a language's cues: a
    change there retrains (the stamp) and clears Rasa's cache, which knows a
    component by its data and configuration only (scripts/train_if_needed.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_if_needed

    cues = tmp_path / "content" / "lang" / "en" / "cues.yml"
    cues.parent.mkdir(parents=True)
    cues.write_text("questions:\n  cost: [how much]\n", encoding="utf-8")
    monkeypatch.setattr(train_if_needed, "ROOT", tmp_path)
    before = train_if_needed.inputs_hash(train_if_needed.COMPONENTS)
    cues.write_text("questions:\n  cost: [how much, price*]\n", encoding="utf-8")
    assert train_if_needed.inputs_hash(train_if_needed.COMPONENTS) != before
    assert set(train_if_needed.COMPONENTS) <= set(train_if_needed.INPUTS)
