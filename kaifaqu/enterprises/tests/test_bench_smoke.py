"""bench/enterprise_list.py runs at a tiny size (no timing asserted: a bench prints ratios, it is not a timed test)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_enterprise_list_bench_runs_at_a_tiny_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}"}
    command = [sys.executable, "bench/enterprise_list.py", "--rows", "60", "--repeat", "1", "--profile", "3"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    page_two = next(line for line in lines if line.startswith("第 2 页"))
    assert page_two.split()[-1] == "60"  # the raw SQL counted the 60 firms the page showed
    assert any(line.startswith("cProfile /enterprises/?page=2") for line in lines)
