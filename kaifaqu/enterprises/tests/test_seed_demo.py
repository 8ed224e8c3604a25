"""seed_demo: idempotent, deterministic, valid data; every demo account logs in with the documented password.

The demo data is seeded once per module inside a transaction that is rolled back at the end, so other test
modules never see it; each test runs in its own savepoint on top.
"""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from stdnum.cn import uscc

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.demo import (
    DEMO_PASSWORD,
    FIRST_DEMO_FIRM,
    FIRST_REPORTING_FIRM,
    demo_accounts,
    demo_actor,
    seed_accounts,
)
from kaifaqu.accounts.models import Membership, User
from kaifaqu.core.demo import DemoDataError, Refs, read_path
from kaifaqu.enterprises.demo import DEMO_MARK, grant_for, plan_all, zone_specs
from kaifaqu.enterprises.models import Contact, Enterprise, Tag
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")
DEMO_ACCOUNTS = [record.data for record in demo_accounts()]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module; roll everything back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


def row_counts():
    models = [
        Zone,
        Park,
        Department,
        IndustryChain,
        Enterprise,
        Contact,
        Tag,
        User,
        Membership,
        Enterprise.tags.through,
        Enterprise.chains.through,
        Zone.history.model,
        Park.history.model,
        Enterprise.history.model,
        Contact.history.model,
        apps.get_model("enterprises", "HistoricalEnterprise_tags"),
        apps.get_model("enterprises", "HistoricalEnterprise_chains"),
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_second_run_creates_nothing(demo):
    assert "企业" in demo
    before = row_counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert row_counts() == before
    assert "无需新建" in out.getvalue()


def test_plan_is_deterministic_and_matches_the_database(demo):
    first, second = plan_all(), plan_all()
    assert first == second
    codes = {p.credit_code: p.name for plans in first.values() for p in plans}
    assert dict(Enterprise.objects.filter(is_demo=True).values_list("credit_code", "name")) == codes


def test_credit_codes_valid_and_unique(demo):
    codes = list(Enterprise.objects.values_list("credit_code", "zone__region_id"))
    assert len(codes) == len({code for code, _ in codes})
    for code, region in codes:
        assert uscc.is_valid(code), code
        assert code[:2] == "91"
        assert code[2:8] == region


def test_synthetic_firms_marked(demo):
    firms = Enterprise.objects.filter(zone__is_demo=True)
    assert not firms.filter(is_demo=False).exists()
    for name in firms.values_list("name", flat=True):
        assert name.endswith(DEMO_MARK), name
        assert name.removesuffix(DEMO_MARK).endswith(SUFFIXES), name
    assert len(set(firms.values_list("name", flat=True))) == firms.count()


def test_each_zone_is_populated(demo):
    for spec in zone_specs():
        zone = Zone.objects.get(name=spec.name)
        assert zone.is_demo
        assert (zone.short_name, zone.level, zone.kind, zone.region_id) == (
            spec.short_name,
            spec.level,
            spec.kind,
            spec.region,
        )
        assert zone.enterprises.count() >= 250
        assert 2 <= zone.parks.count() <= 5
        assert zone.departments.filter(name="经济运行部", domains=["registry", "statistics"]).exists()
        assert 2 <= zone.chains.count() <= 3
        assert all(c.industry_codes for c in zone.chains.all())
    assert Zone.objects.get(short_name="高平经开区").parks.count() == 5
    assert 2000 <= Enterprise.objects.filter(is_demo=True).count() <= 3000


def test_firm_data_is_plausible(demo):
    firms = Enterprise.objects.filter(is_demo=True).select_related("industry", "park")
    total = firms.count()
    for firm in firms:
        assert firm.industry.level == "class"
        assert firm.region_id == firm.zone.region_id
        assert firm.park is None or firm.park.zone_id == firm.zone_id
        assert date(1995, 1, 1) <= firm.founded_on <= date(2024, 12, 31)
        assert firm.registered_capital > 0
        assert firm.registered_capital.as_tuple().exponent == -4
        if firm.status != "active":
            assert firm.founded_on <= firm.status_changed_on <= date(2024, 12, 31)
    closed = firms.filter(status="closed").count() / total
    moved = firms.filter(status="moved_out").count() / total
    assert 0.03 < closed < 0.08 and 0.01 < moved < 0.05
    assert firms.filter(park__isnull=False).count() > total / 2
    assert firms.filter(scale__in=["small", "micro"]).count() > 0.7 * total
    assert firms.filter(tags__name="规上").exists()
    for firm in firms.filter(chains__isnull=False).prefetch_related("chains").distinct()[:300]:
        for chain in firm.chains.all():
            assert chain.zone_id == firm.zone_id
            codes = chain.industry_codes.split(",")
            assert firm.industry.section in codes or f"{firm.industry.section}{firm.industry.division}" in codes


def test_every_demo_firm_has_a_liaison_department_of_its_zone(demo):
    firms = Enterprise.objects.filter(is_demo=True).select_related("service_department")
    assert not firms.filter(service_department__isnull=True).exists()
    assert not firms.exclude(service_department__zone=F("zone")).exists()
    assert not firms.filter(service_department__name="行政审批局").exists()  # handles matters, not firms
    plans = {p.credit_code: p.liaison for zone_plans in plan_all().values() for p in zone_plans}
    assert {f.credit_code: f.service_department.name for f in firms} == plans
    for spec in zone_specs():  # the firms are shared among the zone's liaison departments
        used = set(firms.filter(zone__name=spec.name).values_list("service_department__name", flat=True))
        assert used == set(spec.departments) - {"行政审批局"}


def test_firms_seeded_before_liaison_departments_get_theirs_once(demo):
    """A database seeded before 包联部门 existed: its firms have none, in the row and in the history. The next
    seed_demo gives them their planned department with a history entry; a firm whose department a user cleared
    (the history shows it had one) stays cleared; a third run changes nothing."""
    firms = Enterprise.objects.filter(is_demo=True, zone__short_name="灵石经开区").order_by("credit_code")
    old, cleared = list(firms[:20]), firms[20]
    ids = [firm.pk for firm in old]
    Enterprise.objects.filter(pk__in=ids).update(service_department=None)
    Enterprise.history.filter(id__in=ids).update(service_department=None)
    Enterprise.objects.filter(pk=cleared.pk).update(service_department=None)
    history_before = Enterprise.history.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "补充包联部门 20" in out.getvalue()
    plans = {p.credit_code: p.liaison for zone_plans in plan_all().values() for p in zone_plans}
    for firm in Enterprise.objects.filter(pk__in=ids).select_related("service_department"):
        assert firm.service_department.name == plans[firm.credit_code]
        assert firm.service_department.zone_id == firm.zone_id
        latest = firm.history.first()
        assert (latest.history_type, latest.service_department_id) == ("~", firm.service_department_id)
        assert latest.history_change_reason == "演示数据初始化"
        assert {row.tag_id for row in latest.tags.all()} == set(firm.tags.values_list("pk", flat=True))
    assert Enterprise.history.count() == history_before + 20
    assert Enterprise.objects.get(pk=cleared.pk).service_department is None
    before = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == before


def test_demo_departments_chains_and_tags_have_english_names(demo, client):
    """Shown as labels, they read in English on English pages (kaifaqu/core/tests/test_seeded_names.py)."""
    for model in (Department, IndustryChain, Tag):
        assert model.objects.exists() and not model.objects.filter(name_en="").exists(), model.__name__
    zone = Zone.objects.get(short_name="高平经开区")
    client.force_login(User.objects.get(username="gaoping_admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(zone.get_absolute_url()).content.decode()
    assert "Investment Promotion Center" in page and "Equipment manufacturing industry chain" in page


def test_contacts_are_synthetic(demo):
    assert not Enterprise.objects.filter(is_demo=True, contacts__isnull=True).exists()
    for phone in Contact.objects.values_list("phone", flat=True):
        assert phone.startswith("1390000") and len(phone) == 11


def test_history_has_an_initial_entry_with_tags_and_chains(demo):
    firms = Enterprise.objects.filter(is_demo=True)
    assert Enterprise.history.filter(history_type="+", id__in=firms.values("pk")).count() == firms.count()
    firm = firms.filter(tags__isnull=False, chains__isnull=False).first()
    record = firm.history.earliest("history_date")
    assert {row.tag_id for row in record.tags.all()} == set(firm.tags.values_list("pk", flat=True))
    assert {row.industrychain_id for row in record.chains.all()} == set(firm.chains.values_list("pk", flat=True))
    assert Zone.history.filter(history_type="+").count() >= len(zone_specs())


def test_demo_password_passes_the_configured_validators(demo):
    validate_password(DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        validate_password(DEMO_PASSWORD, user=User.objects.get(username=account["username"]))


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=[a["username"] for a in DEMO_ACCOUNTS])
def test_demo_account_logs_in_with_its_role(demo, client, account):
    # django-axes needs a request to authenticate against.
    assert client.login(request=HttpRequest(), username=account["username"], password=DEMO_PASSWORD)
    user = User.objects.get(username=account["username"])
    assert not user.must_change_password
    assert user.roles == {account["role"]}
    membership = user.memberships.get()
    scope = account["scope"]
    if "zone" in scope:
        assert membership.zone.short_name == scope["zone"]
    if "department" in scope:
        assert membership.department.name == scope["department"]
    if scope.get("enterprise") in (FIRST_DEMO_FIRM, FIRST_REPORTING_FIRM):
        assert membership.enterprise.is_demo and membership.enterprise.status == "active"
    if scope.get("enterprise") == FIRST_REPORTING_FIRM:  # a firm the statistics demo reports for
        assert membership.enterprise.tags.filter(name="规上").exists()
    if "region" in scope:
        assert membership.region_id == scope["region"]


def test_one_account_per_role(demo):
    assert set(RoleChoices.values) <= {a["role"] for a in DEMO_ACCOUNTS}


def test_print_demo_accounts_lists_every_account(demo):
    out = StringIO()
    call_command("print_demo_accounts", stdout=out)
    text = out.getvalue()
    for account in DEMO_ACCOUNTS:
        assert account["username"] in text
        assert str(RoleChoices(account["role"]).label) in text
    assert DEMO_PASSWORD in text
    assert "已修改" not in text and "未创建" not in text


def test_an_account_scoped_to_an_unknown_zone_names_the_file_and_the_record(demo, tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(
        "accounts:\n- {username: x_admin, display_name: X, role: zone_admin,\n"
        "   scope: {zone: 不存在经开区}, scope_text: X}\n",
        encoding="utf-8",
    )
    zones = {zone.short_name: zone for zone in Zone.objects.filter(is_demo=True)}
    with pytest.raises(DemoDataError) as error:
        seed_accounts(
            actor=demo_actor(),
            grant_for=lambda record: grant_for(record, zones, {}, Refs()),
            created=Counter(),
            file=read_path(path),
        )
    assert str(error.value) == (
        f"{path}, accounts #1（x_admin）: unknown zone '不存在经开区'"
        " (not a demo zone of kaifaqu/zones/demo/zones.yaml)"
    )
    assert not User.objects.filter(username="x_admin").exists()
