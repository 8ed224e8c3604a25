"""Project imports on the core import engine (kaifaqu/core/imports/):

- 项目清单 (`projects`): one project per row, matched with the registered projects by (所属开发区, 项目名称); stage
  dates in columns named after the zone's stages (签约日期, 计划开工日期 …). Written through services.save_project and
  services.record_stage, so history, the date-order rule and the current stage are the same as on the forms.
- 项目进度 (`project_progress`): one period (month or 旬) of one project per row — 当期完成投资 or 开工至报告期累计 —
  written through services.record_progress, so closed periods and decreasing totals are refused as everywhere else.

Money: a column whose header names its unit (总投资（亿元）) is read in that unit; the others in the 金额单位 chosen on
the upload page (default 万元). Everything is stored in 万元.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.imports.engine import Column, Importer, chunks, register
from kaifaqu.core.imports.parsers import (
    Choice,
    Date,
    Integer,
    Lookup,
    Money,
    Number,
    Period,
    Text,
    Year,
    header_unit,
    normalize_label,
)
from kaifaqu.core.imports.reading import ImportFileError
from kaifaqu.core.money import UNIT_FACTORS, format_amounts
from kaifaqu.core.periods import format_period, previous_month
from kaifaqu.enterprises.importers import INDUSTRY_SHEET, industry_options, leading_code
from kaifaqu.enterprises.models import Enterprise, IndustryClass
from kaifaqu.enterprises.validators import clean_credit_code
from kaifaqu.zones.importers import zone_table
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

from . import services
from .choices import DEFAULT_STAGES, ProjectKindChoices, ProjectLevelChoices, StagePhaseChoices
from .models import ProgressReport, Project, ProjectStage, StageDefinition
from .permissions import may_add_project, may_report_progress, writable_zones
from .rules import StageDate, out_of_order

KIND_PROJECTS = "projects"
KIND_PROGRESS = "project_progress"
KINDS = (KIND_PROJECTS, KIND_PROGRESS)
DEFAULT_UNIT = "万元"
PROJECT_SHEET = "项目"
# An investor cell of ASCII letters and digits only is meant as a 统一社会信用代码, anything else as a name.
CODE_LIKE = re.compile(r"^[0-9A-Za-z]{15,20}$")
STAGE_ACTUAL = "stage_actual:"
STAGE_PLANNED = "stage_planned:"
DECADES = [(0, gettext_lazy("全月")), (1, gettext_lazy("上旬")), (2, gettext_lazy("中旬")), (3, gettext_lazy("下旬"))]


# ---------------------------------------------------------------------------------------------------------------
# Parsers


def money_aliases(*names):
    """Headers a money column is recognised by: its names bare and with any unit ("总投资（亿元）")."""
    return (*names, *(f"{name}（{unit}）" for name in names for unit in UNIT_FACTORS))


class ProjectMoney(Money):
    """An amount in the unit the column's header names, else in the upload's 金额单位 (default 万元); kept in 万元."""

    cacheable = True  # the unit depends on the column and the job, both fixed during one validation

    def __init__(self, key):
        super().__init__()
        self.key = key

    def unit(self, row):
        return row.importer.unit_of(self.key)

    def hint(self):
        return _(
            "数字，不能为负数；表头注明单位的（如“总投资（亿元）”）按表头单位，否则按上传时选择的金额单位（默认万元）"
        )


FIRST_YEAR, LAST_YEAR = 1949, 2100  # of 建设起始年/截止年 and of report periods


class Decade(Choice):
    """旬: 上旬 / 中旬 / 下旬 (or 1, 2, 3); blank or 全月 for a monthly report."""

    def __init__(self):
        super().__init__([(str(code), label) for code, label in DECADES], default="0")

    def hint(self):
        return _("不填为月报；旬报填写上旬、中旬或下旬")


def choice_with_aliases(choices, aliases, *, default):
    parser = Choice(choices, default=default)
    for alias, code in aliases.items():
        parser.accepted.setdefault(normalize_label(alias), code)
    return parser


# ---------------------------------------------------------------------------------------------------------------
# Lookups and drop-downs


def load_writable_zones(importer):
    return zone_table(writable_zones(importer.user, Project))


def load_visible_zones(importer):
    user = importer.user
    return zone_table(Zone.objects.all() if user.is_system_admin else Zone.objects.restrict(user, "view"))


def load_industries(importer):
    return {code: code for code in IndustryClass.objects.values_list("code", flat=True)}


def zone_options(importer):
    return [(zone.name, zone.short_name) for zone in importer.option_zones().order_by("name")]


def names_in_zones(model, importer):
    """Drop-down of names of a zone part (park, department, chain) in the zones of the template."""
    names = {}
    for name, zone in (
        model.objects.filter(zone__in=importer.option_zones()).order_by("name").values_list("name", "zone__name")
    ):
        names.setdefault(name, []).append(zone)
    return [(name, "、".join(zones)) for name, zones in names.items()]


def park_options(importer):
    return names_in_zones(Park, importer)


def department_options(importer):
    return names_in_zones(Department, importer)


def chain_options(importer):
    return names_in_zones(IndustryChain, importer)


@dataclass(frozen=True)
class StageInfo:
    """A stage of a zone's ladder as the import needs it (pk None: the zone's defaults, created on commit)."""

    pk: int | None
    code: str
    name: str
    phase: str
    order: int

    def date(self, actual_on):
        return StageDate(self.order, self.name, actual_on)


def out_of_order_message(later, earlier):
    return _("%(later)s的实际日期早于%(earlier)s的实际日期") % {"later": later, "earlier": earlier}


def phase_pairs(state, phase=None):
    """Out-of-order (later, earlier) pairs among the actual dates of `state` ({code: (info, actual)}), per phase."""
    phases = {phase} if phase else {info.phase for info, _actual in state.values()}
    pairs = []
    for each in sorted(phases):
        pairs += out_of_order([i.date(a) for i, a in state.values() if i.phase == each])
    return pairs


def sequence_problems(existing, changes):
    """Replay record_stage's date-order rule over `changes` applied one after the other.

    existing: {code: (StageInfo, actual date)} of the project; changes: [(StageInfo, planned, actual)] in the order
    they will be recorded. record_stage refuses a step when, after it, any two actual dates of the stage's phase are
    out of the ladder's order (without a reason). Returns the (later, earlier) pairs of every refused step.
    """
    state = dict(existing)
    pairs = []
    for info, _planned, actual in changes:
        state[info.code] = (info, actual)
        if actual is None:
            continue
        pairs += [pair for pair in phase_pairs(state, info.phase) if pair not in pairs]
    return pairs


def stage_sequence(existing, changes, reason):
    """The order in which to record a row's stage dates, and the out-of-order pairs that need a reason.

    A new project's dates go in ladder order (each step is a subset of the final, ordered, dates). When dates of a
    registered project move, one order may pass through a disorder another avoids: try ladder order, the reverse,
    then dates moving earlier first; with a reason given, ladder order (the reason is kept where it is needed).
    """
    ascending = sorted(changes, key=lambda change: change[0].order)
    if reason or not changes:
        return ascending, []
    earlier_first = sorted(
        changes,
        key=lambda c: (
            0 if moves_earlier(existing, c) else 1,
            c[0].order if moves_earlier(existing, c) else -c[0].order,
        ),
    )
    first_pairs = None
    for candidate in (ascending, list(reversed(ascending)), earlier_first):
        pairs = sequence_problems(existing, candidate)
        if not pairs:
            return candidate, []
        first_pairs = first_pairs or pairs
    final = dict(existing)
    for info, _planned, actual in changes:
        final[info.code] = (info, actual)
    return ascending, phase_pairs(final) or first_pairs


def moves_earlier(existing, change):
    info, _planned, actual = change
    before = existing.get(info.code, (None, None))[1]
    return actual is not None and (before is None or actual < before)


AMBIGUOUS = object()  # two registered projects of a zone with the same name


class MoneyUnitMixin:
    """The unit of a money column: the one its header names, else the upload's 金额单位 (job option, default 万元)."""

    @cached_property
    def default_unit(self):
        unit = (self.job.options or {}).get("unit") if self.job is not None else None
        return unit if unit in UNIT_FACTORS else DEFAULT_UNIT

    def unit_of(self, key):
        return header_unit(self.file_headers.get(key, "")) or self.default_unit


# ---------------------------------------------------------------------------------------------------------------
# 项目清单


# Column key → model field for the values written as they are.
PLAIN_FIELDS = (
    "leader",
    "location",
    "content",
    "total_investment",
    "fixed_asset_investment",
    "land_mu",
    "floor_area_m2",
    "products",
    "capacity_quantity",
    "capacity_unit",
    "expected_output_value",
    "expected_tax",
    "expected_jobs",
    "start_year",
    "end_year",
    "image_progress",
    "level",
    "kind",
)
RELATED_FIELDS = ("park", "department", "chain", "industry")
# Model field (from Project.clean / full_clean) → the column its message belongs to.
FIELD_COLUMNS = {
    **{name: name for name in PLAIN_FIELDS + RELATED_FIELDS},
    "name": "name",
    "zone": "zone",
    "investor": "investor",
    "investor_name": "investor",
}


def ladder_of(definitions):
    return [StageInfo(d.pk, d.code, d.name, d.phase, d.order) for d in definitions]


DEFAULT_LADDER = [
    StageInfo(None, code, name, phase, index + 1)
    for index, (code, name, _name_en, phase, _milestone) in enumerate(DEFAULT_STAGES)
]


@register
class ProjectImporter(MoneyUnitMixin, Importer):
    kind = KIND_PROJECTS
    verbose_name = gettext_lazy("项目清单")
    sheet_title = gettext_lazy("项目清单")
    key = "project_key"  # (zone id, normalized project name), set by clean_row: a name is unique within its zone
    instructions = (
        gettext_lazy(
            "按“所属开发区 + 项目名称”识别项目：“新增”方式只登记新项目，已登记的项目报错；“新增或更新”方式更新已登记的"
            "项目（文件中没有的列保持不变），其余行新增。同一文件中同一开发区的项目名称不能重复。"
        ),
        gettext_lazy("所属开发区不填时，为上传时选择的开发区（只管理一个开发区的用户即为本开发区）。"),
        gettext_lazy(
            "投资方填写已登记企业的统一社会信用代码（或与登记名称完全一致的企业名称）即关联该企业；填写其他名称"
            "视为尚未登记的意向投资方，企业登记后可在项目页面关联。"
        ),
        gettext_lazy(
            "金额默认以万元填写；表头注明单位的列（如“总投资（亿元）”）按表头单位换算，未注明单位的列按上传时选择的"
            "金额单位换算。"
        ),
        gettext_lazy(
            "阶段日期列以本开发区的阶段名称命名：“签约日期”为实际日期，“计划开工日期”为计划日期。实际日期不能晚于"
            "今天，且应符合阶段顺序（如开工不早于签约）；确属实际情况的，请在“日期顺序例外说明”列写明原因。"
            "更新已登记项目时，留空的日期单元格不会清除已登记的日期。"
        ),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stage_columns = {c.key: c for c in self.columns if c.key.startswith((STAGE_ACTUAL, STAGE_PLANNED))}

    # -- zones, units and stage ladders ------------------------------------------------------------------------

    def option_zones(self):
        """The zones whose names, parks, departments and stages the template offers."""
        zones = writable_zones(self.user, Project)
        return zones.filter(pk=self.zone.pk) if self.zone is not None else zones

    @cached_property
    def stage_tables(self):
        """For every zone of the template or file: its whole ladder {code: StageInfo} (the defaults for a zone that
        has none yet) and its active stages by name {name: StageInfo} (only these have columns)."""
        zone_ids = list(self.option_zones().values_list("pk", flat=True))
        by_zone = defaultdict(list)
        for definition in StageDefinition.objects.filter(zone_id__in=zone_ids).order_by("zone_id", "order"):
            by_zone[definition.zone_id].append(definition)
        ladders, active = {}, {}
        for zone_id in zone_ids:
            definitions = by_zone[zone_id]
            ladder = ladder_of(definitions) if definitions else DEFAULT_LADDER
            ladders[zone_id] = {info.code: info for info in ladder}
            on = {d.code for d in definitions if d.is_active} if definitions else {info.code for info in ladder}
            active[zone_id] = {info.name: info for info in ladder if info.code in on}
        return ladders, active

    @property
    def ladders(self):
        return self.stage_tables[0]

    @property
    def active_names(self):
        return self.stage_tables[1]

    def stage_names(self):
        """Distinct active stage names over the zones, in ladder order: [(name, phase)]."""
        seen = {}
        for zone_id in sorted(self.active_names):
            for name, info in self.active_names[zone_id].items():
                seen.setdefault(name, (info.order, info.phase))
        if not seen:
            seen = {s.name: (s.order, s.phase) for s in DEFAULT_LADDER}
        return [(name, phase) for name, (_order, phase) in sorted(seen.items(), key=lambda item: item[1][0])]

    # -- columns -----------------------------------------------------------------------------------------------

    def get_columns(self):
        columns = [
            Column(
                "zone",
                gettext_lazy("所属开发区"),
                Lookup(
                    load_writable_zones,
                    unknown=gettext_lazy("未找到开发区“%(value)s”，或您无权在该开发区登记项目"),
                    options=zone_options,
                    hint=gettext_lazy("开发区全称或简称"),
                ),
                width=24,
                example=gettext_lazy("高平经济技术开发区"),
                help_text=gettext_lazy("不填为上传时选择的开发区；只能填写您有权登记项目的开发区"),
            ),
            Column(
                "name",
                gettext_lazy("项目名称"),
                Text(200),
                required=True,
                width=32,
                example=gettext_lazy("年产1万吨聚砜树脂项目"),
                help_text=gettext_lazy("同一开发区内项目名称不能重复，用于识别已登记的项目"),
                aliases=("项目全称",),
            ),
            Column(
                "investor",
                gettext_lazy("投资方"),
                Text(200, hint=gettext_lazy("统一社会信用代码或名称")),
                width=28,
                example="91140500MA0K00001U",
                help_text=gettext_lazy("新增项目时必填。已登记企业填统一社会信用代码；尚未登记的意向投资方填名称"),
                aliases=("投资方名称", "业主单位", "投资主体"),
            ),
            Column(
                "park",
                gettext_lazy("园区"),
                Text(100, hint=gettext_lazy("园中园名称，须属于所属开发区")),
                width=18,
                options=park_options,
                aliases=("所在园区",),
            ),
            Column(
                "industry",
                gettext_lazy("行业代码"),
                Lookup(
                    load_industries,
                    key=leading_code(r"^\s*([A-Z]|\d{2,4})(?!\d)", width=4),
                    unknown=gettext_lazy("行业代码“%(value)s”不在 GB/T 4754-2017 中"),
                    options=industry_options,
                    hint=gettext_lazy("GB/T 4754-2017 的门类、大类、中类或小类代码"),
                ),
                width=14,
                example="2651",
                options_sheet=INDUSTRY_SHEET,
                aliases=("国民经济行业代码", "行业"),
            ),
            Column(
                "chain",
                gettext_lazy("产业链"),
                Text(100, hint=gettext_lazy("本开发区的产业链名称")),
                width=18,
                options=chain_options,
            ),
            Column(
                "level",
                gettext_lazy("重点项目级别"),
                choice_with_aliases(
                    ProjectLevelChoices.choices,
                    {
                        "省级重点": "province",
                        "市级重点": "city",
                        "县级重点": "county",
                        "区级重点": "district",
                        "一般": "none",
                    },
                    default=ProjectLevelChoices.NONE,
                ),
                width=12,
                example=gettext_lazy("省重点"),
                help_text=gettext_lazy("不填为一般项目"),
                aliases=("项目级别",),
            ),
            Column(
                "kind",
                gettext_lazy("项目类型"),
                choice_with_aliases(
                    ProjectKindChoices.choices,
                    {"产业": "industry", "基础设施项目": "infrastructure", "民生": "livelihood"},
                    default=ProjectKindChoices.INDUSTRY,
                ),
                width=12,
                example=gettext_lazy("产业项目"),
                help_text=gettext_lazy("不填为产业项目"),
                aliases=("项目性质",),
            ),
            Column("leader", gettext_lazy("挂点领导"), Text(100), width=12, aliases=("包联领导",)),
            Column(
                "department",
                gettext_lazy("责任部门"),
                Text(100, hint=gettext_lazy("管委会部门名称，须属于所属开发区")),
                width=16,
                options=department_options,
                aliases=("责任单位",),
            ),
            Column("location", gettext_lazy("建设地点"), Text(200), width=24),
            Column("content", gettext_lazy("建设内容"), Text(), width=40, aliases=("建设规模及主要建设内容",)),
            Column(
                "total_investment",
                gettext_lazy("总投资（万元）"),
                ProjectMoney("total_investment"),
                width=14,
                example="22000",
                aliases=money_aliases("总投资", "计划总投资"),
            ),
            Column(
                "fixed_asset_investment",
                gettext_lazy("固定资产投资（万元）"),
                ProjectMoney("fixed_asset_investment"),
                width=14,
                help_text=gettext_lazy("不能大于总投资"),
                aliases=money_aliases("固定资产投资", "其中固定资产投资"),
            ),
            Column(
                "land_mu",
                gettext_lazy("用地（亩）"),
                Number(min_value=Decimal(0), max_digits=12, decimal_places=2),
                width=10,
                example="26",
                aliases=("用地", "占地（亩）", "占地"),
            ),
            Column(
                "floor_area_m2",
                gettext_lazy("建筑面积（平方米）"),
                Number(min_value=Decimal(0), max_digits=14, decimal_places=2),
                width=14,
                example="35000",
                aliases=("建筑面积", "建筑面积（m²）", "建筑面积（m2）"),
            ),
            Column("products", gettext_lazy("主要产品"), Text(300), width=20),
            Column(
                "capacity_quantity",
                gettext_lazy("设计产能"),
                Number(min_value=Decimal(0), max_digits=16, decimal_places=2),
                width=12,
                example="10000",
            ),
            Column("capacity_unit", gettext_lazy("产能单位"), Text(30), width=12, example=gettext_lazy("吨/年")),
            Column(
                "expected_output_value",
                gettext_lazy("达产后年产值（万元）"),
                ProjectMoney("expected_output_value"),
                width=14,
                aliases=money_aliases("达产后年产值", "预计年产值"),
            ),
            Column(
                "expected_tax",
                gettext_lazy("达产后年税收（万元）"),
                ProjectMoney("expected_tax"),
                width=14,
                aliases=money_aliases("达产后年税收", "预计年税收"),
            ),
            Column(
                "expected_jobs",
                gettext_lazy("达产后新增就业（人）"),
                Integer(),
                width=12,
                aliases=("达产后新增就业", "新增就业"),
            ),
            Column(
                "start_year",
                gettext_lazy("建设起始年"),
                Year(first=FIRST_YEAR, last=LAST_YEAR),
                width=10,
                example="2023",
            ),
            Column(
                "end_year",
                gettext_lazy("建设截止年"),
                Year(first=FIRST_YEAR, last=LAST_YEAR),
                width=10,
                example="2025",
            ),
            Column("image_progress", gettext_lazy("形象进度"), Text(), width=30),
        ]
        for name, phase in self.stage_names():
            columns.append(
                Column(
                    f"{STAGE_ACTUAL}{name}",
                    _("%(stage)s日期") % {"stage": name},
                    Date(),
                    width=12,
                    aliases=(f"{name}日期", f"{name}实际日期", f"实际{name}日期"),
                    help_text=_("“%(stage)s”阶段的实际日期") % {"stage": name},
                )
            )
            if phase == StagePhaseChoices.PIPELINE:
                columns.append(
                    Column(
                        f"{STAGE_PLANNED}{name}",
                        _("计划%(stage)s日期") % {"stage": name},
                        Date(allow_future=True),
                        width=12,
                        aliases=(f"计划{name}日期", f"{name}计划日期"),
                        help_text=_("“%(stage)s”阶段的计划日期") % {"stage": name},
                    )
                )
        columns.append(
            Column(
                "out_of_order_reason",
                gettext_lazy("日期顺序例外说明"),
                Text(300),
                width=24,
                help_text=gettext_lazy("实际日期不符合阶段顺序（如先开工后签约）且确属实际情况时填写原因"),
            )
        )
        return columns

    def header(self, key):
        return super().header("name" if key == self.key else key)

    # -- row checks ----------------------------------------------------------------------------------------------

    @cached_property
    def zone_parts(self):
        """(model, zone id, normalized name) → object for parks, departments and chains of the user's zones."""
        table = {}
        for model in (Park, Department, IndustryChain):
            for obj in model.objects.filter(zone__in=self.option_zones()):
                table[(model, obj.zone_id, normalize_label(obj.name))] = obj
        return table

    @cached_property
    def firms(self):
        """Registered firms of the user's zones by (zone id, credit code) and (zone id, normalized name)."""
        by_code, by_name = {}, {}
        for firm in Enterprise.objects.filter(zone__in=self.option_zones()).only(
            "pk", "zone_id", "credit_code", "name"
        ):
            by_code[(firm.zone_id, firm.credit_code)] = firm
            by_name.setdefault((firm.zone_id, normalize_label(firm.name)), firm)
        return by_code, by_name

    def clean_row(self, row):
        values = row.values
        zone = self.row_zone(row)
        values["zone"] = zone
        if zone is not None and "name" not in row.failed and values.get("name"):
            values[self.key] = (zone.pk, normalize_label(values["name"]))
        for key, model, message in (
            ("park", Park, _("开发区“%(zone)s”中没有园区“%(value)s”")),
            ("department", Department, _("开发区“%(zone)s”中没有部门“%(value)s”，请填写该开发区的部门名称")),
            ("chain", IndustryChain, _("开发区“%(zone)s”中没有产业链“%(value)s”")),
        ):
            text = values.get(key)
            values[key] = None
            if text and zone is not None:
                values[key] = self.zone_parts.get((model, zone.pk, normalize_label(text)))
                if values[key] is None:
                    row.error(key, message % {"zone": zone, "value": text})
        self.clean_investor(row, zone)
        total, fixed = values.get("total_investment"), values.get("fixed_asset_investment")
        if total is not None and fixed is not None and fixed > total:
            row.error("fixed_asset_investment", _("固定资产投资不能大于总投资"))
        start, end = values.get("start_year"), values.get("end_year")
        if start and end and end < start:
            row.error("end_year", _("建设截止年不能早于起始年"))
        values["stage_changes"] = self.stage_changes(row, zone)

    @cached_property
    def default_zone(self):
        """The zone of rows without 所属开发区: the one chosen on upload, else the user's only writable zone."""
        if self.zone is not None:
            return self.zone
        zones = list(writable_zones(self.user, Project)[:2])
        return zones[0] if len(zones) == 1 else None

    def row_zone(self, row):
        """The zone of the row: its 所属开发区, else the default zone; with a zone chosen on upload, the two agree."""
        if "zone" in row.failed:
            return None
        zone = row.values.get("zone")
        if zone is None:
            if self.default_zone is None:
                row.error("zone", _("请填写所属开发区"))
            return self.default_zone
        if self.zone is not None and zone.pk != self.zone.pk:
            row.error("zone", _("与上传时选择的开发区“%(zone)s”不一致") % {"zone": self.zone})
            return None
        return zone

    def clean_investor(self, row, zone):
        """投资方: a credit code of a firm registered in the zone, a registered firm's exact name, or a new name."""
        text = row.values.get("investor") or ""
        row.values["investor"] = None
        row.values["investor_name"] = ""
        if not text or "investor" in row.failed:
            return
        if CODE_LIKE.match(text):
            try:
                code = clean_credit_code(text)
            except ValidationError as bad:
                row.error("investor", "；".join(bad.messages))
                return
            if zone is None:
                return
            firm = self.firms[0].get((zone.pk, code))
            if firm is None:
                row.error(
                    "investor",
                    _("开发区“%(zone)s”中没有统一社会信用代码为 %(code)s 的已登记企业；尚未登记的投资方请填写名称")
                    % {"zone": zone, "code": code},
                )
            row.values["investor"] = firm
            return
        firm = self.firms[1].get((zone.pk, normalize_label(text))) if zone is not None else None
        row.values["investor"] = firm
        row.values["investor_name"] = "" if firm is not None else text

    def stage_changes(self, row, zone):
        """{StageInfo: [planned, actual]} of the stage-date cells the row fills, in the row's zone's ladder."""
        changes = {}
        if zone is None:
            return changes
        names = self.active_names.get(zone.pk, {})
        for key in self.stage_columns:
            value = row.values.get(key)
            if value is None or key in row.failed:
                continue
            planned = key.startswith(STAGE_PLANNED)
            name = key.removeprefix(STAGE_PLANNED if planned else STAGE_ACTUAL)
            info = names.get(name)
            if info is None:
                row.error(key, _("开发区“%(zone)s”没有“%(stage)s”阶段") % {"zone": zone, "stage": name})
                continue
            dates = changes.setdefault(info, [None, None])
            dates[0 if planned else 1] = value
        return changes

    # -- existing projects ---------------------------------------------------------------------------------------

    def load_existing(self, keys):
        zone_ids = {zone_id for zone_id, _name in keys}
        matched = defaultdict(list)
        for pk, zone_id, name in Project.objects.filter(zone_id__in=zone_ids).values_list("pk", "zone_id", "name"):
            key = (zone_id, normalize_label(name))
            if key in keys:
                matched[key].append(pk)
        pks = [pk for found in matched.values() if len(found) == 1 for pk in found]
        projects = {}
        for chunk in chunks(pks):
            for project in (
                Project.objects.filter(pk__in=chunk)
                .select_related("zone", "park", "department", "chain", "investor", "producer", "industry")
                .prefetch_related("stages__stage")
            ):
                projects[project.pk] = project
        self.changeable = set()
        for chunk in chunks(pks):
            self.changeable.update(
                Project.objects.restrict(self.user, "change").filter(pk__in=chunk).values_list("pk", flat=True)
            )
        return {key: projects[found[0]] if len(found) == 1 else AMBIGUOUS for key, found in matched.items()}

    def check_new(self, row):
        zone = row.values["zone"]
        if not may_add_project(self.user, zone):
            row.error("zone", _("您无权在开发区“%(zone)s”登记项目") % {"zone": zone})
            return
        project = Project(zone=zone, name=row.values["name"])
        self.assign(project, row, creating=True)
        self.check_model(row, project)
        self.check_dates(row, {})
        row.instance = project

    def check_existing(self, row, project):
        if project is AMBIGUOUS:
            row.error(
                self.key,
                _("开发区中有多个名为“%(name)s”的项目，无法确定更新哪一个，请在项目页面修改")
                % {"name": row.values["name"]},
            )
            return
        if project.pk not in self.changeable:
            row.error(self.key, _("您无权修改项目“%(name)s”") % {"name": project.name})
            return
        changed = self.assign(project, row, creating=False)
        self.check_model(row, project)
        existing = {s.stage.code: s for s in project.stages.all()}
        changes = {}
        for info, (planned, actual) in row.values["stage_changes"].items():
            current = existing.get(info.code)
            before = (current.planned_on, current.actual_on) if current else (None, None)
            after = (planned if planned is not None else before[0], actual if actual is not None else before[1])
            if after != before:
                changes[info] = list(after)
        row.values["stage_changes"] = changes
        self.check_dates(row, existing)
        if changes:
            changed.add("stages")
        row.changed = changed
        row.instance = project

    def assign(self, project, row, *, creating):
        """Put the row's values on `project`; return the fields that change (on update only the file's columns)."""
        changed = set()
        keys = set(self.by_key) if creating else self.present
        values = row.values
        for name in PLAIN_FIELDS:
            if name in keys and name not in row.failed and getattr(project, name) != values.get(name):
                setattr(project, name, values.get(name))
                changed.add(name)
        for name in RELATED_FIELDS:
            if name in keys and name not in row.failed:
                value = values.get(name)  # a park, department or chain of the zone; the industry's code
                value_id = value if isinstance(value, str) or value is None else value.pk
                if getattr(project, f"{name}_id") != value_id:
                    if name == "industry":
                        project.industry_id = value_id
                    else:
                        setattr(project, name, value)
                    changed.add(name)
        if "investor" in keys and "investor" not in row.failed:
            firm, name = values.get("investor"), values.get("investor_name", "")
            if project.investor_id != (firm.pk if firm else None) or (firm is None and project.investor_name != name):
                project.investor = firm
                if firm is None:
                    project.investor_name = name
                changed.add("investor")
        return changed

    def check_model(self, row, project):
        """Project.clean(): what the form and the API refuse (zone of park/department/chain, investor, amounts)."""
        try:
            project.clean()
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                key = FIELD_COLUMNS.get(field, "")
                if key and key in row.failed:
                    continue
                for message in messages:
                    if (key, message) not in row.errors:
                        row.error(key, message)

    def check_dates(self, row, existing_stages):
        """Dates out of the ladder's order need the 日期顺序例外说明 column, exactly as record_stage requires."""
        zone_ladder = self.ladders.get(row.values["zone"].pk) or {s.code: s for s in DEFAULT_LADDER}
        existing = {}
        for code, stage in existing_stages.items():
            info = zone_ladder.get(code) or StageInfo(stage.stage_id, code, stage.stage.name, stage.stage.phase, 0)
            existing[code] = (info, stage.actual_on)
        changes = [(info, planned, actual) for info, (planned, actual) in row.values["stage_changes"].items()]
        reason = (row.values.get("out_of_order_reason") or "").strip()
        sequence, pairs = stage_sequence(existing, changes, reason)
        row.values["stage_sequence"] = sequence
        in_row = {info.name for info, _planned, _actual in changes}
        for later, earlier in pairs:
            name = later if later in in_row else earlier
            key = f"{STAGE_ACTUAL}{name}"
            row.error(
                key if key in self.present else "out_of_order_reason",
                out_of_order_message(later, earlier) + _("；如确属实际情况，请在“日期顺序例外说明”列写明原因"),
            )

    # -- commit --------------------------------------------------------------------------------------------------

    def commit(self, rows):
        reason = _("导入：%(file)s") % {"file": self.job.original_name if self.job else ""}
        created = updated = stages = 0
        definitions = {}
        for row in rows:
            project = row.instance
            fields = row.changed - {"stages"}
            if row.action == "create" or fields:
                services.save_project(actor=self.user, project=project, reason=reason)
            if row.action == "create":
                created += 1
            else:
                updated += 1
            if project.zone_id not in definitions:
                definitions[project.zone_id] = {
                    d.code: d for d in StageDefinition.objects.filter(zone_id=project.zone_id)
                }
            current = {s.stage_id: s for s in ProjectStage.objects.filter(project=project)}
            for info, planned, actual in row.values["stage_sequence"]:
                stage = definitions[project.zone_id][info.code]
                before = current.get(stage.pk)
                services.record_stage(
                    actor=self.user,
                    project=project,
                    stage=stage,
                    planned_on=planned,
                    actual_on=actual,
                    note=before.note if before else "",
                    phase=before.phase if before else None,
                    out_of_order_reason=row.values.get("out_of_order_reason") or "",
                )
                stages += 1
        return {"created": created, "updated": updated, "stages": stages}

    def record_commit(self, job, summary):
        self.audit_import(
            job,
            created=summary["created"],
            updated=summary["updated"],
            unchanged=job.unchanged_count,
            stages=summary["stages"],
        )


# ---------------------------------------------------------------------------------------------------------------
# 项目进度


def project_options(importer):
    """The 项目名称 drop-down: the projects the user may report (name, zone)."""
    return [(name, zone) for _pk, name, zone in importer.reportable_projects()]


@register
class ProgressImporter(MoneyUnitMixin, Importer):
    kind = KIND_PROGRESS
    verbose_name = gettext_lazy("项目进度")
    sheet_title = gettext_lazy("项目进度")
    key = "report_key"  # (project id, period, 旬), set by clean_row
    instructions = (
        gettext_lazy(
            "每行一个项目一个报告期：填写项目名称（或项目编号），报告期（如 2025-03），当期完成投资或开工至报告期累计"
            "（填其一即可；两项都填时须一致），以及形象进度。旬报在“旬”列填写上旬、中旬或下旬。"
        ),
        gettext_lazy(
            "已填报的报告期再次导入即为更正，其后各期的累计随之重算；开工至报告期累计不能少于此前的累计。"
            "已截止的报告期不能导入，如需补报请管委会管理员重新开放。"
        ),
        gettext_lazy(
            "金额默认以万元填写；表头注明单位的列（如“当期完成投资（亿元）”）按表头单位换算，未注明单位的列按上传时"
            "选择的金额单位换算。"
        ),
    )

    def get_columns(self):
        return [
            Column(
                "zone",
                gettext_lazy("所属开发区"),
                Lookup(
                    load_visible_zones,
                    unknown=gettext_lazy("未找到开发区“%(value)s”"),
                    hint=gettext_lazy("开发区全称或简称"),
                ),
                width=22,
                help_text=gettext_lazy("可不填；不同开发区有同名项目时用于区分"),
            ),
            Column(
                "project_id",
                gettext_lazy("项目编号"),
                Integer(min_value=1, hint=gettext_lazy("系统中的项目编号（导出的项目清单中有）")),
                width=10,
                help_text=gettext_lazy("可不填；填写时按编号识别项目"),
            ),
            Column(
                "name",
                gettext_lazy("项目名称"),
                Text(200),
                width=32,
                options=project_options,
                options_sheet=PROJECT_SHEET,
                help_text=gettext_lazy("须为您有权填报进度的项目"),
            ),
            Column(
                "period",
                gettext_lazy("报告期"),
                Period(first_year=FIRST_YEAR, last_year=LAST_YEAR),
                required=True,
                width=10,
                example=format_period(previous_month(timezone.localdate().year * 100 + timezone.localdate().month)),
            ),
            Column("decade", gettext_lazy("旬"), Decade(), width=8),
            Column(
                "amount",
                gettext_lazy("当期完成投资（万元）"),
                ProjectMoney("amount"),
                width=14,
                example="1200",
                aliases=money_aliases("当期完成投资", "本期完成投资", "当月完成投资", "本月完成投资"),
            ),
            Column(
                "since_start",
                gettext_lazy("开工至报告期累计（万元）"),
                ProjectMoney("since_start"),
                width=16,
                aliases=money_aliases("开工至报告期累计", "开工累计完成投资", "累计完成投资"),
            ),
            Column("image_progress", gettext_lazy("形象进度"), Text(), width=40),
        ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.keyed_rows = []  # rows with a project and period, for the file-wide pass in load_existing
        self.open_periods = {}

    def header(self, key):
        return super().header("period" if key == self.key else key)

    # -- projects in reach -------------------------------------------------------------------------------------

    @cached_property
    def visible(self):
        """Projects the user sees (in the upload's zone, when one was chosen): [(pk, zone id, name, investor id)]."""
        projects = Project.objects.restrict(self.user, "view")
        if self.zone is not None:
            projects = projects.filter(zone=self.zone)
        return list(projects.order_by("zone_id", "name", "pk").values_list("pk", "zone_id", "name", "investor_id"))

    @cached_property
    def by_pk(self):
        return {row[0]: row for row in self.visible}

    @cached_property
    def by_name(self):
        names = defaultdict(list)
        for row in self.visible:
            names[normalize_label(row[2])].append(row)
        return names

    def may_report(self, row):
        pk, zone_id, _name, investor_id = row
        return may_report_progress(self.user, Project(pk=pk, zone_id=zone_id, investor_id=investor_id))

    def reportable_projects(self):
        zones = dict(Zone.objects.values_list("pk", "name"))
        return [(row[0], row[2], zones.get(row[1], "")) for row in self.visible if self.may_report(row)]

    # -- row checks ----------------------------------------------------------------------------------------------

    def clean_row(self, row):
        if not {"project_id", "name"} & self.present:
            raise ImportFileError(_("表头不完整：须有“项目名称”或“项目编号”列"))
        values = row.values
        found = self.find_project(row)
        values["project"] = found
        if found is not None and not self.may_report(found):
            row.error(self.project_column(row), _("您无权填报项目“%(name)s”的进度") % {"name": found[2]})
            found = None
        period = values.get("period")
        if found is not None and period and "period" not in row.failed and not self.period_open(found[1], period):
            today = timezone.localdate()
            if period > today.year * 100 + today.month:
                row.error("period", _("报告期不能晚于本月"))
            else:
                row.error(
                    "period",
                    _("%(period)s 的进度填报已截止；如需补报，请管委会管理员重新开放该报告期")
                    % {"period": format_period(period)},
                )
        nothing = values.get("amount") is None and values.get("since_start") is None
        if nothing and not {"amount", "since_start"} & row.failed:
            row.error("amount", _("请填写当期完成投资或开工至报告期累计"))
        if found is not None and period and not {"period", "decade"} & row.failed:
            values[self.key] = (found[0], period, int(values.get("decade") or 0))
            self.keyed_rows.append(row)

    def project_column(self, row):
        return "project_id" if row.values.get("project_id") else "name"

    def find_project(self, row):
        values = row.values
        if {"project_id", "name", "zone"} & row.failed:
            return None
        zone = values.get("zone")
        pk, name = values.get("project_id"), values.get("name")
        if pk:
            found = self.by_pk.get(pk)
            if found is None or (zone is not None and found[1] != zone.pk):
                row.error("project_id", _("未找到编号为 %(pk)s 的项目，或您无权查看") % {"pk": pk})
                return None
            if name and normalize_label(name) != normalize_label(found[2]):
                row.error("name", _("与项目编号 %(pk)s 的项目名称“%(name)s”不一致") % {"pk": pk, "name": found[2]})
                return None
            return found
        if not name:
            row.error("name", _("请填写项目名称或项目编号"))
            return None
        candidates = self.by_name.get(normalize_label(name), [])
        if zone is not None:
            candidates = [c for c in candidates if c[1] == zone.pk]
        if not candidates:
            row.error("name", _("未找到项目“%(name)s”，或您无权查看") % {"name": name})
            return None
        if len(candidates) > 1:
            row.error(
                "name",
                _("有 %(n)d 个名为“%(name)s”的项目，请填写项目编号或所属开发区") % {"n": len(candidates), "name": name},
            )
            return None
        return candidates[0]

    def period_open(self, zone_id, period):
        key = (zone_id, period)
        if key not in self.open_periods:
            self.open_periods[key] = services.progress_period_open(zone_id, period)
        return self.open_periods[key]

    # -- the file as a whole: totals in period order -----------------------------------------------------------

    def load_existing(self, keys):
        """The stored reports of the file's projects; then replay every row in period order, as the commit will.

        Called once after every row is read: the only point where rows of the same project meet, so the cumulative
        check (开工至报告期累计 never below what came before, earlier rows of the file included) lives here.
        """
        project_ids = {project_id for project_id, _period, _decade in keys}
        stored = defaultdict(dict)
        existing = {}
        for chunk in chunks(project_ids):
            for report in ProgressReport.objects.filter(project_id__in=chunk).only(
                "pk", "project_id", "period", "decade", "amount", "image_progress", "since_start"
            ):
                stored[report.project_id][(report.period, report.decade)] = report.amount
                key = (report.project_id, report.period, report.decade)
                if key in keys:
                    existing[key] = report
        rows = [r for r in self.keyed_rows if self.key not in r.failed]
        for row in sorted(rows, key=lambda r: r.values[self.key]):
            project_id, period, decade = row.values[self.key]
            amounts = stored[project_id]
            previous = sum((a for when, a in amounts.items() if when < (period, decade)), Decimal(0))
            amount, since_start = row.values.get("amount"), row.values.get("since_start")
            if since_start is not None:
                if since_start < previous:
                    row.error(
                        "since_start",
                        _("开工至报告期累计（%(total)s）少于此前的累计（%(previous)s），累计投资不能减少")
                        % dict(zip(("total", "previous"), format_amounts(since_start, previous), strict=True)),
                    )
                    continue
                if amount is not None and previous + amount != since_start:
                    row.error(
                        "since_start",
                        _("开工至报告期累计（%(total)s）不等于此前累计（%(previous)s）加当期完成投资（%(amount)s）")
                        % dict(
                            zip(
                                ("total", "previous", "amount"),
                                format_amounts(since_start, previous, amount),
                                strict=True,
                            )
                        ),
                    )
                    continue
                amount = since_start - previous
            if amount is None:
                continue
            row.values["computed_amount"] = amount
            amounts[(period, decade)] = amount
        return existing

    def check_existing(self, row, report):
        amount = row.values.get("computed_amount")
        image = row.values.get("image_progress", "") if "image_progress" in self.present else report.image_progress
        row.values["image_progress"] = image
        if amount is not None and amount != report.amount:
            row.changed.add("amount")
        if image != report.image_progress:
            row.changed.add("image_progress")

    def commit(self, rows):
        projects = Project.objects.in_bulk({row.values[self.key][0] for row in rows})
        created = updated = 0
        for row in sorted(rows, key=lambda r: r.values[self.key]):
            project_id, period, decade = row.values[self.key]
            services.record_progress(
                actor=self.user,
                project=projects[project_id],
                period=period,
                decade=decade,
                amount=row.values["computed_amount"],
                image_progress=row.values.get("image_progress") or "",
            )
            if row.action == "create":
                created += 1
            else:
                updated += 1
        return {"created": created, "updated": updated}

    def record_commit(self, job, summary):
        self.audit_import(job, created=summary["created"], updated=summary["updated"], unchanged=job.unchanged_count)
