"""Read the tables of a rendered page (for tests): each table's id, header texts and row cell texts."""

import re
from html.parser import HTMLParser

MONEY_UNITS = ("亿元", "万元", "RMB 100 million", "RMB 10,000")
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.cell, self.row = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.stack.append({"id": dict(attrs).get("id", ""), "header": [], "rows": []})
        elif tag == "tr" and self.stack:
            self.row = []
        elif tag in ("td", "th") and self.stack and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.stack:
            table = self.stack[-1]
            if table["header"]:
                table["rows"].append(self.row)
            else:
                table["header"] = self.row
            self.row = None
        elif tag == "table" and self.stack:
            self.tables.append(self.stack.pop())

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(html):
    """{table id: {"header": [texts], "rows": [[texts]]}} of the page; the first row is the header."""
    parser = _Tables()
    parser.feed(html)
    return {t["id"]: t for t in parser.tables}


def money_columns(table):
    """{column index: the unit its header names} of the columns whose header names a money unit."""
    found = {}
    for index, text in enumerate(table["header"]):
        # the unit a header states in brackets ("总投资（亿元）"), not a word of it ("亿元以上占比")
        units = [unit for unit in MONEY_UNITS if f"（{unit}）" in text or f"({unit})" in text]
        if units:
            found[index] = units
    return found


def assert_one_unit_per_money_column(table, expected_unit):
    """Every money column's header names `expected_unit` and no other; its cells are numbers (or —), no unit."""
    columns = money_columns(table)
    assert columns, f"no money column in {table['id']}: {table['header']}"
    for index, units in columns.items():
        assert units == [expected_unit], (table["header"][index], units)
        for row in table["rows"]:
            if index >= len(row):
                continue
            first = row[index].split(" ")[0]  # a cell may add a note after the number (a rate, a period)
            words_only = not any(ch.isdigit() for ch in row[index])  # "未关联投产企业", empty
            assert first == "—" or NUMBER.match(first) or words_only, (table["header"][index], row[index])
            assert not any(unit in row[index] for unit in MONEY_UNITS), row[index]
