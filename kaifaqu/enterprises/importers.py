"""Enterprise import (企业名录导入) on the core import engine; its columns are also the export's columns."""

import re
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifaqu.core.bulk import insert_objects, insert_rows, new_rows
from kaifaqu.core.cache import bump, zone_version
from kaifaqu.core.history import bulk_history
from kaifaqu.core.imports.engine import Column, Importer, Result, Row, chunks, match_existing, register, row_errors
from kaifaqu.core.imports.parsers import CellError, Choice, Date, Lookup, Money, Split, Text, cell_text, normalize_label
from kaifaqu.core.money import UNIT_FACTORS
from kaifaqu.zones.importers import zone_table
from kaifaqu.zones.models import Department, Park, Region, Zone
from kaifaqu.zones.querysets import writable_zones as zones_writable_by

from .choices import EnterpriseScaleChoices, EnterpriseStatusChoices, IndustryLevelChoices
from .models import Enterprise, IndustryClass, Tag
from .signals import placement_changed
from .validators import clean_credit_code

FORMER_NAME_SEPARATORS = r"[;；\n\r]"
TAG_SEPARATORS = r"[,，、]"
INDUSTRY_SHEET = "行业代码"

# Column key → model field for the columns that map one to one.
PLAIN_FIELDS = {
    "credit_code": "credit_code",
    "name": "name",
    "address": "address",
    "legal_representative": "legal_representative",
    "founded_on": "founded_on",
    "registered_capital": "registered_capital",
    "scale": "scale",
    "status": "status",
    "status_changed_on": "status_changed_on",
    "main_products": "main_products",
}
DATE_KEYS = ("founded_on", "status_changed_on")  # kept as ISO text in the checked state
RELATED_FIELDS = {
    "zone": "zone",
    "park": "park",
    "service_department": "service_department",
    "industry": "industry",
    "region": "region",
}


def can_import_enterprises(user):
    """Registry write permission in some zone (not the system administrator: 三员分立, he reads the registry)."""
    return bool(user.is_authenticated and user.may("add", Enterprise))


def writable_zones(user):
    return zones_writable_by(user, Enterprise)


def leading_code(pattern, width=None):
    """A Lookup key: the code at the start of the cell ("2651 初级形态…" → "2651"); numbers get their zeros back."""
    regex = re.compile(pattern)

    def key(cell):
        if isinstance(cell, int | float) and not isinstance(cell, bool) and width and float(cell).is_integer():
            return str(int(cell)).zfill(width)
        match = regex.match(cell_text(cell).upper())
        return match.group(1) if match else cell_text(cell).upper()

    return key


def load_zones(importer):
    return zone_table(Zone.objects.all())


def load_industries(importer):
    table = {}
    for code, level in IndustryClass.objects.values_list("code", "level"):
        if level == IndustryLevelChoices.CLASS:
            table[code] = code
        else:
            table[code] = CellError(
                _("“%(code)s”是%(level)s代码，请填写 4 位小类代码")
                % {"code": code, "level": IndustryLevelChoices(level).label}
            )
    return table


def industry_options(importer):
    classes = IndustryClass.objects.filter(level=IndustryLevelChoices.CLASS).order_by("code")
    return list(classes.values_list("code", "name"))


def load_regions(importer):
    return {code: code for code in Region.objects.values_list("code", flat=True)}


def zone_options(importer):
    return [(zone.name, zone.short_name) for zone in writable_zones(importer.user).order_by("name")]


def park_options(importer):
    parks = Park.objects.filter(zone__in=writable_zones(importer.user)).select_related("zone").order_by("name")
    names = {}
    for park in parks:
        names.setdefault(park.name, str(park.zone))
    return list(names.items())


def department_options(importer):
    departments = Department.objects.filter(zone__in=writable_zones(importer.user)).select_related("zone")
    names = {}
    for department in departments:
        names.setdefault(department.name, []).append(str(department.zone))
    return [(name, "、".join(sorted(zones))) for name, zones in sorted(names.items())]


@register
class EnterpriseImporter(Importer):
    kind = "enterprises"
    verbose_name = gettext_lazy("企业")
    sheet_title = gettext_lazy("企业名录")
    key = "credit_code"
    instructions = (
        gettext_lazy(
            "“新增”方式只登记新企业，统一社会信用代码已登记的行会报错；“新增或更新”方式按统一社会信用代码"
            "更新已登记的企业（文件中没有的列保持不变），其余行新增。"
        ),
        gettext_lazy("注册资本默认以万元填写；如填写“金额单位”列（元/千元/万元/亿元），系统按该单位换算为万元。"),
        gettext_lazy("曾用名可填多个，用分号或换行分隔；标签用逗号或顿号分隔，系统中没有的标签会自动创建。"),
        gettext_lazy("变更所属开发区或园区属于企业迁移，请在企业页面办理“迁移”，不能通过导入修改。"),
        gettext_lazy(
            "包联部门填写所属开发区的部门名称；“新增或更新”方式下，文件中有该列而单元格留空的企业将清除包联部门。"
        ),
    )

    def get_columns(self):
        return [
            Column(
                "credit_code",
                gettext_lazy("统一社会信用代码"),
                Text(18, upper=True, clean=clean_credit_code, hint=gettext_lazy("18 位代码，系统核对校验位")),
                required=True,
                width=22,
                example="91140581MA0K2A3B5N",
                help_text=gettext_lazy("18 位统一社会信用代码，用于识别企业；同一文件中不能重复"),
                aliases=("信用代码", "社会信用代码"),
            ),
            Column(
                "name",
                gettext_lazy("企业名称"),
                Text(200),
                required=True,
                width=32,
                example=gettext_lazy("高平市某某新材料有限公司"),
                help_text=gettext_lazy("营业执照上的名称"),
            ),
            Column(
                "zone",
                gettext_lazy("所属开发区"),
                Lookup(
                    load_zones,
                    unknown=gettext_lazy("未找到开发区“%(value)s”，请填写开发区全称或简称"),
                    options=zone_options,
                    hint=gettext_lazy("开发区全称或简称"),
                ),
                required=True,
                width=24,
                example=gettext_lazy("高平经济技术开发区"),
                help_text=gettext_lazy("只能填写您有权登记企业的开发区"),
            ),
            Column(
                "park",
                gettext_lazy("所在园区"),
                Text(100, hint=gettext_lazy("园中园名称，须属于所填开发区")),
                width=20,
                help_text=gettext_lazy("园中园名称；须属于“所属开发区”"),
                example="",
                options=park_options,
            ),
            Column(
                "service_department",
                gettext_lazy("包联部门"),
                Text(100, hint=gettext_lazy("管委会部门名称，须属于所填开发区")),
                width=16,
                help_text=gettext_lazy("负责联系服务该企业的管委会部门；须属于“所属开发区”，不填为未指定"),
                example=gettext_lazy("企业服务中心"),
                options=department_options,
                aliases=("包联单位",),
            ),
            Column(
                "industry",
                gettext_lazy("国民经济行业代码"),
                Lookup(
                    load_industries,
                    key=leading_code(r"^\s*([A-Z]|\d{2,4})(?!\d)", width=4),
                    unknown=gettext_lazy("行业代码“%(value)s”不在 GB/T 4754-2017 中"),
                    options=industry_options,
                    hint=gettext_lazy("GB/T 4754-2017 的 4 位小类代码"),
                ),
                required=True,
                width=16,
                example="2651",
                options_sheet=INDUSTRY_SHEET,
                help_text=gettext_lazy("4 位小类代码，见“行业代码”工作表"),
                aliases=("行业代码", "行业小类代码"),
            ),
            Column(
                "region",
                gettext_lazy("注册地区划代码"),
                Lookup(
                    load_regions,
                    key=leading_code(r"^\s*(\d{6})(?!\d)", width=6),
                    unknown=gettext_lazy("区划代码“%(value)s”不在 GB/T 2260 中"),
                    hint=gettext_lazy("GB/T 2260 的 6 位行政区划代码"),
                ),
                width=14,
                example="140581",
                help_text=gettext_lazy("注册地所在县（市、区）的 6 位代码"),
                aliases=("注册地区划", "区划代码"),
            ),
            Column("address", gettext_lazy("注册地址"), Text(300), width=36),
            Column("legal_representative", gettext_lazy("法定代表人"), Text(50), width=12),
            Column("founded_on", gettext_lazy("成立日期"), Date(), width=12, example="2018-06-01"),
            Column(
                "registered_capital",
                gettext_lazy("注册资本(万元)"),
                Money(unit_key="capital_unit"),
                width=16,
                example="5000",
                aliases=("注册资本",),
                help_text=gettext_lazy("默认万元；填写“金额单位”列时按该单位换算"),
            ),
            Column(
                "capital_unit",
                gettext_lazy("金额单位"),
                Choice([(unit, unit) for unit in UNIT_FACTORS], default="万元"),
                width=10,
                example="万元",
                help_text=gettext_lazy("注册资本的单位，不填为万元"),
            ),
            Column(
                "scale",
                gettext_lazy("企业规模"),
                Choice(EnterpriseScaleChoices.choices),
                width=10,
                example=gettext_lazy("中型"),
            ),
            Column(
                "status",
                gettext_lazy("经营状态"),
                Choice(EnterpriseStatusChoices.choices, default=EnterpriseStatusChoices.ACTIVE),
                width=10,
                example=gettext_lazy("在营"),
                help_text=gettext_lazy("不填为在营；迁出、注销须填写状态变更日期"),
            ),
            Column(
                "status_changed_on",
                gettext_lazy("状态变更日期"),
                Date(),
                width=14,
                help_text=gettext_lazy("迁出或注销的日期"),
            ),
            Column(
                "former_names",
                gettext_lazy("曾用名"),
                Split(FORMER_NAME_SEPARATORS, item_max_length=200, hint=gettext_lazy("多个曾用名用分号或换行分隔")),
                width=24,
            ),
            Column("main_products", gettext_lazy("主要产品"), Text(300), width=24, example=gettext_lazy("碳化硅粉体")),
            Column(
                "tags",
                gettext_lazy("标签"),
                Split(TAG_SEPARATORS, item_max_length=50, hint=gettext_lazy("多个标签用逗号或顿号分隔")),
                width=20,
                example=gettext_lazy("专精特新、高新技术企业"),
                help_text=gettext_lazy("系统中没有的标签会自动创建"),
            ),
        ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.place_names = {}  # row number → (园区, 包联部门) as typed, for rows that name either
        self.registrable = {}  # zone id → may the user register firms there (see may_register_in)

    # -- validation ----------------------------------------------------------------------------------------------

    @cached_property
    def parks(self):
        """(zone id, park name) → park id, loaded once per import."""
        return {
            (zone_id, normalize_label(name)): pk
            for pk, zone_id, name in Park.objects.values_list("pk", "zone_id", "name")
        }

    @cached_property
    def departments(self):
        """(zone id, department name) → department id, loaded once per import."""
        return {
            (zone_id, normalize_label(name)): pk
            for pk, zone_id, name in Department.objects.values_list("pk", "zone_id", "name")
        }

    def clean_row(self, row):
        self.place(row)
        # A blank 状态变更日期 cell next to 迁出/注销 (a missing column is checked against the registered date).
        status = row.values.get("status")
        if (
            status
            and status != EnterpriseStatusChoices.ACTIVE
            and "status_changed_on" in self.present
            and "status_changed_on" not in row.failed
            and not row.values.get("status_changed_on")
        ):
            row.error("status_changed_on", _("迁出或注销的企业须填写状态变更日期"))

    def place(self, row):
        """园区 and 包联部门 by name within the row's zone (the names as typed are kept for checked_state)."""
        # 所在园区 is a name within the row's zone: text until here, a park id (or None) from here on.
        park_name = row.values.get("park")
        zone = row.values.get("zone")
        department_name = row.values.get("service_department")
        if park_name or department_name:
            self.place_names[row.number] = (park_name, department_name)
        row.values["park"] = None
        if park_name and zone is not None and "zone" not in row.failed:
            row.values["park"] = self.parks.get((zone.pk, normalize_label(park_name)))
            if row.values["park"] is None:
                row.error("park", _("开发区“%(zone)s”中没有园区“%(park)s”") % {"zone": zone, "park": park_name})
        # 包联部门 likewise: a department name within the row's zone, then a department id (or None).
        row.values["service_department"] = None
        if department_name and zone is not None and "zone" not in row.failed:
            row.values["service_department"] = self.departments.get((zone.pk, normalize_label(department_name)))
            if row.values["service_department"] is None:
                row.error(
                    "service_department",
                    _("开发区“%(zone)s”中没有部门“%(department)s”，请填写该开发区的部门名称")
                    % {"zone": zone, "department": department_name},
                )

    def load_existing(self, keys):
        found = {}
        for chunk in chunks(keys):
            for enterprise in (
                Enterprise.objects.filter(credit_code__in=chunk).select_related("zone").prefetch_related("tags")
            ):
                found[enterprise.credit_code] = enterprise
        self.changeable = set()
        if self.update_mode and found:
            allowed = Enterprise.objects.restrict(self.user, "change")
            for chunk in chunks([e.pk for e in found.values()]):
                self.changeable.update(allowed.filter(pk__in=chunk).values_list("pk", flat=True))
        return found

    def check_new(self, row):
        zone = row.values.get("zone")
        if zone is not None and "zone" not in row.failed and not self.may_register_in(zone.pk):
            row.error("zone", _("您无权在开发区“%(zone)s”登记企业") % {"zone": zone})
        # The new firm itself is built by commit (new_firm): a preview needs only its status and date.
        values = row.values
        self.check_status(row, values.get("status", self.default_status), values.get("status_changed_on"))

    def check_existing(self, row, enterprise):
        if enterprise.pk not in self.changeable:
            row.error(self.key, _("该企业已由其他开发区登记，您无权修改"))
            return
        zone = row.values.get("zone")
        if zone is not None and "zone" not in row.failed and zone.pk != enterprise.zone_id:
            row.error(
                "zone",
                _("企业已登记在“%(zone)s”，不能通过导入变更所属开发区；迁移请在企业页面办理")
                % {"zone": enterprise.zone},
            )
            return
        if "park" in self.present and "park" not in row.failed:
            park_id = row.values.get("park")
            if enterprise.park_id and park_id != enterprise.park_id:
                row.error("park", _("变更所在园区属于企业迁移，请在企业页面办理，不能通过导入修改"))
                return
        row.changed = self.assign(enterprise, row, creating=False)
        self.check_status(row, enterprise.status, enterprise.status_changed_on)
        row.instance = enterprise

    def may_register_in(self, zone_id):
        """Whether the user may register firms in the zone, asked once per zone (a file's rows share a few zones)."""
        try:
            return self.registrable[zone_id]
        except KeyError:
            allowed = self.registrable[zone_id] = self.user.can_add_in_zone(Enterprise.scope, zone_id)
            return allowed

    @cached_property
    def default_status(self):
        return Enterprise._meta.get_field("status").get_default()

    @cached_property
    def new_firm_row(self):
        return new_rows(Enterprise)

    def new_firm(self, row):
        """The new firm of a row as a NewRow: its fields as Enterprise() and then assign(creating=True) would set
        them (every column's value, the blank ones' empty value), given at once."""
        values = row.values
        fields = {name: values[key] for key, name in PLAIN_FIELDS.items() if key in values}
        for key, name in RELATED_FIELDS.items():
            if key in values:
                value = values[key]
                fields[f"{name}_id"] = value.pk if isinstance(value, Zone) else value
        if "former_names" in values:
            fields["former_names"] = "\n".join(values["former_names"])
        return self.new_firm_row(**fields)

    def check_status(self, row, status, changed_on):
        """The firm's status (as it will be saved) against its 状态变更日期."""
        if (
            status != EnterpriseStatusChoices.ACTIVE
            and not changed_on
            and "status_changed_on" not in row.failed
            and not any(key == "status_changed_on" for key, _message in row.errors)
        ):
            row.error("status_changed_on", _("迁出或注销的企业须填写状态变更日期"))

    def assign(self, enterprise, row, *, creating):
        """Put the row's values on `enterprise`; return the names of the fields that change.

        On update only the columns present in the file are applied; a new firm takes defaults for the others.
        """
        changed = set()
        keys = self.present if not creating else set(self.by_key)
        values = row.values
        for key, name in PLAIN_FIELDS.items():
            if key in keys and key in values:
                value = values[key]
                if getattr(enterprise, name) != value:
                    setattr(enterprise, name, value)
                    changed.add(name)
        for key, name in RELATED_FIELDS.items():
            if key in keys and key in values:
                value = values[key]
                value = value.pk if isinstance(value, Zone) else value
                if getattr(enterprise, f"{name}_id") != value:
                    setattr(enterprise, f"{name}_id", value)
                    changed.add(name)
        if "former_names" in keys and "former_names" in values:
            former = "\n".join(values["former_names"])
            if enterprise.former_names != former:
                enterprise.former_names = former
                changed.add("former_names")
        if "tags" in keys and "tags" in values:
            current = set() if creating else {tag.name for tag in enterprise.tags.all()}
            if set(values["tags"]) != current:
                changed.add("tags")
        return changed

    # -- commit from the preview's rows ----------------------------------------------------------------------------

    def checked_state(self, result):
        """Each clean row's parsed values (the zone as its id, 园区 and 包联部门 as typed): the commit checks them again
        against the current data (Importer.checked_state) instead of reading and parsing the file again."""
        keys = list(result.rows[0].values) if result.rows else []
        zones = {}
        rows = []
        for row in result.rows:
            values = dict(row.values)
            zone = values["zone"]
            zones[zone.pk] = zone.name
            values["zone"] = zone.pk
            values["park"], values["service_department"] = self.place_names.get(row.number, (None, None))
            for key in DATE_KEYS:
                values[key] = values[key] and values[key].isoformat()
            capital = values["registered_capital"]
            values["registered_capital"] = None if capital is None else str(capital)
            rows.append([row.number, [values[key] for key in keys]])
        return {
            "present": sorted(self.present),
            "headers": self.file_headers,
            "zones": zones,
            "keys": keys,
            "rows": rows,
        }

    def recheck(self, state):
        """The preview's rows checked again against the data as it is now: zones, industry and region codes, 园区 and
        包联部门 by name, the registered firms (a code registered meanwhile, a firm changed or moved meanwhile) and the
        user's permissions. The file's own checks (formats, in-file duplicates) stand."""
        self.present, self.file_headers = set(state["present"]), state["headers"]
        keys = state["keys"]
        zones = Zone.objects.in_bulk([int(pk) for pk in state["zones"]])
        codes = {"industry": self.by_key["industry"].parser, "region": self.by_key["region"].parser}
        rows = []
        for number, stored in state["rows"]:
            row = Row(self, number, (), values=dict(zip(keys, stored, strict=True)))
            values = row.values
            zone_id = values["zone"]
            values["zone"] = zones.get(zone_id)
            if values["zone"] is None:  # deleted meanwhile; JSON keys are text
                row.error("zone", self.by_key["zone"].parser.unknown % {"value": state["zones"][str(zone_id)]})
            for key in DATE_KEYS:
                values[key] = values[key] and date.fromisoformat(values[key])
            if values["registered_capital"] is not None:
                values["registered_capital"] = Decimal(values["registered_capital"])
            for key, lookup in codes.items():
                code = values[key]
                found = lookup.table(self).get(code) if code else code
                if found is None and code:
                    row.error(key, lookup.unknown % {"value": code})
                elif isinstance(found, CellError):
                    row.error(key, found.message)
            self.clean_row(row)
            rows.append(row)
        match_existing(self, rows)
        return Result(rows=rows, errors=row_errors(self, rows))

    # -- commit ----------------------------------------------------------------------------------------------------

    def commit(self, rows):
        now = timezone.now()
        reason = _("导入：%(file)s") % {"file": self.job.original_name if self.job else ""}
        creates = [row for row in rows if row.action == "create"]
        updates = [row for row in rows if row.action == "update"]
        tag_ids, tags_created = self.ensure_tags(
            {name for row in creates + updates if "tags" in self.present for name in row.values.get("tags", [])}
        )
        for row in creates:
            row.instance = self.new_firm(row)
        new = insert_objects(Enterprise, [row.instance for row in creates])  # bulk_create without its compiler
        changed_objects = [row.instance for row in updates]
        fields = sorted({name for row in updates for name in row.changed} - {"tags"} | {"updated_at"})
        for enterprise in changed_objects:
            enterprise.updated_at = now
        if changed_objects:
            Enterprise.objects.bulk_update(changed_objects, fields, batch_size=500)
            moved = [row.instance.pk for row in updates if row.changed & {"zone", "park", "industry"}]
            if moved:  # bulk_update skips save(): say so for the statistics derived from the firms' placement
                placement_changed.send(sender=Enterprise, enterprise_ids=moved)
        through = Enterprise.tags.through
        retagged = [row.instance.pk for row in updates if "tags" in row.changed]
        for chunk in chunks(retagged):
            through.objects.filter(enterprise_id__in=chunk).delete()
        links = [
            (row.instance.pk, tag_ids[name])
            for row in creates + [row for row in updates if "tags" in row.changed]
            for name in row.values.get("tags", [])
        ]
        insert_rows(through, [through._meta.get_field("enterprise"), through._meta.get_field("tag")], links)
        bulk_history(Enterprise, new, user=self.user, reason=reason)
        bulk_history(Enterprise, changed_objects, user=self.user, reason=reason, update=True)
        # bulk writes send no signals: the zones' cached filter lists (industries, tags present). Not REFERENCE: no
        # cached list depends on the firms beyond their zone's, and it would rebuild every indicator and industry list.
        zone_ids = {row.instance.zone_id for row in creates + updates}
        bump(*(zone_version(zone_id) for zone_id in sorted(zone_ids)))
        return {"created": len(new), "updated": len(changed_objects), "tags_created": tags_created}

    def ensure_tags(self, names):
        if not names:
            return {}, 0
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        missing = [Tag(name=name) for name in sorted(names - set(existing))]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        return existing, len(missing)

    def record_commit(self, job, summary):
        self.audit_import(
            job,
            created=summary["created"],
            updated=summary["updated"],
            unchanged=job.unchanged_count,
            tags_created=summary["tags_created"],
        )

    # -- export ----------------------------------------------------------------------------------------------------

    @staticmethod
    def export_queryset(queryset):
        return (
            queryset.select_related("zone", "park", "service_department")
            .prefetch_related("tags")
            .order_by("name", "pk")
        )

    def export_row(self, enterprise):
        """The cells of one firm, in column order, as an import in update mode reads them back."""
        scale = self.by_key["scale"].parser
        status = self.by_key["status"].parser
        values = {
            "credit_code": enterprise.credit_code,
            "name": enterprise.name,
            "zone": enterprise.zone.name,
            "park": enterprise.park.name if enterprise.park_id else "",
            "service_department": enterprise.service_department.name if enterprise.service_department_id else "",
            "industry": enterprise.industry_id,
            "region": enterprise.region_id or "",
            "address": enterprise.address,
            "legal_representative": enterprise.legal_representative,
            "founded_on": enterprise.founded_on,
            "registered_capital": enterprise.registered_capital,
            "capital_unit": "万元" if enterprise.registered_capital is not None else "",
            "scale": scale.label(enterprise.scale) if enterprise.scale else "",
            "status": status.label(enterprise.status),
            "status_changed_on": enterprise.status_changed_on,
            "former_names": "；".join(enterprise.former_name_list),
            "main_products": enterprise.main_products,
            "tags": "、".join(sorted(tag.name for tag in enterprise.tags.all())),
        }
        return [values[column.key] for column in self.columns]
