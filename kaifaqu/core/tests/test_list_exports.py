"""Lists export what they show: the same filters and scope, a real workbook, an audit record."""

from io import BytesIO

from openpyxl import load_workbook

from kaifaqu.accounts.models import AuditEvent
from kaifaqu.stats.models import DataSet, DataSetAssignment, ValidationFlag


def read_rows(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_user_list_export_follows_scope_and_filter(personas, client_for):
    rows = read_rows(client_for(personas["zone_admin_a"]).get("/accounts/users/?format=xlsx&q=staff"))
    names = {r[0] for r in rows[1:]}
    assert "staff_a" in names and "staff_b" not in names and "leader_a" not in names
    assert AuditEvent.objects.filter(event="export", username="admin_a").exists()


def test_assignment_export_follows_scope(personas, world, client_for):
    data_set = DataSet.objects.get(code="industry_monthly")
    for firm in (world["firm_1"], world["firm_b"]):
        DataSetAssignment.objects.create(data_set=data_set, enterprise=firm, from_period=202501)
    rows = read_rows(client_for(personas["staff_a"]).get("/stats/assignments/?format=xlsx"))
    assert [r[1] for r in rows[1:]] == [world["firm_1"].credit_code]


def test_flag_export_follows_scope(personas, world, client_for):
    for firm in (world["firm_1"], world["firm_b"]):
        ValidationFlag.objects.create(enterprise=firm, zone=firm.zone, period=202503, kind="rule", message="请核实")
    rows = read_rows(client_for(personas["firm_1_user"]).get("/stats/quality/flags/?format=xlsx"))
    assert [r[2] for r in rows[1:]] == [world["firm_1"].credit_code]
