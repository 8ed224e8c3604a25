"""bench/stats_dashboard.py at a tiny size inside the suite: its data, the summaries built from it, and both sides of
every scenario giving the same figures (the bench refuses to time a mismatch). No timing here."""

import sys
from pathlib import Path

import pytest
from django.db import connection

from kaifaqu.accounts.models import User
from kaifaqu.stats.aggregation import StatsViewer
from kaifaqu.stats.models import FigureSummary, Indicator
from kaifaqu.stats.summaries import rebuild_summaries

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import stats_dashboard

        yield stats_dashboard
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.django_db
def test_the_dashboard_bench_compares_equal_figures_at_a_tiny_size(bench):
    zones, written, _seconds = bench.generate(3, 48, 13, 202512)
    assert written > 0
    rebuild_summaries()
    assert FigureSummary.objects.exists()
    viewer = StatsViewer(User.objects.create(username="bench-admin", is_superuser=True))
    main = Indicator.objects.get(code="main_revenue")
    card_ids = list(Indicator.objects.filter(code__in=bench.INDICATORS).values_list("pk", flat=True))
    zone, zone_ids = zones[0], [z.pk for z in zones]
    pairs = [
        (bench.orm_dashboard(viewer, zone.pk, 202512, main), bench.hand_dashboard(zone.pk, 202512, card_ids, main.pk)),
        (bench.orm_rows(viewer, zone.pk, 202512, main), bench.hand_rows(zone.pk, 202512, main.pk)),
        (bench.orm_ranking(viewer, zone_ids, 202512, main), bench.hand_ranking(zone_ids, 202512, main.pk)),
    ]
    for orm, hand in pairs:
        assert orm and bench.same(orm, hand)
    bench.print_plans("ranking", lambda: bench.orm_ranking(viewer, zone_ids, 202512, main))  # EXPLAIN runs here
    assert connection.vendor in ("sqlite", "postgresql")
