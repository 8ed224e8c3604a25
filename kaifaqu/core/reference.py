"""Loading the classification tables shipped in data/ (GB/T 4754-2017, GB/T 2260)."""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


def read_table(filename):
    with open(DATA_DIR / filename, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
