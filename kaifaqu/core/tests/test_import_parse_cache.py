"""The engine parses each distinct cell of a cacheable column once, yet reports every row, and pauses the collector."""

import gc

import pytest

from kaifaqu.core.imports import (
    CellError,
    Column,
    Importer,
    Money,
    Parser,
    Text,
    parse_order,
    parse_row,
    paused_gc,
    read_table,
    validate_table,
)
from kaifaqu.core.tests.test_imports import xlsx


class CountingCode(Parser):
    """Upper-cases a code, refuses "BAD", and counts its calls."""

    cacheable = True
    empty = ""

    def __init__(self):
        self.calls = 0

    def parse(self, value, row):
        self.calls += 1
        if str(value).upper() == "BAD":
            raise CellError("坏代码")
        return str(value).upper()


class CodesImporter(Importer):
    kind = "test.codes"
    sheet_title = "代码"
    key = "line"

    def get_columns(self):
        self.code = CountingCode()
        return [
            Column("line", "行号", Text(10), required=True),
            Column("code", "代码", self.code, required=True),
            Column("amount", "金额", Money(unit_key="unit")),
            Column("unit", "单位", Text(4)),
        ]


def validate(rows):
    importer = CodesImporter(user=None)
    table, positions = read_table(importer, xlsx(rows, title="代码"), "codes.xlsx")
    return importer, validate_table(importer, table, positions)


def test_each_distinct_cell_is_parsed_once_and_every_row_keeps_its_value_or_error():
    importer, result = validate(
        [
            ["行号", "代码", "金额", "单位"],
            ["1", "ab", 1, "万元"],
            ["2", "ab", 1, "千元"],
            ["3", "BAD", 1, "万元"],
            ["4", "bad", 1, "万元"],
            ["5", "BAD", 1, "万元"],
            ["6", "", 1, "万元"],
        ]
    )
    assert importer.code.calls == 3  # "ab", "BAD" and "bad"
    values = {row.number: row.values.get("code") for row in result.rows}
    assert (values[2], values[3]) == ("AB", "AB")
    assert {(e["row"], e["column"]) for e in result.errors} == {(4, "代码"), (5, "代码"), (6, "代码"), (7, "代码")}
    messages = {e["row"]: e["message"] for e in result.errors}
    assert messages[4] == messages[6] == "坏代码"
    assert messages[7] == "必填项不能为空"


def test_equal_cells_of_different_types_are_parsed_apart():
    importer = CodesImporter(user=None)
    ordered = parse_order(importer, {"line": 0, "code": 1})
    absent = [c for c in importer.columns if c.key not in ("line", "code")]
    rows = [parse_row(importer, n, ["x", cell], ordered, absent) for n, cell in enumerate([1, 1.0, True, 1.0], start=2)]
    assert importer.code.calls == 3  # 1 == 1.0 == True, yet each reads differently
    assert [row.values["code"] for row in rows] == ["1", "1.0", "TRUE", "1.0"]


def test_a_column_that_reads_its_row_is_not_cached():
    _importer, result = validate([["行号", "代码", "金额", "单位"], ["1", "a", 1, "万元"], ["2", "b", 1, "千元"]])
    amounts = [row.values["amount"] for row in result.rows]
    assert [str(a) for a in amounts] == ["1.0000", "0.1000"]  # the same cell, 1, in two units


def test_the_collector_is_paused_and_then_restored():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
