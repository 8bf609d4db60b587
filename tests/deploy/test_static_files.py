"""`collectstatic` with the production storage (DEBUG off: hashed names, compressed copies,
a manifest) succeeds, and the manifest names what the pages load. It once failed on the
vendored Chart.js, whose source-map reference pointed at a file that is not shipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_collectstatic_succeeds_with_the_production_storage(tmp_path: Path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "SECRET_KEY": "a-real-secret-key-for-this-test-0123456789abcdefghijkl",
           "ALLOWED_HOSTS": "aduan.example.go.id", "STATIC_ROOT": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr[-2000:]
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("css/aduan.css", "js/charts.js", "js/citizen.js",
                 "vendor/chartjs/chart.umd.min.js"):
        assert (tmp_path / paths[name]).is_file()
        assert (tmp_path / f"{paths[name]}.gz").is_file()
