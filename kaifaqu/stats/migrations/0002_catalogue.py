"""The indicator catalogue, the three standard data sets and the default validation rules (editable later)."""

from django.db import migrations

# code, Chinese name, English name, unit, kind, is_money, allow_negative, definition
INDICATORS = [
    ("main_revenue", "主营业务收入", "Main business revenue", "万元", "flow", True, False, "规上工业划分标准所用收入（B203）"),
    ("revenue", "营业收入", "Operating revenue", "万元", "flow", True, False, "财务状况表 营业收入（B203 301）"),
    ("output_value", "工业总产值", "Gross industrial output", "万元", "flow", True, False, "当年价格，工厂法（B204-1 01）"),
    ("value_added", "工业增加值", "Industrial value added", "万元", "flow", True, False, "现价；可比价增速需录入价格指数"),
    ("total_profit", "利润总额", "Total profit", "万元", "flow", True, True, "财务状况表 利润总额（B203 327）"),
    ("tax", "税金总额", "Taxes", "万元", "flow", True, False, "税金及附加与应交增值税等"),
    ("export_delivery", "出口交货值", "Export delivery value", "万元", "flow", True, False, "B204-1 04"),
    ("rd_expense", "研发费用", "R&D expense", "万元", "flow", True, False, "财务状况表 研发费用（B203 331）"),
    ("fixed_asset_investment", "固定资产投资", "Fixed-asset investment", "万元", "flow", True, False, "计划总投资500万元及以上项目"),
    ("electricity", "用电量", "Electricity consumption", "万千瓦时", "flow", False, False, "B204-1 05"),
    ("energy_consumption", "综合能源消费量", "Total energy consumption", "吨标准煤", "flow", False, False, "205-1 折标后合计"),
    ("employees", "从业人员期末人数", "Employees at period end", "人", "stock", False, False, "期末数"),
    ("total_assets", "资产总计", "Total assets", "万元", "stock", True, False, "期末数"),
    ("total_liabilities", "负债合计", "Total liabilities", "万元", "stock", True, False, "期末数"),
]

DATA_SETS = [
    ("industry_monthly", "规上工业月报", "monthly", True, 10, [
        "main_revenue", "revenue", "output_value", "value_added", "total_profit", "tax", "export_delivery",
        "rd_expense", "electricity", "energy_consumption", "employees", "total_assets", "total_liabilities",
    ]),
    ("small_monthly", "规下小微月报", "monthly", True, 15, ["main_revenue", "revenue", "tax", "employees"]),
    ("annual", "年报", "annual", False, 31, [
        "revenue", "rd_expense", "employees", "total_assets", "total_liabilities", "fixed_asset_investment",
    ]),
]

# name, kind, left, operator, right, when, severity, message
RULES = [
    ("工业增加值不大于工业总产值", "compare", "value_added", "le", "output_value", None, "hard",
     "工业增加值不能大于工业总产值"),
    ("税金不大于营业收入", "compare", "tax", "le", "revenue", None, "soft", "税金总额大于营业收入，请核实"),
    ("出口交货值不大于工业总产值", "compare", "export_delivery", "le", "output_value", None, "hard",
     "出口交货值不能大于工业总产值"),
    ("有收入时从业人员大于0", "compare", "employees", "gt", None, "revenue", "soft", "有营业收入但从业人员为0，请核实"),
    ("负债不大于资产的两倍", "compare", "total_liabilities", "le", "total_assets", None, "soft",
     "负债合计超过资产总计的两倍，请核实"),
]
CUMULATIVE_FLOWS = ["main_revenue", "revenue", "output_value", "value_added", "tax", "export_delivery"]


def load_catalogue(apps, schema_editor):
    Indicator = apps.get_model("stats", "Indicator")
    DataSet = apps.get_model("stats", "DataSet")
    DataSetIndicator = apps.get_model("stats", "DataSetIndicator")
    ValidationRule = apps.get_model("stats", "ValidationRule")
    indicators = {}
    for order, (code, name, name_en, unit, kind, money, negative, definition) in enumerate(INDICATORS):
        indicators[code], _ = Indicator.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "unit": unit, "kind": kind, "is_money": money,
                      "allow_negative": negative, "definition": definition, "sort_order": order},
        )
    for code, name, period_type, exempt, deadline, codes in DATA_SETS:
        data_set, _ = DataSet.objects.update_or_create(
            code=code,
            defaults={"name": name, "period_type": period_type, "january_exempt": exempt, "deadline_day": min(deadline, 28)},
        )
        for order, indicator_code in enumerate(codes):
            DataSetIndicator.objects.get_or_create(
                data_set=data_set, indicator=indicators[indicator_code], defaults={"order": order}
            )
    for name, kind, left, operator, right, when, severity, message in RULES:
        ValidationRule.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "left": indicators[left], "operator": operator,
                      "right": indicators[right] if right else None,
                      "when_indicator": indicators[when] if when else None, "severity": severity, "message": message},
        )
    for code in CUMULATIVE_FLOWS:
        ValidationRule.objects.get_or_create(
            name=f"{indicators[code].name}累计值不低于上月",
            defaults={"kind": "cumulative", "left": indicators[code], "operator": "ge", "severity": "hard",
                      "message": f"{indicators[code].name}（1—N月累计）不能低于上月累计"},
        )


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]
    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
