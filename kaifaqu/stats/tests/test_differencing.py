"""Differencing attacks on what an enterprise user is given (统计法: 单个企业的统计资料保密), end to end.

A constructed zone (zone A, 1—3月 2025 against 2024) built to be hostile: a park of one firm, a park and a division
meeting in one firm, a chain that is a park plus one firm, a firm above 85% of its park, entrants (one reporting its
own 上年同期, one with a stored figure), a firm that left the directory (and still reports), a directory firm that has
not reported, a firm with no base, a firm outside the directory, and the issue's reproduction: division 38 is five
firms, four of them in one chain, so "division 38" minus "division 38 and that chain" would be one firm's 工业总产值.

For each enterprise user, every aggregate it is given for that zone, period and indicator is enumerated — the summary
API (total and every group_by), the dashboard's data (total, by park, by industry, the card, the month of the trend)
— and written as rows over the firms: each shown number is the sum of one per-firm vector (本期 or 上年同期) over a
set of firms, the sets worked out from the fixture below, never from the numbers shown. Then (a) no firm's figure
lies in the row space of all of them (exact, rational) and (b) every firm's feasible interval given all of them and
x ≥ 0 covers ±10% of its figure (linear programmes). The same rows with the withheld cells put back (what primary
n<k suppression alone showed) fail both audits, so the test is not vacuous. An enterprise user also knows its own
firm's figures: with them added, no other firm is disclosed either.

Two tests pin bugs this file found (now fixed): the month of the trend showed the 上年公布数 the published tables
withheld, and group_by=section was a 500 for enterprise users.
"""

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from stdnum.cn import uscc

from kaifaqu.core.periods import growth_pct, share_pct
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.stats.aggregation import CARD_INDICATORS, NO_NARROWING, StatsViewer, scope_of
from kaifaqu.stats.disclosure import CURRENT, PRIOR, Item
from kaifaqu.stats.models import EnterpriseYearStatus, Indicator, Value
from kaifaqu.stats.reconciliation import firm_figures
from kaifaqu.stats.views.dashboard import dashboard_data
from kaifaqu.zones.models import IndustryChain, Park

from .disclosure_audit import disclosed_firms, interval_failures

P, PREV = 202503, 202403
MARCH = 2  # index of 3月 in the trend's lists
D = Decimal
API = "/api/stats/summary/"
UNENTITLED = ("firm_1_user", "firm_2_user")
ENTITLED = ("zone_admin_a", "staff_a", "leader_a", "region_viewer")
INDICATORS = ("output_value", "main_revenue")
K = 3  # settings.STATS_MIN_GROUP_SIZE


@dataclass(frozen=True)
class Spec:
    """One firm of the constructed zone. Figures per indicator: (2025-03, stored 2024-03, reported 上年同期)."""

    key: str
    name: str
    park: str | None
    industry: str
    chains: tuple
    years: tuple  # 规上工业 directories (EnterpriseYearStatus, category "industry")
    revenue: tuple
    output: tuple


# fmt: off
FIRMS = [
    # P1 (world's park_a): four reporters and a leaver; with F13 they make chain C1.
    Spec("F01", "（world 的 firm_1）", "P1", "2651", ("C1",), (2024, 2025), (120, 100, None), (150, 128, None)),
    Spec("F03", "高平丙材料", "P1", "2651", ("C1",), (2024, 2025), (90, 85, None), (110, 101, None)),
    Spec("F04", "高平丁材料", "P1", "2651", ("C1",), (2024, 2025), (75, 70, None), (95, 88, None)),
    Spec("F05", "高平淀粉（园区∩行业13唯一）", "P1", "1391", ("C1",), (2024, 2025), (60, 50, None), (70, 61, None)),
    Spec("F06", "退出名录企业", "P1", "2651", (), (2024,), (42, 40, None), (50, 48, None)),  # still reports
    # P2: F07 is above 85% of it.
    Spec("F07", "光伏龙头（占园区87%）", "P2", "3825", ("C2",), (2024, 2025), (5000, 4500, None), (6000, 5400, None)),
    Spec("F08", "光伏乙", "P2", "3825", ("C2",), (2024, 2025), (300, 280, None), (360, 330, None)),
    Spec("F09", "光伏丙", "P2", "3825", ("C2",), (2024, 2025), (250, 240, None), (300, 290, None)),
    Spec("F10", "装备甲", "P2", "3411", (), (2024, 2025), (200, 190, None), (240, 230, None)),
    # P3: one firm.
    Spec("F11", "光伏丁（独家园区）", "P3", "3825", ("C2",), (2024, 2025), (400, 360, None), (480, 430, None)),
    # no park
    Spec("F02", "（world 的 firm_2）", None, "3411", (), (2024, 2025), (45, 50, None), (60, 64, None)),
    Spec("F12", "新入库光伏（填报上年同期）", None, "3825", (), (2025,), (150, None, 130), (180, None, 155)),
    Spec("F13", "淀粉乙（C1 = P1 + 本企业）", None, "1391", ("C1",), (2024, 2025), (80, 75, None), (96, 90, None)),
    Spec("F14", "新入库淀粉（上年规下有数）", None, "1391", (), (2025,), (35, 30, None), (42, 36, None)),
    Spec("F15", "新入库淀粉（缺上年同期）", None, "1391", (), (2025,), (25, None, None), (30, None, None)),
    Spec("F16", "本期未报企业", None, "3411", (), (2024, 2025), (None, 55, None), (None, 66, None)),
    Spec("F17", "装备乙", None, "3411", (), (2024, 2025), (110, 100, None), (130, 120, None)),
    Spec("F18", "名录外企业", "P1", "2651", ("C1",), (), (20, 18, None), (24, 21, None)),
]
# fmt: on


def credit_code(serial):
    body = f"9114058{serial:010d}"
    return body + uscc.calc_check_digit(body)


@dataclass(frozen=True)
class Truth:
    """A firm as the fixture makes it: what firm_figures must find, worked out from the Spec alone."""

    id: int
    key: str
    park: int | None
    division: str
    chains: frozenset
    current: Decimal | None
    base: Decimal | None
    last_year: Decimal | None

    @property
    def prior(self):
        """The firm's figure in the prior vector (as in kaifaqu.stats.published.FirmFigures)."""
        return self.base if self.current is not None and self.base is not None else self.last_year


@pytest.fixture
def zone(world):
    """Zone A as in FIRMS, with zone B's firm reporting too (it must show nowhere)."""
    return build_zone(world, FIRMS)


def build_zone(world, specs):
    w = world
    parks = {
        "P1": w["park_a"],
        "P2": Park.objects.create(zone=w["zone_a"], name="高平装备制造园"),
        "P3": Park.objects.create(zone=w["zone_a"], name="高平光伏园"),
    }
    chains = {
        "C1": IndustryChain.objects.create(zone=w["zone_a"], name="新材料产业链"),
        "C2": IndustryChain.objects.create(zone=w["zone_a"], name="光伏装备产业链"),
    }
    indicators = {code: Indicator.objects.get(code=code) for code in INDICATORS}
    firms = {}
    values = []
    for serial, spec in enumerate(specs, start=300):
        if spec.key == "F01":
            firm = w["firm_1"]
        elif spec.key == "F02":
            firm = w["firm_2"]
        else:
            firm = Enterprise.objects.create(
                credit_code=credit_code(serial),
                name=spec.name,
                zone=w["zone_a"],
                park=parks.get(spec.park),
                industry_id=spec.industry,
            )
        assert firm.park_id == (parks[spec.park].pk if spec.park else None) and firm.industry_id == spec.industry
        firm.chains.add(*(chains[c] for c in spec.chains))
        for year in spec.years:
            EnterpriseYearStatus.objects.create(enterprise=firm, year=year, category="industry")
        for code, (now, stored, reported) in (("main_revenue", spec.revenue), ("output_value", spec.output)):
            if now is not None:
                values.append(value(firm, indicators[code], P, now, reported))
            if stored is not None:
                values.append(value(firm, indicators[code], PREV, stored, None))
        firms[spec.key] = firm
    firm_b = w["firm_b"]
    for year in (2024, 2025):
        EnterpriseYearStatus.objects.create(enterprise=firm_b, year=year, category="industry")
    for code in INDICATORS:
        values += [value(firm_b, indicators[code], P, 900, None), value(firm_b, indicators[code], PREV, 800, None)]
    Value.objects.bulk_create(values)
    return {"firms": firms, "parks": parks, "chains": chains, "zone": w["zone_a"], "specs": specs}


def value(firm, indicator, period, amount, reported):
    return Value(
        enterprise=firm,
        zone=firm.zone,
        indicator=indicator,
        period=period,
        value=D(amount),
        reported_prior=None if reported is None else D(reported),
        source="demo",
    )


def truth(zone, code):
    """{firm id: Truth} of the firms behind zone A's figures of `code` (firms with neither a figure in scope this
    period nor one in last year's published figure are left out: they are in no shown sum)."""
    found = {}
    for spec in zone["specs"]:
        now, stored, reported = spec.revenue if code == "main_revenue" else spec.output
        current = D(now) if now is not None and 2025 in spec.years else None
        base = None
        if current is not None:
            base = D(reported) if reported is not None else (D(stored) if stored is not None else None)
        last_year = D(stored) if stored is not None and 2024 in spec.years else None
        if current is None and last_year is None:
            continue
        firm = zone["firms"][spec.key]
        found[firm.pk] = Truth(
            firm.pk,
            spec.key,
            zone["parks"][spec.park].pk if spec.park else None,
            spec.industry[:2],
            frozenset(zone["chains"][c].pk for c in spec.chains),
            current,
            base,
            last_year,
        )
    return found


def id_of(zone, key):
    return zone["firms"][key].pk


# -- a shown number as a row over the firms ------------------------------------------------------------------------


def members(model, table, key):
    if table == "total":
        return list(model.values())
    if table == "chain":
        return [f for f in model.values() if key in f.chains]
    return [f for f in model.values() if (f.park if table == "park" else f.division) == key]


def cell_sets(model, table, key):
    """(S_cur, S_cmp, S_pub) of a cell: firms with a figure this period, of those with a base, firms counted in
    last year's published figure."""
    found = members(model, table, key)
    current = [f for f in found if f.current is not None]
    compared = [f for f in current if f.base is not None]
    published = [f for f in found if f.last_year is not None]
    return current, compared, published


def ids(firms):
    return frozenset(f.id for f in firms)


def total_of(firms, figure):
    return sum((getattr(f, figure) for f in firms), D(0))


class Enumeration:
    """Every number an unentitled viewer was shown, as Items (vector, firm set, value), with where each was seen."""

    def __init__(self, model):
        self.model = model
        self.items = {}
        self.cells = set()  # (table, key) of every cell seen
        self.numbers = 0

    def add(self, vector, firms, amount, source):
        if firms:
            self.items.setdefault(Item(vector, ids(firms), amount), []).append(source)

    def cell(self, table, key, shown, source):
        """One cell as shown: {value, previous, previous_published, growth_pct, growth_pct_published, share_pct}.

        Each shown number is checked against the fixture's sums first, so the row it becomes is the right one."""
        assert table == "total" or members(self.model, table, key), f"{source}: a cell of no firm of the fixture"
        self.cells.add((table, key))
        current, compared, published = cell_sets(self.model, table, key)
        everyone, _c, _p = cell_sets(self.model, "total", None)
        where = f"{source} {table}={key}"
        shown = {name: None if amount is None else D(amount) for name, amount in shown.items()}
        self.numbers += sum(1 for amount in shown.values() if amount is not None)
        if shown.get("value") is not None:
            assert shown["value"] == total_of(current, "current"), where
            self.add(CURRENT, current, shown["value"], f"{where} value")
        if shown.get("previous") is not None:
            assert shown["previous"] == total_of(compared, "base"), where
            self.add(PRIOR, compared, shown["previous"], f"{where} previous")
        if shown.get("growth_pct") is not None:  # with `previous`, gives 本期 of the firms that have a base
            assert shown.get("previous") is not None, f"{where}: a growth without its base"
            expected = growth_pct(total_of(compared, "current"), total_of(compared, "base"))
            assert shown["growth_pct"] == expected, where
            self.add(CURRENT, compared, total_of(compared, "current"), f"{where} growth_pct")
            self.add(PRIOR, compared, total_of(compared, "base"), f"{where} growth_pct")
        if shown.get("previous_published") is not None:
            assert shown["previous_published"] == total_of(published, "last_year"), where
            self.add(PRIOR, published, shown["previous_published"], f"{where} previous_published")
        if shown.get("growth_pct_published") is not None:  # with `value`, gives the published previous figure
            expected = growth_pct(total_of(current, "current"), total_of(published, "last_year"))
            assert shown["growth_pct_published"] == expected, where
            self.add(CURRENT, current, total_of(current, "current"), f"{where} growth_pct_published")
            self.add(PRIOR, published, total_of(published, "last_year"), f"{where} growth_pct_published")
        if shown.get("share_pct") is not None:  # with the total, gives the cell's value
            expected = share_pct(total_of(current, "current"), total_of(everyone, "current"))
            assert shown["share_pct"] == expected, where
            self.add(CURRENT, current, total_of(current, "current"), f"{where} share_pct")
            self.add(CURRENT, everyone, total_of(everyone, "current"), f"{where} share_pct (total)")

    def figures(self):
        return {
            CURRENT: {f.id: f.current for f in self.model.values() if f.current is not None},
            PRIOR: {f.id: f.prior for f in self.model.values() if f.prior is not None},
        }

    def firm_ids(self):
        return sorted(self.model)


SHOWN = ("value", "previous", "previous_published", "growth_pct", "growth_pct_published", "share_pct")


def from_api(data):
    return {name: data.get(name) for name in SHOWN}  # the total has no share_pct: None


def from_cell(cell):
    return {
        "value": cell.current,
        "previous": cell.previous,
        "previous_published": cell.published,
        "growth_pct": cell.growth_pct,
        "growth_pct_published": cell.published_growth_pct,
        "share_pct": cell.share_pct,
    }


def api_key(table, key):
    if key is None or table == "division":
        return key
    return int(key)


API_TABLES = {"park": "park", "industry": "division", "division": "division", "chain": "chain"}


def summary(client, zone, code, **params):
    query = {"zone": zone["zone"].pk, "period": "2025-03", "indicator": code, **params}
    return client.get(API, query, secure=True)


def enumerate_shown(zone, personas, client_for, persona, code):
    """Everything `persona` is given for zone A, 2025-03 and `code`, as an Enumeration; also returns the page data."""
    found = Enumeration(truth(zone, code))
    client = client_for(personas[persona])
    plain = summary(client, zone, code)
    assert plain.status_code == 200
    data = plain.json()
    assert data["share_of_zone_pct"] is None and data["min_group_size"] == K
    found.cell("total", None, from_api(data), "api")
    for group_by, table in API_TABLES.items():
        response = summary(client, zone, code, group_by=group_by)
        assert response.status_code == 200, group_by
        grouped = response.json()
        found.cell("total", None, from_api(grouped), f"api group_by={group_by}")
        for group in grouped["groups"]:
            found.cell(table, api_key(table, group["key"]), from_api(group), f"api group_by={group_by}")

    indicator = Indicator.objects.get(code=code)
    viewer = StatsViewer(personas[persona])
    page = dashboard_data(viewer, zone["zone"], P, indicator, NO_NARROWING)
    assert not page["entitled"] and page["top"] == [] and page["reconciliation"] is None
    assert page["completeness"] is None
    found.cell("total", None, from_cell(page["summary"].total), "page total")
    for cell in page["by_park"]:
        found.cell("park", cell.key, from_cell(cell), "page by_park")
    for cell in page["by_industry"]:
        found.cell("division", cell.key, from_cell(cell), "page by_industry")
    card = next(card["cell"] for card in page["cards"] if card["indicator"].code == code)
    found.cell("total", None, from_cell(card), "page card")
    trend = page["trend"]
    found.cell("total", None, {"value": trend["this"][MARCH]}, "page trend 2025")
    found.cell("total", None, {"previous_published": trend["last"][MARCH]}, "page trend 2024")
    others = [x for n, x in enumerate(trend["this"] + trend["last"]) if n % 12 != MARCH]
    assert others == [None] * 22  # the fixture has figures for March only
    return found, page


# -- the tests -------------------------------------------------------------------------------------------------------


def test_the_fixture_is_what_firm_figures_finds(zone, personas):
    """The rows' firm sets come from the fixture; they must be the firms the application counts."""
    for code in INDICATORS:
        indicator = Indicator.objects.get(code=code)
        viewer = StatsViewer(personas["staff_a"])
        scope = scope_of([zone["zone"].pk], P, indicator)
        rows = firm_figures(viewer.values([zone["zone"].pk]), scope, indicator)
        found = {
            r.enterprise_id: (r.park_id, r.division, r.chain_ids, r.current, r.base if r.current is not None else None)
            + (r.last_year,)
            for r in rows
            if r.current is not None or r.last_year is not None
        }
        expected = {
            f.id: (f.park, f.division, f.chains, f.current, f.base, f.last_year) for f in truth(zone, code).values()
        }
        assert found == expected
    # the hostile shapes are there
    model = truth(zone, "output_value")
    parks, chains = zone["parks"], zone["chains"]
    assert len(cell_sets(model, "park", parks["P3"].pk)[0]) == 1
    in_p1_13 = [f for f in members(model, "park", parks["P1"].pk) if f.division == "13" and f.current is not None]
    assert [f.key for f in in_p1_13] == ["F05"]
    p1, c1 = ids(cell_sets(model, "park", parks["P1"].pk)[0]), ids(cell_sets(model, "chain", chains["C1"].pk)[0])
    assert c1 - p1 == {id_of(zone, "F13")} and p1 < c1
    p2 = cell_sets(model, "park", parks["P2"].pk)[0]
    assert max(f.current for f in p2) * 100 > 85 * total_of(p2, "current")
    d38, c2 = ids(cell_sets(model, "division", "38")[0]), ids(cell_sets(model, "chain", chains["C2"].pk)[0])
    assert (len(d38), len(d38 & c2), d38 - c2) == (5, 4, {id_of(zone, "F12")})


OWN = {"firm_1_user": "F01", "firm_2_user": "F02"}


@pytest.mark.parametrize("code", INDICATORS)
@pytest.mark.parametrize("persona", UNENTITLED)
def test_no_firm_is_disclosed_by_everything_shown(zone, personas, client_for, persona, code):
    found, page = enumerate_shown(zone, personas, client_for, persona, code)
    items = list(found.items)
    assert len(found.model) == 17 and found.numbers >= 80 and len(items) >= 12  # something real was shown
    leaks = disclosed_firms(items, found.firm_ids())
    assert leaks == set(), describe(found, leaks)
    assert interval_failures(items, found.figures()) == []
    # An enterprise user also knows its own firm's figures: they pin no other firm either.
    own = id_of(zone, OWN[persona])
    figures = found.figures()
    known = [Item(vector, frozenset({own}), figures[vector][own]) for vector in (CURRENT, PRIOR)]
    assert disclosed_firms(items + known, found.firm_ids()) == {(CURRENT, own), (PRIOR, own)}
    assert [f for f in interval_failures(items + known, figures) if f[1] != own] == []
    assert_trend_withholds_what_the_total_withholds(page)


def assert_trend_withholds_what_the_total_withholds(page):
    """The month of the trend is the zone total again (2025) and last year's published total (2024): what the
    published tables withhold there, the trend must withhold too."""
    total = page["summary"].total
    if total.current is None:
        assert page["trend"]["this"][MARCH] is None
    if total.published is None:
        assert page["trend"]["last"][MARCH] is None, "the trend shows the withheld 上年公布数"


# Four firms in both directories and one entrant reporting its own 上年同期, all in one division and no park:
# 上年同期（同口径）− 上年公布数 is the entrant's 上年同期, so one of the two zone totals must go (the smaller).
SMALL = [
    Spec(f"S{n}", f"小区企业{n}", None, "2651", (), (2024, 2025), (now, before, None), (now, before, None))
    for n, (now, before) in enumerate([(100, 90), (110, 100), (120, 105), (130, 120)], start=1)
] + [Spec("S5", "新入库（填报上年同期）", None, "2651", (), (2025,), (60, None, 50), (60, None, 50))]


def test_the_trend_is_no_back_door(world, personas, client_for):
    small = build_zone(world, SMALL)
    found, page = enumerate_shown(small, personas, client_for, "firm_1_user", "main_revenue")
    total = page["summary"].total
    # one of the two must go (the entrant's 50 is the difference): last year's published figure is kept — it is
    # last year's own table, which the viewer can ask for — so the comparable base is withheld
    assert total.published == D(415) and total.previous is None and total.growth_pct is None
    leaks = disclosed_firms(list(found.items), found.firm_ids())
    assert leaks == set(), describe(found, leaks)
    assert_trend_withholds_what_the_total_withholds(page)


def describe(found, leaks):
    keys = {f.id: f.key for f in found.model.values()}
    sources = [
        f"{item.vector} {sorted(keys[i] for i in item.firms)}: {where[0]}" for item, where in found.items.items()
    ]
    return f"disclosed {sorted((v, keys[f]) for v, f in leaks)} by\n" + "\n".join(sources)


@pytest.mark.parametrize("code", INDICATORS)
def test_the_audit_finds_what_primary_suppression_alone_showed(zone, personas, client_for, code):
    """The same cells with every withheld number put back, except cells of fewer than k firms (the old rule)."""
    found, _page = enumerate_shown(zone, personas, client_for, "firm_1_user", code)
    model = found.model
    old = Enumeration(model)
    for table, key in sorted(found.cells, key=str):
        current, compared, published = cell_sets(model, table, key)
        if len(current) >= K:
            old.add(CURRENT, current, total_of(current, "current"), f"{table}={key} value")
            old.add(CURRENT, compared, total_of(compared, "current"), f"{table}={key} growth_pct")
            old.add(PRIOR, compared, total_of(compared, "base"), f"{table}={key} previous")
        if len(published) >= K:
            old.add(PRIOR, published, total_of(published, "last_year"), f"{table}={key} previous_published")
    assert set(found.items) < set(old.items)  # the new tables withhold something the old ones showed
    leaks = disclosed_firms(list(old.items), found.firm_ids())
    expected = {
        (CURRENT, id_of(zone, "F11")),  # the one-firm park: total − the other parks
        (CURRENT, id_of(zone, "F12")),  # division 38 − chain C2 (the issue)
        (CURRENT, id_of(zone, "F13")),  # chain C1 − park P1
        (PRIOR, id_of(zone, "F06")),  # P1 published previous − P1 comparable previous: the leaver
    }
    assert expected <= leaks
    failures = {(vector, firm) for vector, firm, *_ in interval_failures(list(old.items), old.figures())}
    assert expected <= failures


@pytest.mark.parametrize("persona", UNENTITLED)
def test_narrowing_is_refused_and_gives_nothing_more(zone, personas, client_for, persona):
    """The issue: division=38 (5 firms) minus division=38&chain=C2 (4 firms) is F12's 工业总产值."""
    client = client_for(personas[persona])
    plain = summary(client, zone, "output_value").json()
    park, chain = zone["parks"]["P2"].pk, zone["chains"]["C2"].pk
    refused = [
        {"division": "38", "chain": chain},
        {"division": "38"},
        {"chain": chain},
        {"park": park},
        {"park": "none"},
        {"section": "C"},
        {"tag": "光伏"},
        {"division": "38", "group_by": "chain"},
        {"park": park, "group_by": "industry"},
    ]
    for params in refused:
        response = summary(client, zone, "output_value", **params)
        assert response.status_code == 400, params
        assert "value" not in response.json()
    for params in ({"park": "0"}, {"chain": "0"}):  # no narrowing at all: the published total, nothing else
        response = summary(client, zone, "output_value", **params)
        assert response.status_code in (200, 400), params
        if response.status_code == 200:
            assert response.json() == plain


def test_group_by_section_is_refused_to_enterprise_users(zone, personas, client_for):
    """API_GROUPS offers "section", which is not a published table: the answer must be a 4xx, not a server error."""
    client = client_for(personas["firm_1_user"])
    client.raise_request_exception = False
    response = summary(client, zone, "output_value", group_by="section")
    assert 400 <= response.status_code < 500


def test_the_page_ignores_narrowing(zone, personas, client_for):
    client = client_for(personas["firm_2_user"])
    url = reverse("stats:dashboard", args=[zone["zone"].pk])
    base = {"period": "2025-03", "indicator": "output_value"}
    plain = client.get(url, base, secure=True)
    narrowed = client.get(url, {**base, "division": "38", "chain": zone["chains"]["C2"].pk}, secure=True)
    assert plain.status_code == narrowed.status_code == 200
    assert not narrowed.context["narrowed"] and not narrowed.context["entitled"]

    def shown(response):
        context = response.context
        cells = [context["summary"].total, *context["by_park"], *context["by_industry"]]
        return [(c.key, c.current, c.previous, c.published, c.growth_pct) for c in cells], context["trend"]

    assert shown(narrowed) == shown(plain)
    rows = client.get(reverse("stats:dashboard_rows", args=[zone["zone"].pk]), base, secure=True)
    assert rows.status_code == 404


def export_numbers(response):
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    numbers, texts = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2, values_only=True):
            for cell in row:
                if isinstance(cell, int | float) and not isinstance(cell, bool):
                    numbers.append(round(float(cell), 4))
                elif isinstance(cell, str):
                    texts.append(cell)
    return book.sheetnames, numbers, texts


def page_numbers(page):
    cells = [card["cell"] for card in page["cards"]] + [page["summary"].total, *page["by_park"], *page["by_industry"]]
    found = set()
    for cell in cells:
        for x in (
            cell.current,
            cell.previous,
            cell.published,
            cell.growth_pct,
            cell.published_growth_pct,
            cell.share_pct,
            cell.expected,
            cell.firms,
            cell.without_base,
            cell.missing,
        ):
            if x is not None:
                found.add(round(float(x), 4))
    found |= {round(float(x), 4) for x in page["trend"]["this"] + page["trend"]["last"] if x is not None}
    return found


@pytest.mark.parametrize("persona", UNENTITLED)
def test_the_export_holds_no_number_the_page_does_not(zone, personas, client_for, persona):
    _found, page = enumerate_shown(zone, personas, client_for, persona, "output_value")
    client = client_for(personas[persona])
    url = reverse("stats:dashboard_export", args=[zone["zone"].pk])
    query = {"period": "2025-03", "indicator": "output_value"}
    response = client.get(url, query, secure=True)
    assert response.status_code == 200
    sheets, numbers, texts = export_numbers(response)
    assert "企业明细" not in sheets
    allowed = page_numbers(page)
    assert set(numbers) <= allowed, sorted(set(numbers) - allowed)
    amounts = {round(float(x), 4) for text in texts for x in re.findall(r"\d+\.\d+", text)}
    assert amounts <= allowed, sorted(amounts - allowed)
    # the narrowed export is the same file's numbers
    narrowed = client.get(url, {**query, "division": "38", "chain": zone["chains"]["C2"].pk}, secure=True)
    assert export_numbers(narrowed)[1] == numbers
    assert len(page["cards"]) == len([c for c in CARD_INDICATORS if Indicator.objects.filter(code=c).exists()])


@pytest.mark.parametrize("persona", ENTITLED)
def test_entitled_personas_get_the_real_figures(zone, personas, client_for, persona):
    model = truth(zone, "output_value")
    current, compared, published = cell_sets(model, "total", None)
    client = client_for(personas[persona])
    data = summary(client, zone, "output_value").json()
    assert D(data["value"]) == total_of(current, "current") == D(8343)
    assert D(data["previous"]) == total_of(compared, "base")
    assert D(data["previous_published"]) == total_of(published, "last_year")
    assert not data["suppressed"] and data["min_group_size"] is None
    parks = summary(client, zone, "output_value", group_by="park").json()["groups"]
    by_key = {g["key"]: g for g in parks}
    assert D(by_key[str(zone["parks"]["P3"].pk)]["value"]) == D(480)  # the one-firm park, unsuppressed
    assert not any(g["suppressed"] for g in parks)
    # the difference is the entitled viewer's to make
    chain = zone["chains"]["C2"].pk
    d38 = summary(client, zone, "output_value", division="38").json()
    d38_c2 = summary(client, zone, "output_value", division="38", chain=chain).json()
    assert (d38["enterprises"], d38_c2["enterprises"]) == (5, 4)
    assert D(d38["value"]) - D(d38_c2["value"]) == D(180)  # F12
    page = dashboard_data(
        StatsViewer(personas[persona]), zone["zone"], P, Indicator.objects.get(code="output_value"), NO_NARROWING
    )
    assert page["entitled"] and page["summary"].total.current == D(8343)
    assert page["trend"]["this"][MARCH] == D(8343)
