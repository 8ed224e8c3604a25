"""Enterprise export (企业名录导出): the list page's filters, the import template's columns, escaped cells."""

from django.utils import timezone
from django.utils.translation import gettext as _

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.exports import add_table_sheet, write_only_workbook

from .filtersets import EnterpriseFilterSet
from .importers import EnterpriseImporter
from .models import Enterprise


def filtered_enterprises(request):
    """What the list page shows for the same GET parameters (scope first, then the shared filter)."""
    queryset = Enterprise.objects.restrict(request.user, "view")
    filterset = EnterpriseFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return queryset.none(), filterset  # the list page (strict FilterView) shows nothing either
    return filterset.qs, filterset


def enterprise_workbook(user, queryset):
    """A write-only workbook with one row per firm, re-importable in update mode. Returns (workbook, rows)."""
    importer = EnterpriseImporter(user=user)
    workbook = write_only_workbook()
    rows = (importer.export_row(e) for e in importer.export_queryset(queryset).iterator(chunk_size=2000))
    count = add_table_sheet(
        workbook,
        str(importer.sheet_title),
        [str(column.header) for column in importer.columns],
        rows,
        widths=[column.width for column in importer.columns],
        required={str(column.header) for column in importer.columns if column.required},
    )
    return workbook, count


def export_filename():
    return _("企业名录-%(date)s.xlsx") % {"date": timezone.localdate().strftime("%Y%m%d")}


def export_enterprises(request):
    """Build the export for `request` and write its audit record. Returns (workbook, filename)."""
    queryset, filterset = filtered_enterprises(request)
    workbook, count = enterprise_workbook(request.user, queryset)
    used = {name: request.GET.getlist(name) for name in filterset.filters if request.GET.getlist(name)}
    record_event(
        AuditEventChoices.EXPORT,
        request=request,
        detail={"kind": EnterpriseImporter.kind, "filter": used, "rows": count},
    )
    return workbook, export_filename()
