"""四上企业名录导入 (`stats_directory`) on the core import engine: one row per firm and year (统一社会信用代码, 年度,
四上类别, 入库日期, 备注). The rows of a file are the directory of their year for the firms listed; "replace" also
takes out of that year's directory the firms of the same zones the file does not list. The commit writes through
`directory.import_directory`, so reporting duties follow the directory. Registered from StatsConfig.ready (the
engine discovers `importers` modules only).

Errors block the whole file (bad code, unknown firm, firm outside the user's statistics zones, year out of range,
unknown category, the same firm and year twice); a category that disagrees with the firm's industry is a warning.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.imports.engine import Column, Importer, chunks, register
from kaifaqu.core.imports.parsers import Choice, Date, Text, Year
from kaifaqu.core.models import ImportModeChoices
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.enterprises.validators import clean_credit_code

from .choices import StatsCategoryChoices
from .models import EnterpriseYearStatus
from .services.directory import DirectoryEntry, directory_leavers, import_directory
from .thresholds import threshold_for

KIND_DIRECTORY = "stats_directory"
FIRST_YEAR = 2000
STORED_NOTES = 200  # warnings and leavers kept on the job for the preview


def directory_zone_ids(user):
    """Zones where the user may write the directory; None means every zone (system administration)."""
    if user.is_system_admin:
        return None
    return user.writable_zone_ids(EnterpriseYearStatus.scope)


def last_year_allowed():
    """The bureau publishes next year's directory before the year begins."""
    return timezone.localdate().year + 1


@register
class DirectoryImporter(Importer):
    kind = KIND_DIRECTORY
    verbose_name = gettext_lazy("四上企业名录")
    sheet_title = gettext_lazy("名录")  # a sheet name: Excel allows 31 characters, in every language
    key = "_key"  # 统一社会信用代码 + 年度: a firm is in a year's directory once
    instructions = (
        gettext_lazy(
            "每行一家企业一个年度；同一企业同一年度只能出现一次。已在该年名录中的企业按文件更新类别、入库日期和备注。"
        ),
        gettext_lazy("四上类别可填写名称（如“规模以上工业”）或代码（如 industry）。"),
        gettext_lazy(
            "名录决定报送任务：企业进入某年名录后，即须报送以该类别为统计口径的报表（全年 1—12 月）；退出名录后，"
            "该年的报送任务随之结束。"
        ),
        gettext_lazy(
            "勾选“替换”时，文件中每个年度、每个所涉开发区的名录以文件为准：名录中有而文件中没有的企业退出该年名录。"
        ),
    )

    def __init__(self, *, user, mode=ImportModeChoices.UPSERT, zone=None, job=None):
        super().__init__(user=user, mode=ImportModeChoices.UPSERT, zone=zone, job=job)
        self.replace = bool(job.options.get("replace")) if job is not None else False
        self.rows = []
        self.firms = {}  # credit code → Enterprise
        self.row_firms = {}  # row number → Enterprise, or None when the row's firm cannot be used
        self.warnings = []

    def get_columns(self):
        return [
            Column(
                "credit_code",
                gettext_lazy("统一社会信用代码"),
                Text(18, upper=True, clean=clean_credit_code, hint=gettext_lazy("18 位代码，系统核对校验位")),
                required=True,
                width=22,
                example="91140581MA0K2A3B5N",
                help_text=gettext_lazy("已登记企业的 18 位统一社会信用代码"),
                aliases=("信用代码", "社会信用代码"),
            ),
            Column(
                "year",
                gettext_lazy("年度"),
                Year(
                    first=FIRST_YEAR,
                    last=last_year_allowed,
                    message=gettext_lazy("年度“%(value)s”无效，应为 %(first)d—%(last)d 之间的四位年份，如 2025"),
                    hint=gettext_lazy("四位年份，如 2025"),
                ),
                required=True,
                width=8,
                example="2025",
                help_text=gettext_lazy("名录所属年度"),
                aliases=("名录年度",),
            ),
            Column(
                "category",
                gettext_lazy("四上类别"),
                Choice(StatsCategoryChoices.choices),
                required=True,
                width=22,
                example=gettext_lazy("规模以上工业"),
                help_text=gettext_lazy("从下拉列表选择"),
                aliases=("类别", "名录类别"),
            ),
            Column(
                "entered_on",
                gettext_lazy("入库日期"),
                Date(allow_future=True),
                width=12,
                example="2025-01-01",
                help_text=gettext_lazy("可不填；文件中没有此列时保留原值"),
            ),
            Column(
                "note",
                gettext_lazy("备注"),
                Text(200),
                width=30,
                help_text=gettext_lazy("可不填；文件中没有此列时保留原值"),
            ),
        ]

    def header(self, key):
        return super().header("credit_code" if key == "_key" else key)

    # -- validation ----------------------------------------------------------------------------------------------

    def clean_row(self, row):
        values = row.values
        if not row.failed & {"credit_code", "year"}:
            values["_key"] = f"{values['credit_code']}|{values['year']}"
        self.rows.append(row)

    def load_existing(self, keys):
        """Firms of the file (one query per 2,000 codes), their directory rows of the file's years, and every row's
        firm checked here, once (warnings and the replace preview need them all)."""
        keyed = [row for row in self.rows if "_key" in row.values]  # duplicates too: their firm is checked as well
        codes = {row.values["credit_code"] for row in keyed}
        years = {row.values["year"] for row in keyed}
        for chunk in chunks(codes):
            for firm in Enterprise.objects.filter(credit_code__in=chunk).select_related("industry"):
                self.firms[firm.credit_code] = firm
        found = {}
        for chunk in chunks([firm.pk for firm in self.firms.values()]):
            statuses = EnterpriseYearStatus.objects.filter(enterprise_id__in=chunk, year__in=years)
            for status in statuses.select_related("enterprise"):
                found[f"{status.enterprise.credit_code}|{status.year}"] = status
        for row in keyed:
            self.row_firms[row.number] = self.firm_of(row)
        self.remember(warnings=self.warnings[:STORED_NOTES], warning_count=len(self.warnings))
        self.note_leavers()
        return found

    def firm_of(self, row):
        """The row's firm (and a warning if its industry does not fit the category), or None after reporting why
        it cannot be used."""
        code = row.values["credit_code"]
        firm = self.firms.get(code)
        zone_ids = directory_zone_ids(self.user)
        if firm is None:
            row.error("credit_code", _("未找到统一社会信用代码为“%(code)s”的企业，请先登记企业") % {"code": code})
            return None
        if zone_ids is not None and firm.zone_id not in zone_ids:
            row.error("credit_code", _("该企业不在您负责统计工作的开发区，不能登记其名录"))
            return None
        if "category" not in row.failed:
            self.check_industry(row, firm)
        return firm

    def check_new(self, row):
        firm = self.row_firms.get(row.number)
        if firm is not None and "category" not in row.failed:
            row.instance = self.entry(row, firm, existing=None)

    def check_existing(self, row, status):
        firm = self.row_firms.get(row.number)
        if firm is None or "category" in row.failed:
            return
        row.instance = self.entry(row, firm, existing=status)
        now = (row.instance.category, row.instance.entered_on, row.instance.note)
        if now != (status.category, status.entered_on, status.note):
            row.changed = {"category", "entered_on", "note"}

    def entry(self, row, firm, existing):
        """The row as a DirectoryEntry; optional columns missing from the file keep the stored values."""
        values = row.values

        def kept(key, default):
            if key in self.present or existing is None:
                return values.get(key, default)
            return getattr(existing, key)

        return DirectoryEntry(
            enterprise=firm,
            year=values["year"],
            category=values["category"],
            entered_on=kept("entered_on", None),
            note=kept("note", ""),
        )

    def check_industry(self, row, firm):
        """A category the firm's industry does not fit (GB/T 4754 → 四上类别, thresholds.py) is only a warning: the
        bureau's directory is the authority, the registry's industry may be out of date."""
        rule = threshold_for(firm.industry_id, firm.industry.section)
        category = row.values["category"]
        if rule is None:
            message = _("提示：企业所属行业（%(code)s）不在四上统计范围，请核对") % {"code": firm.industry_id}
        elif rule.category != category:
            message = _("提示：企业所属行业（%(code)s）一般属于“%(expected)s”，与所填类别不符，请核对") % {
                "code": firm.industry_id,
                "expected": StatsCategoryChoices(rule.category).label,
            }
        else:
            return
        self.warnings.append({"row": row.number, "column": self.header("category"), "message": message})

    def note_leavers(self):
        """Replace mode: who would leave the directory, for the preview (the commit works it out again)."""
        if not self.replace:
            self.remember(leavers=[], leaver_count=0)
            return
        leaving = directory_leavers(self.listed_entries(), directory_zone_ids(self.user))
        rows = leaving.select_related("enterprise").order_by("year", "enterprise__name")
        self.remember(
            leaver_count=leaving.count(),
            leavers=[
                {"year": s.year, "name": s.enterprise.name, "code": s.enterprise.credit_code, "category": s.category}
                for s in rows[:STORED_NOTES]
            ],
        )

    def listed_entries(self):
        """Every row naming a usable firm and year (the firms the file lists), as entries."""
        return [
            DirectoryEntry(enterprise=self.row_firms[row.number], year=row.values["year"], category="")
            for row in self.rows
            if self.row_firms.get(row.number) is not None
        ]

    def remember(self, **options):
        if self.job is not None:
            self.job.options = {**self.job.options, **options}

    # -- commit --------------------------------------------------------------------------------------------------

    def commit(self, rows):
        """Every row of the file, changed or not (an unchanged row still gets its duties), then the leavers."""
        entries = [row.instance for row in self.rows if row.instance is not None]
        counts = import_directory(
            actor=self.user, entries=entries, replace=self.replace, zone_ids=directory_zone_ids(self.user)
        )
        self.remember(removed=counts["removed"])
        return counts

    def record_commit(self, job, summary):
        self.audit_import(
            job,
            created=summary["created"],
            updated=summary["updated"],
            unchanged=summary["unchanged"],
            removed=summary["removed"],
            replace=self.replace,
        )
