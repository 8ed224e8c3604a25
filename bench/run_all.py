#!/usr/bin/env python
"""Run every benchmark script in bench/ in turn with this same Python; exit non-zero if any of them failed.

.venv/bin/python bench/run_all.py            # all of them
.venv/bin/python bench/run_all.py enterprise_list   # only the named ones (file name without .py)
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Scripts whose defaults are a long measurement run with smaller arguments here, so `make bench` stays a check that
# every bench works; their full runs (and the numbers in docs/performance.md) are made by hand.
SMALL_RUN = {"load.py": ["--requests", "5", "--import-rows", "5000"]}


def scripts(names=()):
    found = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    if names:
        found = [p for p in found if p.stem in names]
        missing = set(names) - {p.stem for p in found}
        if missing:
            sys.exit(f"没有这些基准脚本：{'、'.join(sorted(missing))}")
    return found


def main(names):
    results = []
    for script in scripts(names):
        print(f"\n=== {script.name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *SMALL_RUN.get(script.name, [])], cwd=HERE.parent)
        results.append((script.name, code, time.perf_counter() - started))
    print("\n=== 汇总 ===")
    for name, code, seconds in results:
        print(f"{'通过' if code == 0 else f'失败（退出码 {code}）'}  {name}  {seconds:.0f} 秒")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
