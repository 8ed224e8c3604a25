"""The audit log as .xlsx for the audit administrator (the export itself is audited)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.core.exports import add_table_sheet, workbook_response, write_only_workbook

from .audit import record_event
from .choices import AuditEventChoices


def export_audit_events(request, events):
    headers = [
        _("时间"),
        _("账户"),
        _("事件"),
        _("结果"),
        _("来源地址"),
        _("对象类型"),
        _("对象"),
        _("详情"),
        _("记录哈希"),
    ]
    rows = (
        [
            timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.username,
            e.get_event_display(),
            _("成功") if e.success else _("失败"),
            e.ip_address or "",
            e.object_type,
            e.object_repr,
            str(e.detail) if e.detail else "",
            e.record_hash,
        ]
        for e in events.iterator()
    )
    workbook = write_only_workbook()
    count = add_table_sheet(workbook, _("审计日志"), headers, rows, widths=(20, 16, 12, 8, 16, 24, 30, 40, 66))
    record_event(AuditEventChoices.EXPORT, request=request, detail={"list": "audit", "rows": count})
    return workbook, f"{_('审计日志')}-{timezone.localdate():%Y%m%d}.xlsx"


def export_checkpoints(request, checkpoints):
    """The chain's seals, for the audit administrator to keep outside the system and compare with later."""
    headers = [
        _("编号"),
        _("时间"),
        _("原因"),
        _("操作者"),
        _("记录数"),
        _("首条记录"),
        _("首条记录的前序哈希"),
        _("最新记录"),
        _("最新记录哈希"),
    ]
    rows = (
        [
            c.pk,
            timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            c.get_reason_display(),
            c.created_by,
            c.row_count,
            c.first_pk,
            c.first_previous_hash,
            c.head_pk,
            c.head_hash,
        ]
        for c in checkpoints.iterator()
    )
    workbook = write_only_workbook()
    count = add_table_sheet(workbook, _("审计检查点"), headers, rows, widths=(8, 20, 10, 16, 10, 10, 66, 10, 66))
    record_event(AuditEventChoices.EXPORT, request=request, detail={"list": "audit_checkpoints", "rows": count})
    return workbook, f"{_('审计检查点')}-{timezone.localdate():%Y%m%d}.xlsx"


def export_list(request, *, name, headers, rows, widths=()):
    """Any list page as .xlsx with its current filters: escaped cells, a dated file name, an audit record."""
    name, headers = str(name), [str(h) for h in headers]
    workbook = write_only_workbook()
    count = add_table_sheet(workbook, name, headers, rows, widths=widths)
    record_event(
        AuditEventChoices.EXPORT,
        request=request,
        detail={"list": name, "filter": request.GET.urlencode(), "rows": count},
    )
    return workbook_response(workbook, f"{name}-{timezone.localdate():%Y%m%d}.xlsx")
