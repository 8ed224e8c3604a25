"""Reading the audit log: a record's `detail` (a JSON object written by record_event) as labelled lines in the
reader's language — "授予角色：主管部门", not {'granted': 'region_viewer'}.

The stored detail is never changed (it is part of the hash chain); only its display is translated. A key or code
this module does not know is shown as stored, so a new kind of record is still readable."""

from django.utils.translation import gettext_lazy as _

from kaifaqu.core.imports.engine import get_importer_class
from kaifaqu.core.models import ImportModeChoices

from .choices import RoleChoices

KEY_LABELS = {
    # roles and accounts
    "granted": _("授予的角色"),
    "revoked": _("撤销的角色"),
    "role": _("角色"),
    "scope": _("范围"),
    "active": _("启用"),
    "admin_account": _("管理员账户操作"),
    "api_token": _("API令牌"),
    "name": _("名称"),
    "prefix": _("前缀"),
    "expires": _("到期时间"),
    # denied requests
    "method": _("请求方法"),
    "path": _("路径"),
    "status": _("状态码"),
    "reason": _("原因"),
    # the admin site
    "admin": _("后台操作"),
    "model": _("数据类型"),
    "id": _("编号"),
    "count": _("数量"),
    "objects": _("对象"),
    "message": _("说明"),
    # exports and imports
    "list": _("列表"),
    "export": _("导出内容"),
    "kind": _("类型"),
    "filter": _("筛选条件"),
    "rows": _("行数"),
    "job": _("导入任务"),
    "file": _("文件"),
    "mode": _("导入方式"),
    "created": _("新增条数"),
    "updated": _("更新条数"),
    "unchanged": _("未变条数"),
    "removed": _("移除条数"),
    "replace": _("替换"),
    "stages": _("阶段日期"),
    "values": _("数值"),
    "unchanged_values": _("未变数值"),
    "flags": _("校验提示"),
    "tags_created": _("新建标签"),
    # configuration
    "action": _("操作"),
    "data_set": _("报表"),
    "changed": _("修改的字段"),
    "added": _("新增指标"),
    "reordered": _("调整的指标"),
    "campaign": _("三个一批活动"),
    "period": _("报告期"),
    "indicator": _("指标"),
    "year": _("年度"),
    "zone": _("开发区"),
    "park": _("园区"),
    "service_department": _("包联部门"),
    "closes_at": _("再次锁定时间"),
    # purging the log
    "deleted": _("删除条数"),
    "through": _("截至记录"),
    "boundary_hash": _("边界哈希"),
    "cutoff": _("截止时间"),
    "retention_days": _("保留天数"),
}

# Codes that records store as values (an action, what was exported, what the admin did).
VALUE_LABELS = {
    "created": _("已创建"),
    "revoked": _("已撤销"),
    "add": _("新增"),
    "change": _("修改"),
    "delete": _("删除"),
    "grant": _("授予角色"),
    "revoke": _("撤销角色"),
    "enable": _("启用"),
    "disable": _("停用"),
    "reset-password": _("重置密码"),
    "reopen_progress": _("重新开放进度填报"),
    "reopen_period": _("重新开放报告期"),
    "data_set_edit": _("修改报表设置"),
    "validation_rule_add": _("新增校验规则"),
    "validation_rule_edit": _("修改校验规则"),
    "stats_dashboard": _("统计看板"),
    "stats_ranking": _("区域排名"),
    "stats_directory": _("四上企业名录"),
    "stats_reminders": _("催报名单"),
    "audit": _("审计日志"),
    "audit_checkpoints": _("审计检查点"),
}
ROLE_KEYS = {"granted", "revoked", "role"}


def shown_value(key, value):
    """One value as a reader sees it: roles, import modes and kinds by their labels, yes/no, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(shown_value(key, item) for item in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{label}：{text}" for label, text in detail_lines(value))
    if key in ROLE_KEYS and value in RoleChoices.values:
        return str(RoleChoices(value).label)
    if key == "mode" and value in ImportModeChoices.values:
        return str(ImportModeChoices(value).label)
    if key == "kind" and isinstance(value, str):
        return importer_name(value)
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)


def importer_name(kind):
    try:
        return str(get_importer_class(kind).verbose_name)
    except KeyError:
        return str(VALUE_LABELS.get(kind, kind))


def detail_lines(detail):
    """[(label, text)] of a record's detail, in its stored order."""
    if not isinstance(detail, dict):
        return [("", str(detail))] if detail else []
    return [(str(KEY_LABELS.get(key, key)), shown_value(key, value)) for key, value in detail.items()]
