"""Demo figures: synthetic 规上工业月报 figures for the synthetic 规上 firms of the demo zones.

- Only synthetic firms: is_demo firms of is_demo zones whose names end with （演示）, tagged 规上. A real firm never
  gets an invented figure.
- Periods 2024-02..2024-12 and 2025-02..2025-10 (January is exempt: 1—2月 comes in February), flow indicators
  cumulative from January and non-decreasing within a year, stocks at period end, consistent with the default
  rules (工业增加值 ≤ 工业总产值, 出口交货值 ≤ 工业总产值, 税金 ≤ 营业收入, 负债 ≤ 资产, 从业人员 > 0).
- Written with bulk inserts of Value rows with source "demo", not through services.record_values: every period
  is past its deadline (the write path would refuse locked periods, rightly) and checking ~80,000 figures one
  submission at a time would take minutes. The figures are built to satisfy the rules instead, and a test checks
  them against the rules.
- `entered_at` is set afterwards (auto_now_add stamps "now" on insert): most firms report a few days before each
  deadline; in the latest period a few firms in every zone report late and a few not at all, so the completeness
  page has something to chase. One firm per zone has a jump in the latest month, for the outlier scan.
- Deterministic (random.Random seeded per firm) and idempotent: a figure that exists (any source) is never
  overwritten; a second run creates nothing.
"""

import datetime
import random
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from kaifaqu.core.money import WAN
from kaifaqu.enterprises.models import Enterprise

from .calendar import deadline
from .choices import StatsCategoryChoices, ValueSourceChoices
from .models import DataSet, DataSetAssignment, EnterpriseYearStatus, Indicator, Value
from .services import assign_data_set

SEED = "kaifaqu-demo-stats-v1"
DEMO_MARK = "（演示）"
ABOVE_SCALE_TAG = "规上"
DATA_SET = "industry_monthly"
YEARS = (2024, 2025)
LAST_MONTH = {2024: 12, 2025: 10}
PERIODS = tuple(year * 100 + month for year in YEARS for month in range(2, LAST_MONTH[year] + 1))
LATEST = PERIODS[-1]
REASON = "演示数据"
BATCH = 5000

# Seasonal shape of industrial output (1—2月 as one figure: Spring Festival makes it weaker than two months).
SEASON = {2: Decimal("1.70"), 3: Decimal("1.02"), 4: Decimal("1.00"), 5: Decimal("1.02"), 6: Decimal("1.08"),
          7: Decimal("0.95"), 8: Decimal("0.96"), 9: Decimal("1.04"), 10: Decimal("1.00"), 11: Decimal("1.05"),
          12: Decimal("1.18")}  # fmt: skip


def demo_firms():
    """The synthetic 规上 firms of the demo zones, in a stable order."""
    return (
        Enterprise.objects.filter(
            is_demo=True, zone__is_demo=True, name__endswith=DEMO_MARK, tags__name=ABOVE_SCALE_TAG
        )
        .select_related("zone")
        .prefetch_related("tags")
        .order_by("zone__name", "credit_code")
        .distinct()
    )


def _money(value, rounding=ROUND_DOWN):
    return Decimal(value).quantize(WAN, rounding=rounding)


def _between(rng, low, high):
    return Decimal(str(round(rng.uniform(low, high), 4)))


def firm_figures(firm, *, exporter, jump):
    """{period: {code: Decimal}} for one firm: flows cumulative from January, stocks at period end."""
    rng = random.Random(f"{SEED}:{firm.credit_code}")
    annual_output = Decimal(str(round(2500 * 80 ** rng.random(), 2)))  # 2,500–200,000 万元, skewed like real data
    growth = _between(rng, 0.85, 1.25)
    sales_ratio = _between(rng, 0.90, 1.03)
    revenue_ratio = _between(rng, 1.00, 1.08)
    va_ratio = _between(rng, 0.20, 0.32)
    export_ratio = _between(rng, 0.10, 0.40) if exporter else None
    margin = _between(rng, -0.02, 0.09)
    tax_ratio = _between(rng, 0.02, 0.05)
    rd_ratio = _between(rng, 0.005, 0.04)
    power_ratio = _between(rng, 0.02, 0.25)  # 万千瓦时 per 万元 of output
    energy_ratio = _between(rng, 1.3, 3.5)  # 吨标准煤 per 万千瓦时 (electricity equivalent 1.229 plus other fuels)
    employees = rng.randint(40, 60) + int(annual_output / 60)
    assets = annual_output * _between(rng, 0.6, 1.5)
    leverage = _between(rng, 0.30, 0.70)
    figures = {}
    for year in YEARS:
        totals = dict.fromkeys(
            ("output_value", "main_revenue", "revenue", "value_added", "export_delivery", "total_profit", "tax",
             "rd_expense", "electricity", "energy_consumption"),
            Decimal(0),
        )  # fmt: skip
        scale = annual_output / 12 * (growth if year == 2025 else 1)
        for month in range(2, LAST_MONTH[year] + 1):
            period = year * 100 + month
            output = _money(scale * SEASON[month] * _between(rng, 0.9, 1.1))
            if jump and period == LATEST:
                output = _money(output * Decimal("3.5"))
            main_revenue = _money(output * sales_ratio)
            revenue = _money(main_revenue * revenue_ratio)
            month_figures = {
                "output_value": output,
                "main_revenue": main_revenue,
                "revenue": revenue,
                "value_added": _money(output * va_ratio),
                "export_delivery": _money(output * export_ratio) if exporter else Decimal(0),
                "total_profit": _money(revenue * margin * _between(rng, 0.7, 1.3)),
                "tax": _money(revenue * tax_ratio),
                "rd_expense": _money(revenue * rd_ratio),
                "electricity": _money(output * power_ratio),
            }
            month_figures["energy_consumption"] = _money(month_figures["electricity"] * energy_ratio)
            for code, amount in month_figures.items():
                totals[code] += amount
            employees = max(20, employees + rng.randint(-3, 4))
            assets = _money(assets * _between(rng, 0.995, 1.015))
            row = dict(totals)
            if not exporter:
                del row["export_delivery"]
            row.update(employees=Decimal(employees), total_assets=assets, total_liabilities=_money(assets * leverage))
            figures[period] = row
    return figures


def reporting_plan(firms):
    """Per zone, which firms miss the latest period, which report it late, and which one jumps (deterministic)."""
    by_zone = {}
    for firm in firms:
        by_zone.setdefault(firm.zone_id, []).append(firm)
    missing, late, jump = set(), set(), set()
    for zone_firms in by_zone.values():
        count = len(zone_firms)
        for index, firm in enumerate(zone_firms):
            if index % 14 == 5 or index == count - 1:
                missing.add(firm.pk)
            elif index % 11 == 3 or (count > 2 and index == count - 2):
                late.add(firm.pk)
        reporting = [firm.pk for firm in zone_firms if firm.pk not in missing]
        if reporting:
            jump.add(reporting[len(reporting) // 2])
    return missing, late, jump


def directory_plan(firms):
    """Per zone (with enough firms), one firm that left the 规上 directory at the end of 2024 (exits) and one that
    entered it in 2025 (entrants): the 口径差 between the comparable base and last year's published figure has
    something to explain. An entrant has no stored 2024 figures: it reports its own 上年同期 on the 2025 forms."""
    by_zone = {}
    for firm in firms:
        by_zone.setdefault(firm.zone_id, []).append(firm)
    exits, entrants = set(), set()
    for zone_firms in by_zone.values():
        if len(zone_firms) >= 8:
            exits.add(zone_firms[2].pk)
            entrants.add(zone_firms[4].pk)
    return exits, entrants


def in_directory(firm_id, year, exits, entrants):
    return not (firm_id in exits and year != YEARS[0]) and not (firm_id in entrants and year == YEARS[0])


def entry_time(period, data_set, days_before):
    due = deadline(period, period_type=data_set.period_type, deadline_day=data_set.deadline_day)
    day = due - datetime.timedelta(days=days_before)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))


@transaction.atomic
def seed_demo_stats():
    """Write the demo figures; returns counts of what was created ({} parts with 0 when everything existed)."""
    data_set = DataSet.objects.get(code=DATA_SET)
    indicators = dict(Indicator.objects.values_list("code", "pk"))
    firms = list(demo_firms())
    created = {"assignment": 0, "value": 0, "year_status": 0}
    if not firms:
        return created
    assignments, _skipped = assign_data_set(actor=None, data_set=data_set, enterprises=firms, from_period=PERIODS[0])
    created["assignment"] = len(assignments)
    exits, entrants = directory_plan(firms)
    _follow_directory(assignments, exits, entrants)
    created["year_status"] = _seed_year_statuses(firms, exits, entrants)
    missing, late, jump = reporting_plan(firms)
    ids = [f.pk for f in firms]
    existing = set(
        Value.objects.filter(enterprise_id__in=ids, period__in=PERIODS, is_current=True).values_list(
            "enterprise_id", "indicator_id", "period"
        )
    )
    rows = []
    for firm in firms:
        exporter = any(tag.name == "外贸" for tag in firm.tags.all())
        series = firm_figures(firm, exporter=exporter, jump=firm.pk in jump)
        for period, figures in series.items():
            if period == LATEST and firm.pk in missing:
                continue
            if not in_directory(firm.pk, period // 100, exits, entrants):
                continue  # not on the 规上 form that year
            priors = series.get(period - 100, {}) if firm.pk in entrants else {}
            for code, amount in figures.items():
                key = (firm.pk, indicators[code], period)
                if key in existing:
                    continue
                rows.append(
                    Value(
                        enterprise_id=firm.pk,
                        zone_id=firm.zone_id,
                        indicator_id=indicators[code],
                        period=period,
                        value=amount,
                        reported_prior=priors.get(code),  # a 新入库 firm's own 上年同期
                        data_set=data_set,
                        source=ValueSourceChoices.DEMO,
                        reason=REASON,
                    )
                )
    Value.objects.bulk_create(rows, batch_size=BATCH)
    created["value"] = len(rows)
    if rows:
        _stamp_entry_times(data_set, firms, late)
    return created


def _stamp_entry_times(data_set, firms, late):
    """Most firms report 1–6 days before the deadline (by a stable per-firm habit); late ones 4 days after it."""
    habit = {}
    for firm in firms:
        habit.setdefault(random.Random(f"{SEED}:habit:{firm.credit_code}").randint(1, 6), []).append(firm.pk)
    demo_values = Value.objects.filter(source=ValueSourceChoices.DEMO, data_set=data_set)
    for period in PERIODS:
        for days_before, firm_ids in habit.items():
            demo_values.filter(period=period, enterprise_id__in=firm_ids).update(
                entered_at=entry_time(period, data_set, days_before)
            )
    demo_values.filter(period=LATEST, enterprise_id__in=late).update(entered_at=entry_time(LATEST, data_set, -4))


def _follow_directory(assignments, exits, entrants):
    """The directory drives duties: an exit reports the 规上 form up to December 2024, an entrant from 2025."""
    for assignment in assignments:
        if assignment.enterprise_id in exits:
            DataSetAssignment.objects.filter(pk=assignment.pk).update(to_period=YEARS[0] * 100 + 12)
        elif assignment.enterprise_id in entrants:
            DataSetAssignment.objects.filter(pk=assignment.pk).update(from_period=YEARS[1] * 100 + 1)


def _seed_year_statuses(firms, exits, entrants):
    have = set(
        EnterpriseYearStatus.objects.filter(enterprise__in=firms, year__in=YEARS).values_list("enterprise_id", "year")
    )
    rows = [
        EnterpriseYearStatus(
            enterprise=firm,
            year=year,
            category=StatsCategoryChoices.INDUSTRY,
            entered_on=datetime.date(year, 1, 1),
            note=REASON,
        )
        for firm in firms
        for year in YEARS
        if (firm.pk, year) not in have and in_directory(firm.pk, year, exits, entrants)
    ]
    if rows:
        bulk_create_with_history(rows, EnterpriseYearStatus, batch_size=1000, default_change_reason=REASON)
    return len(rows)
