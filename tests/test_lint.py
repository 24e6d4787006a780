"""The code stays ruff-clean: the same gate for every contributor."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None,
                    reason="ruff is installed by .[test]")
def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "tracker", "tests", "bench"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
