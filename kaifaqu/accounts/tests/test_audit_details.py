"""The audit log shows a record's details as labelled lines in the reader's language, roles and codes by their
labels — never the stored dict — while the stored detail (part of the hash chain) stays as written."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kaifaqu.accounts.audit import record_event, verify_chain
from kaifaqu.accounts.audit_details import detail_lines
from kaifaqu.accounts.choices import AuditEventChoices, RoleChoices
from kaifaqu.accounts.services import grant_role


def audit_page(client_for, personas, language):
    client = client_for(personas["audit_admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("accounts:audit_list")).content.decode()


def test_a_role_grant_reads_as_labelled_lines_in_both_languages(personas, world, client_for):
    grant_role(
        actor=personas["security_admin"], user=personas["staff_b"], role=RoleChoices.LEADER, zone=world["zone_b"]
    )
    chinese = audit_page(client_for, personas, "zh-hans")
    assert "授予的角色：领导" in chinese and "范围：" in chinese
    assert "granted" not in chinese and "leader" not in chinese
    english = audit_page(client_for, personas, "en")
    assert "Role granted: Leader" in english
    assert verify_chain() is None  # only the display is translated


def test_values_are_shown_by_their_labels():
    detail = {
        "revoked": "region_viewer",
        "active": False,
        "mode": "upsert",
        "added": ["tax", "rd_expense"],
        "zone": None,
        "api_token": "created",
        "something_new": "as stored",
    }
    with translation.override("zh-hans"):
        assert detail_lines(detail) == [
            ("撤销的角色", "主管部门"),
            ("启用", "否"),
            ("导入方式", "新增或更新"),
            ("新增指标", "tax、rd_expense"),
            ("开发区", "—"),
            ("API令牌", "已创建"),
            ("something_new", "as stored"),
        ]
    with translation.override("en"):
        lines = dict(detail_lines(detail))
        assert lines["Role revoked"] == "Supervising authority" and lines["Enabled"] == "No"


def test_an_empty_detail_shows_nothing(personas, client_for):
    record_event(AuditEventChoices.LOGIN, user=personas["staff_a"])
    page = audit_page(client_for, personas, "zh-hans")
    assert '<td class="small text-muted audit-detail"></td>' in page and "{}" not in page
