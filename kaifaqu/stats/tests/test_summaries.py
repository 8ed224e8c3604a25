"""The summary tables (汇总表) stay exact: after any sequence of value writes and revisions, firm relocations and
industry changes, directory rows recorded and removed, the table equals a recomputation from the base rows (done
here in Python, independently of the SQL that maintains it), and totals() read from it equals totals() over the
base rows. Also: the rebuild command, the fallback to base rows for chains and tags, and the dashboard's queries.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from kaifaqu.enterprises.models import Enterprise
from kaifaqu.enterprises.services import relocate_enterprise
from kaifaqu.stats.aggregation import (
    GROUPS,
    Narrowing,
    StatsViewer,
    rank_zones,
    scope_of,
    summarize,
    totals,
)
from kaifaqu.stats.choices import StatsCategoryChoices
from kaifaqu.stats.models import DataSet, EnterpriseYearStatus, FigureSummary, Indicator, Value
from kaifaqu.stats.services import Submission, record_values, record_year_status, remove_year_status
from kaifaqu.stats.summaries import directory_bit, directory_mask, rebuild_summaries
from kaifaqu.zones.models import IndustryChain, Park

PERIODS = (202402, 202403, 202502, 202503)
P = 202503
CODES = ("revenue", "tax")
INDUSTRIES = ("2651", "3411", "1711")  # C 26, C 34, C 17
CATEGORIES = ("industry", "wholesale")
D = Decimal
NOW = timezone.make_aware(datetime.datetime(2025, 4, 5, 10))


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


def stored_rows():
    """The summary table as a set of tuples (amounts to 4 places, as stored)."""
    fields = ("zone_id", "indicator_id", "period", "park_id", "section", "division", "directory")
    measures = ("current", "firms", "comparable", "compared_firms", "current_compared", "gross", "largest")
    return {
        tuple(row[:7]) + tuple(amount(v) for v in row[7:])
        for row in FigureSummary.objects.values_list(*fields, *measures)
    }


def amount(value):
    return value.quantize(D("0.0001")) if isinstance(value, Decimal) else value


def recomputed_rows():
    """The summary table worked out in Python from the current values, the firms and the directory."""
    current = {
        (v.enterprise_id, v.indicator_id, v.period): v
        for v in Value.objects.filter(is_current=True).select_related("enterprise__industry")
    }
    statuses = {(s.enterprise_id, s.year): s.category for s in EnterpriseYearStatus.objects.all()}
    groups = {}
    for (firm_id, indicator_id, period), value in current.items():
        firm = value.enterprise
        category = statuses.get((firm_id, period // 100))
        key = (
            value.zone_id,
            indicator_id,
            period,
            firm.park_id,
            firm.industry.section,
            firm.industry.division,
            directory_bit(category) if category else 0,
        )
        prior = current.get((firm_id, indicator_id, period - 100))
        base = value.reported_prior if value.reported_prior is not None else (prior.value if prior else None)
        groups.setdefault(key, []).append((value.value, base))
    rows = set()
    for key, figures in groups.items():
        bases = [(v, b) for v, b in figures if b is not None]
        rows.add(
            key
            + (
                amount(sum(v for v, _b in figures)),
                len(figures),
                amount(sum(b for _v, b in bases)) if bases else None,
                len(bases),
                amount(sum(v for v, _b in bases)) if bases else None,
                amount(sum(abs(v) for v, _b in figures)),
                amount(max(abs(v) for v, _b in figures)),
            )
        )
    return rows


def base_and_summary_totals(zone_ids, indicator_ids, group, narrowing):
    """totals() over the base rows and from the summaries, in the directory scope of the 规上 form."""
    scope = scope_of(zone_ids, P, Indicator.objects.get(code="revenue"), DataSet.objects.get(code="industry_monthly"))
    values = Value.objects.filter(zone_id__in=zone_ids, is_current=True)
    common = {"period": P, "indicator_ids": indicator_ids, "group": group, "narrowing": narrowing, "scope": scope}
    return totals(values, **common), totals(values, **common, zone_ids=zone_ids)


# -- the random sequences -------------------------------------------------------------------------------------------

FIRM = st.integers(0, 3)
WRITE = st.tuples(
    st.just("write"),
    FIRM,
    st.sampled_from(PERIODS),
    st.sampled_from(CODES),
    st.decimals(min_value=-50, max_value=500, places=2, allow_nan=False, allow_infinity=False),
    st.none() | st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False),
)
MOVE = st.tuples(st.just("move"), FIRM, st.sampled_from(["zone_a", "zone_b"]), st.booleans())
INDUSTRY = st.tuples(st.just("industry"), FIRM, st.sampled_from(INDUSTRIES))
DIRECTORY = st.tuples(st.just("directory"), FIRM, st.sampled_from([2024, 2025]), st.sampled_from(CATEGORIES))
LEAVE = st.tuples(st.just("leave"), FIRM, st.sampled_from([2024, 2025]))
# a few figures first, so that the changes after them have something to move
STEPS = st.builds(
    lambda first, then: first + then,
    st.lists(WRITE, min_size=2, max_size=5),
    st.lists(st.one_of(WRITE, MOVE, INDUSTRY, DIRECTORY, DIRECTORY, LEAVE), min_size=1, max_size=10),
)


def apply(step, world, firms, actor, data_set):
    kind, index, *rest = step
    firm = Enterprise.objects.get(pk=firms[index].pk)
    if kind == "write":
        period, code, figure, prior = rest
        priors = {code: prior} if prior is not None else {}
        submission = Submission(firm, period, {code: figure}, priors=priors)
        # checked=([], {}): the batch checks (assignments, locks, rules) are not what is tested here
        record_values(actor=actor, data_set=data_set, submissions=[submission], source="form", checked=([], {}))
    elif kind == "move":
        zone_name, in_park = rest
        zone = world[zone_name]
        park = Park.objects.filter(zone=zone).first() if in_park else None
        relocate_enterprise(actor=actor, enterprise=firm, to_zone=zone, to_park=park, moved_on=NOW.date())
    elif kind == "industry":
        firm.industry_id = rest[0]
        firm.save()
    elif kind == "directory":
        year, category = rest
        record_year_status(actor=actor, enterprise=firm, year=year, category=category, data_sets=[])
    else:
        status = EnterpriseYearStatus.objects.filter(enterprise=firm, year=rest[0]).first()
        if status is not None:
            remove_year_status(actor=actor, status=status, data_sets=[])


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_writes_keep_the_summaries_exact(world, personas, steps):
    actor = personas["system_admin"]
    data_set = DataSet.objects.get(code="industry_monthly")
    zone_ids = [world["zone_a"].pk, world["zone_b"].pk]
    indicator_ids = list(Indicator.objects.filter(code__in=CODES).values_list("pk", flat=True))
    with transaction.atomic():
        firms = [world["firm_1"], world["firm_2"], world["firm_b"]]
        extra = Enterprise.objects.create(
            credit_code=credit_code(900), name="随机丁", zone=world["zone_a"], industry_id="1711"
        )
        firms.append(extra)
        for step in steps:
            apply(step, world, firms, actor, data_set)
        assert stored_rows() == recomputed_rows()
        for group in (None, "park", "section", "division", "zone"):
            for narrowing in (Narrowing(), Narrowing(outside_parks=True), Narrowing(section="C", division="34")):
                base, summary = base_and_summary_totals(zone_ids, indicator_ids, group, narrowing)
                assert summary == base, (group, narrowing)
            base, summary = base_and_summary_totals(zone_ids[:1], indicator_ids, group, Narrowing())
            assert summary == base, group
        transaction.set_rollback(True)


# -- the pieces ------------------------------------------------------------------------------------------------------


def test_directory_bits_follow_the_categories():
    assert [directory_bit(c) for c in StatsCategoryChoices.values] == [1 << i for i in range(7)]
    assert directory_mask(["industry", "wholesale"]) == 0b101  # 规上工业 first, 限上批发 third


@pytest.fixture
def figures(world, personas):
    data_set = DataSet.objects.get(code="industry_monthly")
    submissions = [
        Submission(world["firm_1"], 202403, {"revenue": D(100)}),
        Submission(world["firm_2"], 202403, {"revenue": D(50)}),
        Submission(world["firm_1"], P, {"revenue": D(120)}),
        Submission(world["firm_2"], P, {"revenue": D(45)}),
        Submission(world["firm_b"], P, {"revenue": D(500)}),
    ]
    record_values(
        actor=personas["system_admin"], data_set=data_set, submissions=submissions, source="form", checked=([], {})
    )
    return Indicator.objects.get(code="revenue")


def test_rebuild_command_restores_what_a_bulk_write_skipped(world, figures):
    kept = stored_rows()
    assert kept == recomputed_rows() and kept
    Value.objects.filter(period=P, enterprise=world["firm_1"]).update(value=D(130))  # no refresh: a bulk write
    assert stored_rows() != recomputed_rows()
    call_command("rebuild_stats_summaries", "--zone", str(world["zone_b"].pk), verbosity=0)
    assert stored_rows() != recomputed_rows()  # zone A not rebuilt
    call_command("rebuild_stats_summaries", verbosity=0)
    assert stored_rows() == recomputed_rows()
    FigureSummary.objects.all().delete()
    assert rebuild_summaries() == 2 and stored_rows() == recomputed_rows()


def test_chain_and_tag_read_the_base_rows(world, personas, figures):
    """A firm may be in several chains: the summaries hold no chain, so chain groups and narrowing read base rows."""
    chain = IndustryChain.objects.create(zone=world["zone_a"], name="新材料产业链")
    world["firm_1"].chains.add(chain)
    FigureSummary.objects.all().delete()  # were they read, these figures would be empty
    viewer = StatsViewer(personas["system_admin"])
    zone = [world["zone_a"].pk]
    by_chain = summarize(viewer, zone_ids=zone, period=P, indicator=figures, group_by="chain")
    assert [(c.key, c.current) for c in by_chain.groups] == [(chain.pk, D(120)), (None, D(45))]
    narrowed = summarize(viewer, zone_ids=zone, period=P, indicator=figures, narrowing=Narrowing(chain_id=chain.pk))
    assert narrowed.total.current == D(120)
    assert summarize(viewer, zone_ids=zone, period=P, indicator=figures).total.current is None  # read summaries


def test_ranking_reads_the_summaries_in_one_group_by(world, personas, figures):
    viewer = StatsViewer(personas["system_admin"])
    zones = [world["zone_a"].pk, world["zone_b"].pk]
    with CaptureQueriesContext(connection) as captured:
        rows = rank_zones(viewer, zone_ids=zones, period=P, indicator=figures)
    assert [(r.zone, r.cell.current, r.cell.previous) for r in rows] == [
        (world["zone_b"], D(500), None),
        (world["zone_a"], D(165), D(150)),
    ]
    summaries = [q for q in captured.captured_queries if FigureSummary._meta.db_table in q["sql"]]
    assert len(summaries) == 1 and Value._meta.db_table not in summaries[0]["sql"]


def test_the_dashboard_reads_summaries_and_its_queries_do_not_grow(world, personas, client_for, figures):
    client = client_for(personas["staff_a"])
    url = reverse("stats:dashboard", args=[world["zone_a"].pk]) + "?period=2025-03&indicator=revenue"
    client.get(url)  # warm up the session and per-process caches
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.context["summary"].total.current == D(165)
    for serial in range(20):  # more firms, parks and industries: more summary rows, the same queries
        firm = Enterprise.objects.create(
            credit_code=credit_code(700 + serial),
            name=f"汇总企业{serial}",
            zone=world["zone_a"],
            park=world["park_a"] if serial % 2 else None,
            industry_id=INDUSTRIES[serial % 3],
        )
        record_values(
            actor=personas["system_admin"],
            data_set=DataSet.objects.get(code="industry_monthly"),
            submissions=[Submission(firm, P, {"revenue": D(serial)}), Submission(firm, 202403, {"revenue": D(1)})],
            source="form",
            checked=([], {}),
        )
    client.get(url)  # the new firms bumped the data versions: the reference lists are read once again
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.context["summary"].total.current == D(165 + sum(range(20)))
    assert len(many) == len(few)


def test_a_firm_moved_between_parks_moves_its_figures(world, personas, figures):
    viewer = StatsViewer(personas["system_admin"])
    zone = [world["zone_a"].pk]
    park = world["park_a"].pk
    before = summarize(viewer, zone_ids=zone, period=P, indicator=figures, group_by="park")
    assert {c.key: c.current for c in before.groups} == {park: D(120), None: D(45)}
    relocate_enterprise(
        actor=personas["system_admin"],
        enterprise=world["firm_2"],
        to_zone=world["zone_a"],
        to_park=world["park_a"],
        moved_on=NOW.date(),
    )
    after = summarize(viewer, zone_ids=zone, period=P, indicator=figures, group_by="park")
    assert {c.key: c.current for c in after.groups} == {park: D(165)}
    assert GROUPS["park"] == "enterprise__park_id"  # the base rows' key, which the summaries' park_id matches


def test_a_firm_saved_after_a_refresh_from_the_database_still_moves_its_figures(world, personas, figures):
    viewer = StatsViewer(personas["system_admin"])
    zone = [world["zone_a"].pk]
    firm = Enterprise.objects.get(pk=world["firm_2"].pk)
    Enterprise.objects.filter(pk=firm.pk).update(park=world["park_a"])  # behind the instance's back
    rebuild_summaries()  # the summaries say park A now
    firm.refresh_from_db()
    firm.park = None  # back to what the instance first loaded: a change of the stored row all the same
    firm.save()
    by_park = summarize(viewer, zone_ids=zone, period=P, indicator=figures, group_by="park")
    assert {c.key: c.current for c in by_park.groups} == {world["park_a"].pk: D(120), None: D(45)}
    assert stored_rows() == recomputed_rows()
