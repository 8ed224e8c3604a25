"""The import package's shared parts: the batch hook's place among the engine's hooks, the parsers every import uses
(period, year, integer, money in a unit), the audit hook, and the layering (core imports nothing above it)."""

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core import audit
from kaifaqu.core.imports.engine import Column, Importer, Row, validate_table
from kaifaqu.core.imports.parsers import CellError, Integer, Money, Period, Text, Year, header_unit, to_period
from kaifaqu.core.imports.reading import read_table
from kaifaqu.core.tests.test_imports import xlsx

CORE = Path(__file__).resolve().parents[1]
ABOVE_CORE = ("kaifaqu.accounts", "kaifaqu.zones", "kaifaqu.enterprises", "kaifaqu.stats", "kaifaqu.projects")


class BatchImporter(Importer):
    """Records the order in which the engine calls its hooks."""

    kind = "test.batch"
    sheet_title = "数据"
    key = "code"

    def __init__(self, **kwargs):
        self.calls = []
        super().__init__(**kwargs)

    def get_columns(self):
        return [Column("code", "编号", Text(6), required=True), Column("amount", "金额", Integer())]

    def clean_row(self, row):
        self.calls.append(("clean_row", row.number))

    def check_batch(self, rows):
        self.calls.append(("check_batch", [(r.number, bool(r.errors)) for r in rows]))
        total = sum(r.values.get("amount") or 0 for r in rows if r.ok)
        if total > 10:
            rows[-1].error("amount", "合计超过 10")

    def load_existing(self, keys):
        self.calls.append(("load_existing", sorted(keys)))
        return {}


def test_check_batch_sees_every_row_after_duplicates_and_before_the_existing_data():
    importer = BatchImporter(user=None)
    table, positions = read_table(
        importer, xlsx([["编号", "金额"], ["A", 4], ["A", 5], ["B", 6], ["C", 7]], "数据"), "f.xlsx"
    )
    result = validate_table(importer, table, positions)
    assert importer.calls == [
        ("clean_row", 2),
        ("clean_row", 3),
        ("clean_row", 4),
        ("clean_row", 5),
        ("check_batch", [(2, True), (3, True), (4, False), (5, False)]),  # the duplicates already marked
        ("load_existing", ["B", "C"]),  # after the batch check; the duplicated key is left out
    ]
    assert {(e["row"], e["column"]) for e in result.errors} == {(2, "编号"), (3, "编号"), (5, "金额")}


@pytest.mark.parametrize(
    ("value", "period"),
    [("2025-03", 202503), ("2025年3月", 202503), ("202503", 202503), (202503, 202503), (202503.0, 202503)]
    + [(date(2025, 3, 31), 202503), (45747, 202503), (20250331, 202503), ("2025/3/31", 202503)]
    + [("2025-13", None), ("March", None), (2025.5, None), (True, None), ("1948-12", 194812)],
)
def test_one_reading_of_report_periods(value, period):
    assert to_period(value) == period


def test_the_period_parser_keeps_its_years():
    parser = Period(first_year=1949, last_year=2100)
    assert parser.parse("2100-12", None) == 210012
    for value in ("1948-12", "2101-01"):
        with pytest.raises(CellError, match="报告期格式不正确"):
            parser.parse(value, None)


def test_years_with_their_own_range_and_message():
    assert Year().parse(2024.0, None) == Year().parse("2024年", None) == 2024
    with pytest.raises(CellError, match="应为 4 位年份"):
        Year().parse("1800", None)
    directory_year = Year(first=2000, last=lambda: 2026, message="年度“%(value)s”不在 %(first)d—%(last)d")
    assert directory_year.parse("2026", None) == 2026
    with pytest.raises(CellError, match="年度“2027”不在 2000—2026"):
        directory_year.parse(2027, None)


def test_integers():
    assert Integer().parse("1,200", None) == 1200
    with pytest.raises(CellError, match="应为整数"):
        Integer().parse("1.5", None)
    with pytest.raises(CellError, match="不能大于 9"):
        Integer(max_value=9).parse(10, None)


class HeaderMoney(Money):
    """Money in the unit of a header, as the projects import reads its columns."""

    def unit(self, row):
        return header_unit("总投资（亿元）")


def test_money_in_the_unit_a_column_a_header_or_a_default_names():
    row = Row(importer=None, number=2, cells=(), values={"unit": "千元"})
    assert Money(unit_key="unit").parse("1,000", row) == Decimal("100.0000")
    assert Money().parse(3, row) == Decimal(3)
    assert HeaderMoney().parse("0.5", row) == Decimal(5000)
    assert header_unit("营业收入（千元）") == "千元" and header_unit("营业收入(元)") == "元"
    assert header_unit("营业收入") is None
    row.error("unit", "计量单位无法识别")  # as the unit column reports it
    assert Money(unit_key="unit").parse("1", row) is None  # the unit's cell carries the error


def test_the_audit_writer_is_installed_by_accounts_and_required(monkeypatch):
    assert audit.IMPORT == AuditEventChoices.IMPORT
    assert audit.CONFIG_CHANGE == AuditEventChoices.CONFIG_CHANGE
    assert audit._writer is not None
    monkeypatch.setattr(audit, "_writer", None)
    with pytest.raises(Exception, match="no audit writer"):
        audit.record_audit(audit.IMPORT, detail={})


def test_core_imports_nothing_above_it():
    """core ← accounts ← zones ← …: no module of the core (its tests aside) imports an app above it."""
    offenders = []
    for path in CORE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(CORE)}: {name}" for name in names if name.startswith(ABOVE_CORE)]
    assert offenders == []
