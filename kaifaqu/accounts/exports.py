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
