"""Statistics figures import (统计数据导入) on the core import engine, in three layouts:

- 长表 (`stats_long`): one figure per row (统一社会信用代码, 报告期, 指标, 数值, 单位), the layout any office
  can produce;
- 系统模板 (`stats_wide`): the system's own template of one data set and period, one row per firm and one column per
  indicator (the data set and period are on the template's first row, or chosen on the upload page);
- 联网直报表 (`stats_form`): a firm's own copy of its 联网直报 form; rows are indicators, columns 本年本月 /
  本年1—本月 / 上年同期本月 / 上年同期1—本月 (one header row, or the form's own two rows: 本年 | 上年同期 merged over
  本月 | 1—本月), money in 千元; the firm and period are chosen on the upload page or read from a cell above the header.

Every layout is turned into `Submission`s and checked with `services.check_submissions` (the hard rules, locks and
assignments of the form and the API); the commit writes through `services.record_values`, once per data set.
Problems come back as (submission, indicator, message) and are mapped to the file's rows and columns here.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.exports import HEADER_FILL, HEADER_FONT, REQUIRED_FILL, WRAP, escape_cell, sheet_title
from kaifaqu.core.imports.engine import Column, Importer, Result, Row, chunks, register, row_errors
from kaifaqu.core.imports.parsers import (
    CellError,
    Lookup,
    Number,
    Parser,
    Period,
    Text,
    cell_text,
    header_unit,
    in_wan,
    is_blank,
    normalize_label,
    to_period,  # noqa: F401  (the engine's period reading, as this module named it before the engine had it)
)
from kaifaqu.core.imports.reading import HEADER_SEARCH_ROWS, ImportFileError, read_rows
from kaifaqu.core.money import UNIT_FACTORS, WAN
from kaifaqu.core.periods import format_period, make_period, month_of, previous_month
from kaifaqu.enterprises.models import Enterprise

from .models import DataSet, DataSetAssignment, Indicator, Value
from .rules import check_rule
from .services import (
    Submission,
    active_rules,
    assigned_enterprise_ids,
    check_submissions,
    current_figures,
    record_values,
)

KIND_LONG = "stats_long"
KIND_WIDE = "stats_wide"
KIND_FORM = "stats_form"
KINDS = (KIND_LONG, KIND_WIDE, KIND_FORM)
FORM_UNIT = "千元"  # money on every 联网直报 form
MAX_VALUE = Decimal(10) ** 16  # Value.value: 20 digits, 4 decimals
STORED_WARNINGS = 200
CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
# A period written above a header: 2025年3月, 2025年1—3月, 报告期：2025-03 (not a date such as 2025年4月8日).
TITLE_PERIOD = re.compile(
    r"(\d{4})\s*年\s*(?:1\s*[-—–~～－至]\s*)?(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)"
    r"|报告期\s*[:：]?\s*(\d{4})\s*[-/.]\s*(\d{1,2})(?!\d)"
)
DASHES = ("—", "-", "–", "~", "至", "―", "─", "一")
# 联网直报 row names that differ from the catalogue's names (the form's own wording).
FORM_ALIASES = {
    "工业总产值当年价格": "output_value",
    "工业总产值现价": "output_value",
    "其中出口交货值": "export_delivery",
    "企业用电量": "electricity",
    "用电量": "electricity",
    "工业用电量": "electricity",
    "期末从业人员": "employees",
    "从业人员期末人数": "employees",
    "资产合计": "total_assets",
}
# 联网直报 row codes (B203 / B204-1, indicative: see docs/forms.md) → catalogue codes.
FORM_CODES = {
    "301": "revenue",
    "327": "total_profit",
    "331": "rd_expense",
    "01": "output_value",
    "04": "export_delivery",
    "05": "electricity",
}


def stats_zone_ids(user):
    """Zones the user may write statistics in; None means every zone (system administration)."""
    if user.is_system_admin:
        return None
    return user.writable_zone_ids(Value.scope)


def writable_firms(user):
    zone_ids = stats_zone_ids(user)
    firms = Enterprise.objects.all()
    return firms if zone_ids is None else firms.filter(zone_id__in=zone_ids)


def assigned_firms(user, data_set, period):
    """The firms of the user's writable zones that must report `data_set` for `period` (the template's rows)."""
    assignments = DataSetAssignment.objects.filter(data_set=data_set, from_period__lte=period).exclude(
        to_period__lt=period
    )
    return (
        writable_firms(user)
        .filter(pk__in=assignments.values("enterprise_id"))
        .order_by("zone__name", "name")
        .only("pk", "credit_code", "name")
    )


def unit_options(importer):
    """The 单位 drop-down: the money units, then the units of the data set's other indicators."""
    units = dict.fromkeys(UNIT_FACTORS, "")
    for indicator in importer.indicators:
        if not indicator.is_money:
            units.setdefault(indicator.unit, indicator.name)
    return list(units.items())


def dash_variants(*patterns):
    """Header spellings of 1—本月: every dash office software produces."""
    return tuple(pattern.format(dash=dash) for pattern in patterns for dash in DASHES)


def title_period(text):
    match = TITLE_PERIOD.search(text)
    if not match:
        return None
    year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    try:
        return make_period(int(year), int(month))
    except ValueError:
        return None


class Code(Parser):
    """A code typed as text (统一社会信用代码, 单位): stripped, upper-cased; plain strings skip cell_text."""

    empty = ""
    cacheable = True

    def __init__(self, max_length, *, upper=True):
        self.max_length = max_length
        self.upper = upper

    def parse(self, value, row):
        text = value.strip() if type(value) is str and not value.startswith("'") else cell_text(value)
        if self.upper:
            text = text.upper()
        if len(text) > self.max_length:
            raise CellError(
                _("长度不能超过 %(n)d 个字符（当前 %(len)d 个）") % {"n": self.max_length, "len": len(text)}
            )
        return text


class ReadOnly(Parser):
    """A column shown to the user for checking (企业名称) and not imported."""

    empty = ""
    cacheable = True

    def parse(self, value, row):
        return ""

    def hint(self):
        return _("仅供核对，不导入")


class Figure(Parser):
    """A figure as typed (Decimal, any sign, any decimals): units, rounding and bounds are applied per indicator."""

    number_format = "0.####"
    _number = Number()

    def parse(self, value, row):
        # Not cached: real figures rarely repeat. The float test comes first: calamine reads numbers as floats.
        if type(value) is float and math.isfinite(value):
            return Decimal(repr(value))
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        return self._number.to_decimal(value)

    def hint(self):
        return _("数字")


def in_unit(amount, indicator, unit):
    """`amount` in the indicator's canonical unit (money: 万元 from `unit`), 4 decimals. Raises CellError."""
    if not indicator.is_money and amount.copy_abs() >= MAX_VALUE:
        raise CellError(_("数值过大"))  # before quantize, which cannot hold 1E+30 to 4 places
    amount = in_wan(amount, unit or "万元") if indicator.is_money else amount.quantize(WAN)
    if abs(amount) >= MAX_VALUE:
        raise CellError(_("数值过大"))
    return amount


# ---------------------------------------------------------------------------------------------------------------


class StatsImporter(Importer):
    """What the three layouts share: parameters, firms and scope, submissions, problem mapping, commit."""

    verbose_name = gettext_lazy("统计数据")
    layout_name = ""
    key = "_key"
    key_column = ""  # the column a duplicate is reported in
    firm_column = "credit_code"  # where firm problems go ("" for the form layout: the firm is the file's)
    period_column = ""  # where period problems go ("" when the period is the file's)

    def __init__(self, *, user, mode="create", zone=None, job=None, data_set=None, period=None, enterprise=None):
        self.user = user
        self.job = job
        self.options = dict(job.options) if job is not None else {}
        self.data_set = data_set or self.load_data_set(self.options.get("data_set"))
        self.period = period or self.options.get("period")
        self.enterprise = enterprise
        self.rows = []
        self.actions = {}  # row number → create / update / unchanged
        self.warnings = []
        self.soft_warnings = 0  # warnings[:soft_warnings] come from soft rules, the rest from the layout's checks
        self.ignored = 0
        self.submissions = []
        self.checked = None
        self.origin = {}  # id(submission) → {indicator code: (row, column key)}
        self.sub_rows = {}  # id(submission) → rows
        self.prepare()
        super().__init__(user=user, mode=mode, zone=zone, job=job)

    @staticmethod
    def load_data_set(code):
        if not code:
            return None
        return DataSet.objects.filter(code=code).first()

    def prepare(self):
        """Settle the parameters the columns depend on (may read the job's file). Raise ImportFileError."""

    def file_rows(self):
        with self.job.file.open("rb") as handle:
            data = handle.read()
        return read_rows(data, self.job.original_name, self.sheet_title, limit=HEADER_SEARCH_ROWS)

    def remember(self, **options):
        self.options.update(options)
        if self.job is not None:
            self.job.options = {**self.job.options, **options}

    @property
    def indicators(self):
        """The data set's indicators in form order."""
        if not hasattr(self, "_indicators"):
            items = self.data_set.items.select_related("indicator").order_by("order") if self.data_set else []
            self._indicators = [item.indicator for item in items]
        return self._indicators

    def header(self, key):
        if key == "_key":
            key = self.key_column
        return super().header(key)

    # -- the batch: firms, scope, assignments, the service's checks ----------------------------------------------

    def clean_row(self, row):
        self.rows.append(row)

    def figures_of(self, row):
        """(indicator code, Decimal, column key) of each figure of a clean row; empty when the row carries none."""
        raise NotImplementedError

    def priors_of(self, row):
        """(indicator code, Decimal) of the 上年同期 a row reports beside its figures (layouts that carry one)."""
        return ()

    def firm_and_period(self, row):
        raise NotImplementedError

    def check_batch(self, rows):
        """All rows are in: check them as one batch (no per-row queries) and leave each row's errors and action."""
        if all(self.key in row.failed or not row.values.get(self.key) for row in rows):
            return  # every row failed already: nothing to check against the data
        if self.data_set is None:
            raise ImportFileError(_("请选择报表"))
        firms = self.load_firms({self.firm_and_period(row)[0] for row in self.rows if row.ok})
        zone_ids = stats_zone_ids(self.user)
        groups = {}  # (credit code, period) → Submission: a firm's dozen rows find theirs with one look-up
        for row in self.rows:
            if row.errors:
                continue
            figures = self.figures_of(row)
            if not figures:
                continue
            code, period = self.firm_and_period(row)
            sub = groups.get((code, period))
            if sub is None:
                problem = self.firm_problem(code, firms.get(code), zone_ids)
                if problem:
                    row.error(self.firm_column, problem)
                    continue
                sub = groups[(code, period)] = self.new_submission(firms[code], period, row)
            for indicator_code, amount, column in figures:
                self.add_figure(sub, indicator_code, amount, row, column)
            sub.priors.update(self.priors_of(row))
        if not groups and all(row.ok for row in self.rows):
            raise ImportFileError(_("文件中没有可导入的数据：请核对表头（指标名称、数值列）和所选报表"))
        self.check_figures(list(groups.values()))
        self.soft_warnings = len(self.warnings)
        self.after_check(self.submissions)
        self.store_notes()

    def load_firms(self, codes):
        found = {}
        for chunk in chunks(codes):
            for firm in Enterprise.objects.filter(credit_code__in=chunk).only("pk", "zone_id", "credit_code", "name"):
                found[firm.credit_code] = firm
        return found

    def firm_problem(self, code, firm, zone_ids):
        """Why figures of the firm with credit code `code` (None: not registered) cannot be written, or ""."""
        if firm is None:
            return _("未找到统一社会信用代码为“%(code)s”的企业") % {"code": code}
        if zone_ids is not None and firm.zone_id not in zone_ids:
            return _("您无权录入“%(firm)s”的统计数据（该企业不在您负责统计工作的开发区）") % {"firm": firm.name}
        return ""

    def new_submission(self, firm, period, row):
        sub = Submission(firm, period, {}, row=row.number)
        self.origin[id(sub)] = {}
        self.sub_rows[id(sub)] = []
        return sub

    def add_figure(self, sub, indicator_code, amount, row, column):
        sub.figures[indicator_code] = amount
        self.origin[id(sub)][indicator_code] = (row, column)
        rows = self.sub_rows[id(sub)]
        if not rows or rows[-1] is not row:  # a row's figures come together
            rows.append(row)

    def check_figures(self, submissions, *, in_file=True):
        """Assignments, the service's checks (locks, negativity, rules against stored figures), the actions.
        `in_file`: also compare the file's own months (a check of the file alone, not repeated at commit)."""
        submissions, assigned = self.check_assigned(submissions)
        # The batch's stored figures, read once for the service's checks and the actions.
        stored = current_figures({s.firm_id for s in submissions}, {s.period for s in submissions})
        problems, soft = check_submissions(
            data_set=self.data_set, submissions=submissions, assigned=assigned, stored=stored
        )
        self.checked = (problems, soft)  # the commit, in the same transaction, writes on this very check
        for sub, indicator_code, message in problems:
            self.report(sub, indicator_code, message)
        if in_file:
            self.check_cumulative_in_file(submissions)
        self.note_soft(submissions, soft)
        self.set_actions(submissions, stored)
        self.submissions = submissions

    def check_assigned(self, submissions):
        """The submissions of firms assigned the data set for their period, and {period: assigned firm ids}."""
        by_period = defaultdict(set)
        for sub in submissions:
            by_period[sub.period].add(sub.firm_id)
        assigned = {period: assigned_enterprise_ids(self.data_set, period, ids) for period, ids in by_period.items()}
        kept = []
        for sub in submissions:
            if sub.firm_id in assigned[sub.period]:
                kept.append(sub)
                continue
            message = _("“%(firm)s”未被指定报送“%(form)s”（%(period)s）") % {
                "firm": sub.enterprise.name,
                "form": self.data_set.name,
                "period": format_period(sub.period),
            }
            for row in self.problem_rows(sub):
                row.error(self.firm_column, message)
        return kept, assigned

    def problem_rows(self, sub):
        """The rows a problem of the whole submission (firm, period) is reported on."""
        return self.sub_rows[id(sub)]

    def report(self, sub, indicator_code, message):
        origin = self.origin[id(sub)].get(indicator_code) if indicator_code else None
        if origin is not None:
            row, column = origin
            if (column, message) not in row.errors:
                row.error(column, message)
            return
        column = self.period_column if indicator_code is None else ""
        for row in self.problem_rows(sub):
            if (column, message) not in row.errors:
                row.error(column, message)

    def check_cumulative_in_file(self, submissions):
        """Cumulative flows not below last month's figure when last month is in the same file (the service compares
        with stored figures only)."""
        rules = [r for r in active_rules(self.data_set) if r.kind == "cumulative" and r.severity == "hard"]
        if not rules:
            return
        by_key = {(sub.firm_id, sub.period): sub for sub in submissions}
        for sub in submissions:
            if month_of(sub.period) == 1:
                continue
            before = by_key.get((sub.firm_id, previous_month(sub.period)))
            if before is None:
                continue
            for rule in rules:
                breach = check_rule(rule, sub.figures, before.figures)
                if breach is not None:
                    self.report(sub, breach.indicator, breach.message)

    def note_soft(self, submissions, soft):
        for sub in submissions:
            for breach in soft.get(id(sub), []):
                origin = self.origin[id(sub)].get(breach.indicator)
                row, column = origin if origin else (self.sub_rows[id(sub)][0], "")
                self.warn(
                    row.number,
                    column,
                    _("提示：%(message)s（可以导入，导入后列为待核实）") % {"message": breach.message},
                )

    def warn(self, row_number, column, message):
        self.warnings.append({"row": row_number, "column": self.header(column) if column else "", "message": message})

    def set_actions(self, submissions, stored):
        """create: every figure of the row is new; update: a stored figure changes (a new revision); else unchanged.
        `stored`: current_figures of the submissions' firms and periods."""
        self.actions = {}
        for sub in submissions:
            before = stored.get((sub.firm_id, sub.period), {})
            for indicator_code, amount in sub.figures.items():
                row, _column = self.origin[id(sub)][indicator_code]
                old = before.get(indicator_code)
                action = "create" if old is None else "unchanged" if old == amount else "update"
                current = self.actions.get(row.number)
                if current is None or (action == "update") or (current == "unchanged" and action == "create"):
                    self.actions[row.number] = action

    def after_check(self, submissions):
        """Layout-specific checks after the service's (the form layout's 上年 comparison)."""

    def store_notes(self):
        self.remember(
            warnings=self.warnings[:STORED_WARNINGS],
            warning_count=len(self.warnings),
            ignored_rows=self.ignored,
            figure_count=sum(len(s.figures) for s in self.submissions),
        )

    def check_new(self, row):
        row.action = self.actions.get(row.number, "")

    # -- commit from the preview's figures ------------------------------------------------------------------------

    def checked_state(self, result):
        """The validated figures of each firm and period with the row and column each came from: the commit checks
        them again against the current data (Importer.checked_state) instead of reading the file again."""
        submissions = []
        for sub in self.submissions:
            origin = self.origin[id(sub)]
            figures = [
                [code, str(amount), origin[code][0].number, origin[code][1]] for code, amount in sub.figures.items()
            ]
            priors = [[code, str(amount)] for code, amount in sub.priors.items()]
            submissions.append([sub.enterprise.credit_code, sub.period, figures, priors])
        return {
            "rows": [row.number for row in result.rows],
            "ignored": self.ignored,
            "layout_warnings": self.warnings[self.soft_warnings :],
            "submissions": submissions,
        }

    def recheck(self, state):
        """The preview's figures checked again as one batch: the firms (still registered, still in the user's
        zones), assignments, locks and rules against the figures stored now. The file's own checks stand."""
        rows = {number: Row(importer=self, number=number, cells=()) for number in state["rows"]}
        self.rows, self.ignored = list(rows.values()), state["ignored"]
        firms = self.load_firms({code for code, _period, _figures, *_priors in state["submissions"]})
        zone_ids = stats_zone_ids(self.user)
        submissions = []
        for code, period, figures, *priors in state["submissions"]:
            problem = self.firm_problem(code, firms.get(code), zone_ids)
            if problem:
                for number in dict.fromkeys(number for _code, _amount, number, _column in figures):
                    rows[number].error(self.firm_column, problem)
                continue
            sub = self.new_submission(firms[code], period, rows[figures[0][2]])
            for indicator_code, amount, number, column in figures:
                self.add_figure(sub, indicator_code, Decimal(amount), rows[number], column)
            sub.priors.update(
                (indicator_code, Decimal(amount)) for indicator_code, amount in (priors[0] if priors else [])
            )
            submissions.append(sub)
        self.check_figures(submissions, in_file=False)
        self.warnings += state["layout_warnings"]
        self.store_notes()
        for row in self.rows:
            if row.ok:
                self.check_new(row)
        return Result(rows=self.rows, errors=row_errors(self, self.rows))

    # -- commit ----------------------------------------------------------------------------------------------------

    def commit(self, rows):
        reason = _("导入：%(file)s") % {"file": self.job.original_name if self.job else ""}
        result = record_values(
            actor=self.user,
            data_set=self.data_set,
            submissions=self.submissions,
            source="import",
            reason=reason,
            checked=self.checked,
        )
        return {
            "created": sum(1 for row in rows if row.action == "create"),
            "updated": sum(1 for row in rows if row.action == "update"),
            "values": result.created,
            "unchanged_values": result.unchanged,
            "flags": len(result.flags),
        }

    def record_commit(self, job, summary):
        self.remember(values_written=summary["values"], flags_raised=summary["flags"])
        job.save(update_fields=["options", "updated_at"])
        self.audit_import(
            job,
            data_set=self.data_set.code,
            values=summary["values"],
            unchanged_values=summary["unchanged_values"],
            flags=summary["flags"],
        )


def indicator_table(data_set):
    """Lookup table of a data set's indicators by code, name, and name with unit; other catalogue indicators map to
    a CellError naming the data set."""
    table = {}
    in_set = {item.indicator_id for item in data_set.items.all()}
    for indicator in Indicator.objects.filter(is_active=True):
        if indicator.pk in in_set:
            found = indicator
        else:
            found = CellError(_("报表“%(form)s”不含指标“%(name)s”") % {"form": data_set.name, "name": indicator.name})
        names = [
            indicator.code,
            indicator.name,
            f"{indicator.name}({indicator.unit})",
            f"{indicator.name}（{indicator.unit}）",
        ]
        for name in names:
            table.setdefault(normalize_label(name), found)
    return table


def unit_problem(indicator, unit):
    """What is wrong with `unit` (as typed, may be "") for the indicator, or ""."""
    if unit in UNIT_FACTORS and not indicator.is_money:
        return _("“%(name)s”不是金额指标，不能填写金额单位“%(unit)s”") % {"name": indicator.name, "unit": unit}
    if unit and unit not in UNIT_FACTORS and normalize_label(unit) != normalize_label(indicator.unit):
        if indicator.is_money:
            return _("金额单位应为元、千元、万元或亿元，不能为“%(unit)s”") % {"unit": unit}
        return _("“%(name)s”的单位是“%(expected)s”，不能为“%(unit)s”") % {
            "name": indicator.name,
            "expected": indicator.unit,
            "unit": unit,
        }
    return ""


@register
class StatsLongImporter(StatsImporter):
    """长表: one figure per row."""

    kind = KIND_LONG
    layout_name = gettext_lazy("长表（每行一个数据）")
    sheet_title = gettext_lazy("统计数据")
    key_column = "indicator"
    period_column = "period"
    template_filename = "stats-long.xlsx"

    @property
    def instructions(self):
        return (
            _("每行填写一家企业一个报告期的一个指标；同一企业、报告期、指标在文件中只能出现一次。"),
            _("报告期填写 2025-03、2025年3月 或 202503；1—N月累计数填在 N 月。"),
            _("金额指标的“单位”可填元、千元、万元、亿元，不填为万元，系统换算为万元；非金额指标不能填写金额单位。"),
            _("报表“%(form)s”包含的指标见“指标”列的下拉列表。") % {"form": self.data_set.name if self.data_set else ""},
        )

    def prepare(self):
        if self.data_set is None:
            raise ImportFileError(_("请选择报表"))
        self.unit_problems = {}  # (indicator code, unit as typed) → the unit's problem, or ""

    def get_columns(self):
        return [
            Column(
                "credit_code",
                gettext_lazy("统一社会信用代码"),
                Code(18),
                required=True,
                width=22,
                example="91140581MA0K2A3B5N",
                aliases=("信用代码", "社会信用代码"),
            ),
            Column("name", gettext_lazy("企业名称"), ReadOnly(), width=30, help_text=gettext_lazy("仅供核对，不导入")),
            Column(
                "period",
                gettext_lazy("报告期"),
                Period(),
                required=True,
                width=12,
                example="2025-03",
                help_text=gettext_lazy("2025-03、2025年3月 或 202503"),
                aliases=("期别", "统计期"),
            ),
            Column(
                "indicator",
                gettext_lazy("指标"),
                Lookup(  # cacheable: the engine looks each distinct name up once
                    lambda importer: indicator_table(importer.data_set),
                    unknown=gettext_lazy("未知指标“%(value)s”，请填写指标代码或中文名称"),
                    hint=gettext_lazy("指标代码或中文名称"),
                    options=lambda importer: [(i.name, i.unit) for i in importer.indicators],
                ),
                required=True,
                width=22,
                example=gettext_lazy("营业收入"),
                aliases=("指标名称", "指标代码"),
            ),
            Column(
                "value",
                gettext_lazy("数值"),
                Figure(),
                required=True,
                width=16,
                example="1234.5",
                help_text=gettext_lazy("1—N月累计数（存量指标填期末数）"),
                aliases=("本期数", "数据"),
            ),
            Column(
                "prior",
                gettext_lazy("上年同期"),
                Figure(),
                width=16,
                example="1100",
                help_text=gettext_lazy("可选：企业在本期报表中填报的上年同期数（新入库企业必填），与数值同一单位"),
                aliases=("上年同期数", "上年同期1—本月", "上年同期累计"),
            ),
            Column(
                "unit",
                gettext_lazy("单位"),
                Code(20, upper=False),
                width=10,
                example="万元",
                help_text=gettext_lazy("金额指标：元/千元/万元/亿元，不填为万元"),
                aliases=("计量单位", "金额单位"),
                options=unit_options,
            ),
        ]

    def clean_row(self, row):
        super().clean_row(row)
        indicator = row.values.get("indicator")
        amount = row.values.get("value")
        if indicator is None or amount is None or "value" in row.failed or "indicator" in row.failed:
            return
        unit = row.values.get("unit") or ""
        problem = self.unit_problems.get((indicator.code, unit))
        if problem is None:  # a file pairs the same dozen indicators and units on every firm: check each pair once
            problem = self.unit_problems[(indicator.code, unit)] = unit_problem(indicator, unit)
        if problem:
            row.error("unit", problem)
            return
        try:
            row.values["value"] = in_unit(amount, indicator, unit if indicator.is_money else None)
        except CellError as bad:
            row.error("value", bad.message)
            return
        if row.values.get("prior") is not None and "prior" not in row.failed:
            try:
                row.values["prior"] = in_unit(row.values["prior"], indicator, unit if indicator.is_money else None)
            except CellError as bad:
                row.error("prior", bad.message)
                return
        if "credit_code" not in row.failed and "period" not in row.failed:
            row.values["_key"] = (row.values["credit_code"], row.values["period"], indicator.code)

    def figures_of(self, row):
        return ((row.values["indicator"].code, row.values["value"], "value"),)

    def priors_of(self, row):
        prior = row.values.get("prior") if "prior" not in row.failed else None
        return ((row.values["indicator"].code, prior),) if prior is not None else ()

    def firm_and_period(self, row):
        return row.values["credit_code"], row.values["period"]


@register
class StatsWideImporter(StatsImporter):
    """系统模板: one row per firm, one column per indicator of the data set; the period is the file's."""

    kind = KIND_WIDE
    layout_name = gettext_lazy("系统模板（每行一家企业）")
    sheet_title = gettext_lazy("数据")
    key = "credit_code"
    key_column = "credit_code"

    def prepare(self):
        if self.job is None or (self.data_set is not None and self.period):
            return
        for cells in self.file_rows()[:HEADER_SEARCH_ROWS]:
            for cell in cells:
                text = cell_text(cell)
                if not text or len(text) > 200:
                    continue
                if self.data_set is None:
                    self.data_set = next(
                        (ds for ds in DataSet.objects.all() if normalize_label(ds.name) in normalize_label(text)), None
                    )
                    if self.data_set is not None:
                        self.remember(data_set=self.data_set.code)
                if not self.period:
                    self.period = title_period(text)
                    if self.period:
                        self.remember(period=self.period)
        if self.data_set is None:
            raise ImportFileError(_("未能确定报表：请在上传页选择报表，或使用系统下载的模板"))
        if not self.period:
            raise ImportFileError(_("未能确定报告期：请在上传页选择报告期，或使用系统下载的模板（第一行注明报告期）"))

    def get_columns(self):
        columns = [
            Column(
                "credit_code",
                gettext_lazy("统一社会信用代码"),
                Code(18),
                required=True,
                width=22,
                aliases=("信用代码", "社会信用代码"),
            ),
            Column("name", gettext_lazy("企业名称"), ReadOnly(), width=30, help_text=gettext_lazy("仅供核对，不导入")),
        ]
        for indicator in self.indicators:
            aliases = [indicator.code, indicator.name, f"{indicator.name}({indicator.unit})"]
            if indicator.is_money:
                aliases += [f"{indicator.name}（{unit}）" for unit in UNIT_FACTORS]
            columns.append(
                Column(
                    f"ind:{indicator.code}",
                    f"{indicator.name}（{indicator.unit}）",
                    Figure(),
                    width=max(14, len(indicator.name) * 2 + 8),
                    help_text=indicator.get_kind_display(),
                    aliases=tuple(aliases),
                )
            )
        return columns

    def clean_row(self, row):
        super().clean_row(row)
        figures = []
        by_code = {i.code: i for i in self.indicators}
        for key in self.figure_keys:
            if key in row.failed or row.values.get(key) is None:
                continue
            indicator = by_code[key[4:]]
            unit = header_unit(self.file_headers.get(key)) if indicator.is_money else None
            try:
                figures.append((indicator.code, in_unit(row.values[key], indicator, unit), key))
            except CellError as bad:
                row.error(key, bad.message)
        row.figures = figures

    @property
    def figure_keys(self):
        """The indicator columns present in the file, in the template's order."""
        return [column.key for column in self.columns if column.key.startswith("ind:") and column.key in self.present]

    def figures_of(self, row):
        return row.figures

    def firm_and_period(self, row):
        return row.values["credit_code"], self.period


FORM_COLUMN_ALIASES = {
    "month": ("本月", "本月数", "本年本月数"),
    "cumulative": dash_variants("本年1{dash}本月", "1{dash}本月", "本年1{dash}本月累计", "1{dash}本月累计")
    + ("本年累计", "累计"),
    "last_month": ("上年同期本月数", "上年本月"),
    "last_cumulative": dash_variants("上年同期1{dash}本月", "上年1{dash}本月", "上年同期1{dash}本月累计")
    + ("上年同期累计", "上年累计"),
}


def form_name_key(text):
    """联网直报 row names: drop numbering (一、 1. （一）), 其中：, and a trailing unit or price note in brackets."""
    text = cell_text(text)
    text = re.sub(r"^\s*(?:[一二三四五六七八九十]+、|\d+[.、]|[(（][一二三四五六七八九十\d]+[)）])\s*", "", text)
    text = re.sub(r"^\s*其中\s*[:：]?\s*", "", text)
    plain = normalize_label(text)
    bare = re.sub(r"[(（][^()（）]*[)）]$", "", plain)
    return plain, bare


def form_figure_columns(*, aliases=True):
    """本年本月, 本年1—本月, 上年同期本月, 上年同期1—本月. Under a two-row header they carry no aliases: its second row
    repeats 本月 and 1—本月, which the engine would take for columns found twice."""
    headers = {
        "month": gettext_lazy("本年本月"),
        "cumulative": gettext_lazy("本年1—本月"),
        "last_month": gettext_lazy("上年同期本月"),
        "last_cumulative": gettext_lazy("上年同期1—本月"),
    }
    return [
        Column(key, header, Figure(), aliases=FORM_COLUMN_ALIASES[key] if aliases else ())
        for key, header in headers.items()
    ]


@dataclass(frozen=True)
class MergedHeader:
    """The figure columns of a two-row 联网直报 header (本年 | 上年同期 merged over 本月 | 1—本月)."""

    second_row: int  # 1-based, as in Excel
    positions: dict  # figure column key → position in the row
    headers: dict  # figure column key → the two rows' labels joined, e.g. 本年1—本月


def merged_form_header(rows):
    """A header of two rows among the first rows: the first row filled forward across each merged span
    (python-calamine gives a merged cell's value in its first cell and "" in the others) and joined to the label below
    it must name 本年1—本月, with the labels a one-row header uses. None for a one-row header."""
    labels = {label: column.key for column in form_figure_columns() for label in column.labels()}
    for index in range(min(len(rows), HEADER_SEARCH_ROWS) - 1):
        top, below = rows[index], rows[index + 1]
        found, headers, above = {}, {}, ""
        for position in range(max(len(top), len(below))):
            if position < len(top) and not is_blank(top[position]):
                above = cell_text(top[position])
            if position >= len(below) or is_blank(below[position]) or not above:
                continue
            joined = above + cell_text(below[position])
            key = labels.get(normalize_label(joined))
            if key is not None:
                if key in found:
                    break  # a key twice: not this pair of rows
                found[key], headers[key] = position, joined
        else:
            if "cumulative" in found:
                return MergedHeader(second_row=index + 2, positions=found, headers=headers)
    return None


@register
class StatsFormImporter(StatsImporter):
    """联网直报表: rows are indicators; 本年1—本月 is the cumulative figure, money in 千元."""

    kind = KIND_FORM
    layout_name = gettext_lazy("联网直报表（企业的报表副本）")
    sheet_title = gettext_lazy("数据")
    key_column = "name"
    firm_column = ""
    merged = None  # MergedHeader when the file's header is two rows with merged cells

    def prepare(self):
        firm_id = self.options.get("enterprise")
        if self.enterprise is None and firm_id:
            self.enterprise = Enterprise.objects.filter(pk=firm_id).first()
        if self.job is not None and (self.enterprise is None or not self.period):
            self.read_title_cells()
        if self.job is not None:
            self.merged = merged_form_header(self.file_rows()[:HEADER_SEARCH_ROWS])
        if self.data_set is None:
            raise ImportFileError(_("请选择报表"))
        if self.enterprise is None:
            raise ImportFileError(_("未能确定企业：请在上传页填写企业的统一社会信用代码"))
        if not self.period:
            raise ImportFileError(_("未能确定报告期：请在上传页选择报告期，或在表头上方注明（如“2025年1—3月”）"))
        zone_ids = stats_zone_ids(self.user)
        if zone_ids is not None and self.enterprise.zone_id not in zone_ids:
            raise ImportFileError(
                _("您无权录入“%(firm)s”的统计数据（该企业不在您负责统计工作的开发区）") % {"firm": self.enterprise.name}
            )

    def read_title_cells(self):
        for cells in self.file_rows()[:HEADER_SEARCH_ROWS]:
            for cell in cells:
                text = cell_text(cell)
                if not text or len(text) > 200:
                    continue
                if self.enterprise is None:
                    found = CREDIT_CODE.search(text.upper())
                    if found:
                        self.enterprise = Enterprise.objects.filter(credit_code=found.group(0)).first()
                        if self.enterprise is not None:
                            self.remember(enterprise=self.enterprise.pk)
                if not self.period and not CREDIT_CODE.search(text.upper()):
                    self.period = title_period(text)
                    if self.period:
                        self.remember(period=self.period)

    def get_columns(self):
        return [
            Column("name", gettext_lazy("指标名称"), Text(), width=30, aliases=("指标", "项目", "指标名称(项目)")),
            Column("code", gettext_lazy("代码"), Text(40), width=10, aliases=("编码", "指标代码", "代号")),
            Column("unit", gettext_lazy("计量单位"), Text(20), width=10, aliases=("单位",)),
            *form_figure_columns(aliases=self.merged is None),
        ]

    def read_merged_figures(self, row):
        """Under a two-row header the engine maps the first row's columns only (指标名称, 代码, 计量单位): the figure
        cells are parsed here, by the columns' own parser, as the engine parses them under a one-row header."""
        self.present |= set(self.merged.positions)
        self.file_headers.update(self.merged.headers)
        for key, position in self.merged.positions.items():
            raw = row.cells[position] if position < len(row.cells) else None
            row.values[key] = None
            if is_blank(raw):
                continue
            try:
                row.values[key] = self.by_key[key].parser.parse(raw, row)
            except CellError as bad:
                row.error(key, bad.message)

    @property
    def form_table(self):
        if not hasattr(self, "_form_table"):
            catalogue = {i.code: i for i in Indicator.objects.filter(is_active=True)}
            table = {}
            for indicator in catalogue.values():
                table.setdefault(normalize_label(indicator.name), indicator)
            for name, code in FORM_ALIASES.items():
                table.setdefault(normalize_label(name), catalogue.get(code))
            codes = {normalize_label(code): indicator for code, indicator in catalogue.items()}
            for form_code, code in FORM_CODES.items():
                codes.setdefault(form_code, catalogue.get(code))
            self._form_table = (table, codes)
        return self._form_table

    def find_indicator(self, row):
        names, codes = self.form_table
        if row.values.get("name"):
            for key in form_name_key(row.values["name"]):
                if names.get(key) is not None:
                    return names[key]
        code = normalize_label(row.values.get("code") or "")
        return codes.get(code) or codes.get(code.zfill(2))

    def clean_row(self, row):
        if self.merged is not None:
            if row.number <= self.merged.second_row:
                return  # the header's second row, when the engine took the first row for the header
            self.read_merged_figures(row)
        super().clean_row(row)
        if "cumulative" not in self.present:
            raise ImportFileError(_("未找到“本年1—本月”列：请上传联网直报表的副本"))
        row.figures, row.prior = (), None
        row.values["_key"] = ("ignored", row.number)  # replaced by the indicator's code below
        indicator = self.find_indicator(row)
        in_set = {i.code for i in self.indicators}
        if indicator is None or indicator.code not in in_set:
            self.ignored += 1  # rows of the form this data set does not carry (营业成本, 销售费用 …)
            return
        key = "cumulative"
        if indicator.kind == "stock" and row.values.get("month") is not None:
            key = "month"  # a stock's figure is the period-end one
        if key in row.failed or row.values.get(key) is None:
            self.ignored += 1
            return
        unit = row.values.get("unit") or ""
        if unit in UNIT_FACTORS and not indicator.is_money:
            row.error(
                "unit", _("“%(name)s”不是金额指标，不能填写金额单位“%(unit)s”") % {"name": indicator.name, "unit": unit}
            )
            return
        unit = unit if unit in UNIT_FACTORS else FORM_UNIT
        row.indicator, row.unit = indicator, unit
        try:
            row.figures = ((indicator.code, in_unit(row.values[key], indicator, unit), key),)
        except CellError as bad:
            row.error(key, bad.message)
            return
        row.prior = self.reported_prior(row, indicator, unit)
        row.values["_key"] = indicator.code

    def reported_prior(self, row, indicator, unit):
        """The row's 上年同期 (1—本月 for a flow, 本月 for a stock), in the indicator's unit, or None."""
        key = "last_month" if indicator.kind == "stock" else "last_cumulative"
        if key in row.failed or row.values.get(key) is None:
            return None
        try:
            return in_unit(row.values[key], indicator, unit)
        except CellError as bad:
            row.error(key, bad.message)
            return None

    def figures_of(self, row):
        return row.figures

    def priors_of(self, row):
        prior = getattr(row, "prior", None)
        return ((row.indicator.code, prior),) if prior is not None else ()

    def firm_and_period(self, row):
        return self.enterprise.credit_code, self.period

    def load_firms(self, codes):
        return {self.enterprise.credit_code: self.enterprise}

    def problem_rows(self, sub):
        return self.sub_rows[id(sub)][:1]

    def after_check(self, submissions):
        """The form's 上年同期 is what the firm reports as its base: read, kept and used for the comparable growth.
        Where it differs from the figure stored a year before, both are kept and the difference is a warning here
        and a data-quality item after the commit — never an error."""
        last_year = self.period - 100
        stored = current_figures([self.enterprise.pk], [last_year]).get((self.enterprise.pk, last_year), {})
        for row in self.rows:
            indicator, prior = getattr(row, "indicator", None), getattr(row, "prior", None)
            if indicator is None or prior is None or not row.ok or indicator.code not in stored:
                continue
            if prior != stored[indicator.code]:
                key = "last_month" if indicator.kind == "stock" else "last_cumulative"
                self.warn(
                    row.number,
                    key,
                    _(
                        "与系统中上年同期数不一致：表中 %(file)s，系统 %(stored)s（%(unit)s）；"
                        "同口径增速按表中填报数计算，导入后列为数据质量问题待核实"
                    )
                    % {"file": prior, "stored": stored[indicator.code], "unit": indicator.unit},
                )


LAYOUTS = {KIND_LONG: StatsLongImporter, KIND_WIDE: StatsWideImporter, KIND_FORM: StatsFormImporter}


def detect_layout(rows):
    """The layout of a file from its first rows' headers: 长表, 联网直报表, else the system template."""
    long_labels = {normalize_label(text) for text in ("报告期", "指标", "指标名称", "指标代码", "数值")}
    form_labels = {normalize_label(text) for text in FORM_COLUMN_ALIASES["cumulative"]} | {
        normalize_label("本年1—本月")
    }
    for cells in rows[:HEADER_SEARCH_ROWS]:
        labels = {normalize_label(cell_text(cell)) for cell in cells if not is_blank(cell)}
        if labels & form_labels:
            return KIND_FORM
        if normalize_label("报告期") in labels and len(labels & long_labels) >= 3:
            return KIND_LONG
    return KIND_WIDE


# ---------------------------------------------------------------------------------------------------------------
# The system template of a data set and period: a title row naming both, the header, the assigned firms.


def wide_template(user, data_set, period):
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    importer = StatsWideImporter(user=user, data_set=data_set, period=period)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(importer.sheet_title)
    title = _("%(form)s　报告期：%(period)s（1—N月累计；请勿修改本行和表头）") % {
        "form": data_set.name,
        "period": format_period(period),
    }
    sheet.append([escape_cell(str(title))])  # names an administrator chose: escaped like every cell we write
    sheet["A1"].font = HEADER_FONT
    sheet.append([escape_cell(str(column.header)) for column in importer.columns])
    by_code = {i.code: i for i in importer.indicators}
    for index, column in enumerate(importer.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=2, column=index)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = WRAP
        sheet.column_dimensions[letter].width = column.width
        if column.help_text:
            cell.comment = Comment(str(column.help_text), "Kaifaqu", width=200, height=60)
        indicator = by_code.get(column.key[4:]) if column.key.startswith("ind:") else None
        if indicator is not None:
            sheet.column_dimensions[letter].number_format = "0.####"
            if not indicator.allow_negative:
                validation = DataValidation(
                    type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
                )
                validation.error = _("请填写不小于 0 的数字")
                validation.showErrorMessage = True
                sheet.add_data_validation(validation)
                validation.add(f"{letter}3:{letter}{2 + 50000}")
        else:
            sheet.column_dimensions[letter].number_format = "@"
    for firm in assigned_firms(user, data_set, period):
        sheet.append([escape_cell(firm.credit_code), escape_cell(firm.name)])
    sheet.freeze_panes = "C3"
    notes = workbook.create_sheet(title=str(_("说明")))
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 22
    notes.column_dimensions["D"].width = 60
    lines = [
        _("填写说明"),
        _("报表：%(form)s；报告期：%(period)s。") % {"form": data_set.name, "period": format_period(period)},
        _("1. 在“%(sheet)s”工作表第 3 行起填写，每行一家企业；请勿修改第 1 行和第 2 行（表头）。")
        % {"sheet": importer.sheet_title},
        _("2. 已列出您负责的开发区中须报送本报表的企业；“企业名称”仅供核对，不导入。"),
        _("3. 流量指标填 1—N月累计数，存量指标填期末数；金额以万元填写（表头可改为“（千元）”等，系统按表头换算）。"),
        _("4. 空白单元格表示不报该指标；已报的数据再次导入不同数值时，系统保存为新版本并保留原值。"),
        _("5. 上传后系统先校验全部数据并列出每个错误（行号、列、原因），全部无误后才能确认导入，否则不写入任何数据。"),
    ]
    for line in lines:
        notes.append([escape_cell(str(line))])
    notes["A1"].font = HEADER_FONT
    notes.append([])
    notes.append([str(_("列名")), str(_("单位")), str(_("类型")), str(_("定义"))])
    for cell in notes[notes.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for indicator in importer.indicators:
        notes.append(
            [
                escape_cell(f"{indicator.name}（{indicator.unit}）"),
                escape_cell(indicator.unit),
                str(indicator.get_kind_display()),
                escape_cell(indicator.definition),
            ]
        )
    return workbook
