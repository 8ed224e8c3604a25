"""Zone list and audit log exports: real workbooks, the list's filters and scope, and an audit record."""

from io import BytesIO

from openpyxl import load_workbook

from kaifaqu.accounts.models import AuditEvent


def read_rows(response):
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_zone_export_follows_scope_and_filters(personas, world, client_for):
    client = client_for(personas["region_viewer"])  # 晋城市: zone A only
    rows = read_rows(client.get("/zones/export/"))
    assert [r[0] for r in rows[1:]] == [world["zone_a"].name]
    rows = read_rows(client_for(personas["system_admin"]).get("/zones/export/?q=灵石"))
    assert [r[0] for r in rows[1:]] == [world["zone_b"].name]
    assert AuditEvent.objects.filter(event="export", detail__list="zones").count() == 2


def test_audit_export_is_for_the_audit_administrator_alone(personas, client_for):
    assert client_for(personas["system_admin"]).get("/accounts/audit/?format=xlsx").status_code == 404
    response = client_for(personas["audit_admin"]).get("/accounts/audit/?format=xlsx")
    rows = read_rows(response)
    assert rows[0][0] == "时间"
    assert AuditEvent.objects.filter(event="export", username="auditadmin").exists()
