"""The PostgreSQL settings of docs/deploy.md, scaled to a machine, as `make serve-prod` and
`make bench` start their clusters with them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.pg_settings import settings

BASE_DIR = Path(__file__).resolve().parents[2]
GiB = 2**30


@pytest.mark.parametrize(("memory", "shared", "cache"), [
    (24 * GiB, "4096MB", "12288MB"),  # a quarter would be 6 GB: at most 4
    (8 * GiB, "2048MB", "4096MB"),
    (2 * GiB, "512MB", "1024MB"),
])
def test_shared_buffers_are_a_quarter_of_memory_up_to_4_gb(memory, shared, cache):
    assert settings(memory) == {"shared_buffers": shared, "effective_cache_size": cache,
                                "work_mem": "16MB", "jit": "off"}


def test_printed_as_pg_virtualenv_options():
    printed = subprocess.run([sys.executable, "-m", "deploy.pg_settings"], cwd=BASE_DIR,
                             capture_output=True, text=True, check=True).stdout.splitlines()
    assert printed[::2] == ["-o"] * 4
    names = [option.split("=", 1)[0] for option in printed[1::2]]
    assert names == ["shared_buffers", "effective_cache_size", "work_mem", "jit"]


def test_the_deployment_guide_asks_for_them():
    guide = (BASE_DIR / "docs" / "deploy.md").read_text()
    for name in settings(8 * GiB):
        assert f"| `{name}` |" in guide
