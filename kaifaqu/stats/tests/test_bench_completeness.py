"""bench/stats_completeness.py runs at a tiny size in the suite: the page and the hand-written SQL must agree (no
timing is asserted; the numbers are read from a full run, docs/performance.md)."""

import importlib
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"


def test_the_completeness_bench_runs_and_both_sides_agree(db):
    sys.path.insert(0, str(BENCH))
    try:
        bench = importlib.import_module("stats_completeness")
    finally:
        sys.path.remove(str(BENCH))
    printed = []
    results = bench.measure(firms=40, zones=2, months=2, repeat=1, explain=True, out=printed.append)
    assert [name for name, *_timing in results] == ["全部 第1页", "未报 第1页"]
    assert all(timing for _name, *timing in results), printed  # None: the two sides disagreed
    assert all(queries == results[0][4] for _name, _page, _hand, _ratio, queries in results[1:])
