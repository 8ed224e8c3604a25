"""The zone list as .xlsx, with the list page's filters and scope."""

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.exports import add_table_sheet, write_only_workbook

from .filtersets import ZoneFilterSet
from .models import Zone
from .querysets import count_related


def export_zones(request):
    zones = Zone.objects.restrict(request.user).select_related("region__parent__parent")
    zones = (
        ZoneFilterSet(request.GET, queryset=zones, request=request)
        .qs.annotate(
            active_count=count_related("enterprises", status="active"),
            park_count=count_related("parks"),
        )
        .order_by("region_id", "name")
    )
    headers = [
        _("名称"),
        _("简称"),
        _("级别"),
        _("类型"),
        _("区划代码"),
        _("所在区划"),
        _("设立日期"),
        _("园中园"),
        _("在营企业"),
    ]
    rows = (
        [
            z.name,
            z.short_name,
            z.get_level_display(),
            z.get_kind_display(),
            z.region_id,
            z.region.full_name,
            z.established_on,
            z.park_count,
            z.active_count,
        ]
        for z in zones
    )
    workbook = write_only_workbook()
    count = add_table_sheet(workbook, _("开发区"), headers, rows, widths=(30, 14, 8, 10, 10, 24, 12, 8, 10))
    record_event(
        AuditEventChoices.EXPORT,
        request=request,
        detail={"list": "zones", "filter": request.GET.urlencode(), "rows": count},
    )
    return workbook, f"{_('开发区')}-{timezone.localdate():%Y%m%d}.xlsx"
