"""Following a project into the statistics after 投产: actual output value and tax of the producing enterprise
against the designed figures, and the months since production started.

Decisions (docs/users/projects.md, "Following the project into the statistics"):
- Before 投产 (no actual date on the stage whose milestone is "production") the summary is a small dict with
  `in_production=False`, the designed figures and the planned 投产 date, so the page says 尚未投产; a project with
  neither designed figures nor a planned date gets None and the page shows nothing.
- The producing enterprise is `Project.producer`; when none is set and the investor is a registered enterprise,
  the investor stands in and the page says so (`producer_is_investor`).
- Figures are the producer's current figures of the indicators `output_value` (工业总产值) and `tax` (税金总额),
  read through the statistics read API (kaifaqu.stats.read: the statistics app's own scope, current revisions, the
  comparable base — the 上年同期 the firm reported, else its stored figure a year before). A user who
  may not view the producer's statistics gets the producer's name and the designed figures only.
- Annualised = 1—N月 × 12 ÷ N (a plain pro-rata of the latest cumulative figure; 1—2月 counts as N = 2), and the
  ratio is annualised ÷ designed. The figures are the whole firm's, so a firm that already produced other goods
  before the project shows more than the project itself; the page says so.
- Queries: the 投产 stage (1), the producer unless already loaded with the project (0–1), whether the user may view
  the producer's statistics (0 for a system admin, else 1) and the figures (1, skipped without permission): 2–4.
"""

from decimal import ROUND_HALF_UP

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.money import WAN
from kaifaqu.core.periods import cumulative_title, growth_pct, make_period, month_of, share_pct, year_of
from kaifaqu.stats.read import firm_figures, may_view_firm

from .choices import MilestoneChoices
from .models import ProjectStage

OUTPUT_VALUE = "output_value"  # 工业总产值
TAX = "tax"  # 税金总额
INDICATORS = (OUTPUT_VALUE, TAX)


def months_between(start, today):
    """Whole months from `start` to `today` (2025-06-15 → 2025-07-14 is 0, → 2025-07-15 is 1); never negative."""
    months = (today.year - start.year) * 12 + today.month - start.month - (1 if today.day < start.day else 0)
    return max(months, 0)


def annualised(cumulative, period):
    """1—N月 × 12 ÷ N: the latest cumulative figure carried over a whole year."""
    if cumulative is None:
        return None
    return (cumulative * 12 / month_of(period)).quantize(WAN, rounding=ROUND_HALF_UP)


def designed_figures(project):
    return {
        "output_value": project.expected_output_value,
        "tax": project.expected_tax,
        "jobs": project.expected_jobs,
        "capacity_quantity": project.capacity_quantity,
        "capacity_unit": project.capacity_unit,
        "products": project.products,
    }


def has_designed_figures(designed):
    return any(designed[key] not in (None, "") for key in ("output_value", "tax", "jobs", "capacity_quantity"))


def producer_of(project):
    """(the producing enterprise or None, whether it is the investor standing in for an unset producer)."""
    if project.producer_id:
        return project.producer, False
    if project.investor_id:
        return project.investor, True
    return None, False


def production_summary(project, user, today=None):
    """A dict for templates/projects/includes/production.html (see that template), or None (see the module)."""
    today = today or timezone.localdate()
    stage = (
        ProjectStage.objects.filter(project_id=project.pk, stage__milestone=MilestoneChoices.PRODUCTION)
        .values("planned_on", "actual_on")
        .first()
    ) or {"planned_on": None, "actual_on": None}
    designed = designed_figures(project)
    started_on = stage["actual_on"]
    if started_on is None:
        if not has_designed_figures(designed) and stage["planned_on"] is None:
            return None
        return {"in_production": False, "planned_on": stage["planned_on"], "designed": designed}

    producer, producer_is_investor = producer_of(project)
    summary = {
        "in_production": True,
        "started_on": started_on,
        "months": months_between(started_on, today),
        "designed": designed,
        "producer": producer,
        "producer_is_investor": producer_is_investor,
        "stats_visible": False,
        "figures": None,
    }
    if producer is None or not may_view_firm(user, producer):
        return summary
    summary["stats_visible"] = True
    summary["figures"] = statistics_figures(user, producer, designed, started_on)
    return summary


def value_of(figure):
    return figure.value if figure is not None else None


def statistics_figures(user, producer, designed, started_on):
    """The producer's latest 1—N月 output value and tax, the same period last year, last year's total and the
    annualised figure against the design (one query), or None when the firm has no figures yet."""
    table = firm_figures(user, producer, INDICATORS)
    periods = [period for period, code in table if code == OUTPUT_VALUE] or [period for period, _code in table]
    if not periods:
        return None
    latest = max(periods)
    year, month = year_of(latest), month_of(latest)
    last_year_total_period = make_period(year - 1, 12)
    labels = {OUTPUT_VALUE: _("工业总产值"), TAX: _("税金总额")}
    items = []
    for code in INDICATORS:
        figure = table.get((latest, code))
        actual = figure.value if figure else None
        last_year = figure.base if figure else None  # the comparable base: reported 上年同期, else stored
        yearly = annualised(actual, latest)
        items.append(
            {
                "code": code,
                "label": labels[code],
                "actual": actual,
                "last_year": last_year,
                "growth_pct": growth_pct(actual, last_year),
                "last_full_year": value_of(table.get((last_year_total_period, code))),
                "annualised": yearly,
                "designed": designed[code],
                "ratio_pct": share_pct(yearly, designed[code]),
            }
        )
    start_period = make_period(started_on.year, started_on.month)
    return {
        "period": latest,
        "label": cumulative_title(latest),
        "months": month,
        "last_year": year - 1,
        "last_year_label": cumulative_title(latest - 100),
        "before_production": latest < start_period,
        "items": items,
    }
