"""The import benchmarks keep working: each runs at a tiny size here, end to end (its workbook, the preview and the
commit through the import job, the calamine read they are compared with, the rollback). No timing is asserted: the
numbers are read by people, in docs/performance.md."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_bench(script, *args):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # a throwaway SQLite file under var/bench/
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("script", "rows"), [("stats_import.py", "60"), ("enterprise_import.py", "30")])
def test_an_import_bench_times_preview_and_commit_against_the_calamine_read(script, rows):
    result = run_bench(script, "--rows", rows, "--repeat", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    whole = next((line for line in lines if line.startswith("preview + commit (the whole operation)")), "")
    assert whole.endswith("x"), result.stdout  # min, median and the ratio of the medians
    assert any(line.startswith("per repeat, preview + commit ÷ its own read") for line in lines), result.stdout
