"""The benchmarks keep working: each runs at a tiny size here, end to end (its data, its checks that both sides give
the same figures, its timing loop). No timing is asserted: the numbers are read by people, in docs/performance.md."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TINY_PAGES = ["--zones", "2", "--firms", "40", "--months", "13", "--list-firms", "120", "--projects", "40"]
TINY_PAGES += ["--years", "1", "--project-zones", "2", "--repeat", "1"]


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


def test_pages_bench_checks_every_page_against_its_sql_and_times_it():
    result = run_bench("pages.py", *TINY_PAGES)
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("统计看板", "区域排名", "报送完整性", "企业列表", "项目看板"):
        row = next((line for line in result.stdout.splitlines() if line.startswith(page)), "")
        assert "×" in row and "未计时" not in row, result.stdout


# The import benches: their workbook, the preview and the commit through the import job, the calamine read they are
# compared with, the rollback.
@pytest.mark.parametrize(("script", "rows"), [("stats_import.py", "60"), ("enterprise_import.py", "30")])
def test_an_import_bench_times_preview_and_commit_against_the_calamine_read(script, rows):
    result = run_bench(script, "--rows", rows, "--repeat", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    whole = next((line for line in lines if line.startswith("preview + commit (the whole operation)")), "")
    assert whole.endswith("x"), result.stdout  # min, median and the ratio of the medians
    assert any(line.startswith("per repeat, preview + commit ÷ its own read") for line in lines), result.stdout
