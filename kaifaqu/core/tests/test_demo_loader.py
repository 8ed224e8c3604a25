"""The demo data loader (kaifaqu/core/demo.py): files in, rows out through validation, idempotent, and a mistake in a
file named by its file and record.

Small demo files written here stand in for an app's; the real files are loaded whole in
kaifaqu/projects/tests/test_demo.py (every record of every file is in the database after `make demo`).
"""

from collections import Counter
from pathlib import Path

import pytest

from kaifaqu.accounts.demo import demo_actor
from kaifaqu.core.demo import DemoDataError, Record, Refs, cast, read, read_path
from kaifaqu.projects.models import Project
from kaifaqu.zones.demo import seed_zones
from kaifaqu.zones.models import Department, IndustryChain, Park, Region, Zone

ZONES_FILE = """
departments:
- {name: 经济运行部, domains: [registry, statistics]}
- {name: 招商中心, domains: [projects]}
zones:
- name: 测试甲经济技术开发区
  short_name: 测试甲
  level: provincial
  kind: economic
  region: '140581'
  description: 演示
  parks:
  - {name: 甲一园, area_mu: 100}
  - {name: 甲二园, area_mu: 250.5}
  departments: [经济运行部, 招商中心]
  chains:
  - {name: 甲产业链, industry_codes: C26, description: 化工}
- name: 测试乙经济技术开发区
  short_name: 测试乙
  level: provincial
  kind: high_tech
  region: '140729'
  description: 演示
  parks: [{name: 乙园, area_mu: 80}]
  departments: [经济运行部]
  chains: []
"""


def write(tmp_path, text, name="zones.yaml"):
    path = Path(tmp_path) / name
    path.write_text(text, encoding="utf-8")
    return read_path(path)


def rows():
    return {model: model.objects.count() for model in (Zone, Park, Department, IndustryChain, Zone.history.model)}


def test_every_record_is_loaded_once_and_a_second_run_creates_nothing(db, tmp_path):
    file = write(tmp_path, ZONES_FILE)
    actor = demo_actor()
    before = rows()
    first = Counter()
    zones, parks, departments, chains = seed_zones(actor=actor, created=first, file=file)
    zone_records = file.records("zones")
    assert first == {
        "zone": len(zone_records),
        "park": sum(len(r["parks"]) for r in zone_records),
        "department": sum(len(r["departments"]) for r in zone_records),
        "industrychain": sum(len(r["chains"]) for r in zone_records),
    }
    after = rows()
    assert {model: after[model] - before[model] for model in (Zone, Park, Department, IndustryChain)} == {
        Zone: 2,
        Park: 3,
        Department: 3,
        IndustryChain: 1,
    }
    a = zones["测试甲"]
    assert (a.kind, a.region_id, a.is_demo) == ("economic", "140581", True)
    assert Park.objects.get(zone=a, name="甲二园").area_mu == pytest.approx(250.5)
    assert Department.objects.get(zone=a, name="经济运行部").domains == ["registry", "statistics"]
    assert IndustryChain.objects.get(zone=a).description == "化工（演示数据）"  # the loader marks what is invented
    # Attributed to the demo account, with the reason, through validation (one history row per created row).
    record = a.history.get()
    assert (record.history_user_id, record.history_change_reason) == (actor.pk, "演示数据初始化")

    second = Counter()
    seed_zones(actor=actor, created=second, file=file)
    assert second == Counter() and rows() == after


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("region: '140729'", "region: '999999'"), "zones #2（测试乙经济技术开发区）: unknown region '999999'"),
        (
            ("departments: [经济运行部]", "departments: [宣传部]"),
            "zones #2（测试乙经济技术开发区）: unknown department '宣传部' (not in the file's departments)",
        ),
        (("kind: high_tech", "kind: harbour"), "zones #2（测试乙经济技术开发区）: unknown kind 'harbour'"),
        (
            ("  level: provincial\n  kind: high", "  kind: high"),
            "zones #2（测试乙经济技术开发区）: missing field 'level'",
        ),
    ],
)
def test_a_mistake_names_the_file_and_the_record(db, tmp_path, change, message):
    file = write(tmp_path, ZONES_FILE.replace(*change))
    with pytest.raises(DemoDataError) as error:
        seed_zones(actor=demo_actor(), file=file)
    assert str(error.value) == f"{tmp_path / 'zones.yaml'}, {message}"


def test_a_file_that_is_not_yaml_is_named(tmp_path):
    path = Path(tmp_path) / "broken.yaml"
    path.write_text("zones: [unclosed", encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"broken\.yaml: not valid YAML"):
        read_path(path)
    with pytest.raises(DemoDataError, match=r"missing\.yaml: no such demo file"):
        read_path(Path(tmp_path) / "missing.yaml")


def test_refs_name_the_record_and_nested_records_say_where_they_sit(db, tmp_path):
    file = write(tmp_path, "projects:\n- name: 某项目\n  approvals:\n  - {kind: 环评}\n")
    project = file.records("projects")[0]
    approval = project.children("approvals")[0]
    assert approval.where() == f"{tmp_path / 'zones.yaml'}, projects #1（某项目） › approvals #1"
    refs = Refs()
    with pytest.raises(DemoDataError, match="projects #1（某项目）: unknown project '不存在的项目'"):
        refs.one(project, Project, "project", zone=None, name="不存在的项目")
    assert refs.one(project, Region, "region", code="140000").name
    with pytest.raises(DemoDataError, match="unknown department '甲、乙'"):
        refs.first(project, Region, "department", ["甲", "乙"], field="name")


def test_cast_reads_dates_and_decimals_and_refuses_unknown_fields():
    record = Record(Path("x.yaml"), "projects", 1, {"name": "p"})
    values = cast(record, Project, {"total_investment": 0.85, "land_mu": 26, "name": "p"})
    assert str(values["total_investment"]) == "0.85" and str(values["land_mu"]) == "26"
    with pytest.raises(DemoDataError, match="x.yaml, projects #1（p）: unknown field 'colour' of Project"):
        cast(record, Project, {"colour": "red"})


def test_the_shipped_files_are_read_from_the_app_folders():
    assert read("zones", "zones").records("zones")
    assert read("accounts", "accounts")["recorder"]["username"]
    with pytest.raises(DemoDataError, match=r"kaifaqu/zones/demo/nothing\.yaml: no such demo file"):
        read("zones", "nothing")
