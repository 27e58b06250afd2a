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
