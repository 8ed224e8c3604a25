"""Data-quality pages: completeness and timeliness with the 催报 export and the outlier scan, the flag list and
flag follow-up, and the validation rules (edited by the system admin)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.accounts.exports import export_list
from kaifaqu.core.exports import add_table_sheet, workbook_response, write_only_workbook
from kaifaqu.core.history import history_entries
from kaifaqu.core.periods import format_period
from kaifaqu.core.versioning import StaleEdit
from kaifaqu.zones.forms import NO_DEPARTMENT
from kaifaqu.zones.models import Zone

from ..choices import FlagKindChoices, FlagStatusChoices, ReportStatusChoices
from ..filtersets import FlagFilterSet
from ..forms import CompletenessForm, ExplainForm, OutlierScanForm, RuleForm
from ..models import ValidationFlag, ValidationRule
from ..periods import period_label
from ..permissions import may_explain_flag, may_import_stats, may_resolve_flag, may_scan_zone
from ..quality import (
    REMINDER_HEADERS,
    REMINDER_STATUSES,
    REMINDER_WIDTHS,
    attach_primary_contacts,
    completeness,
    reminder_rows,
    shows_phone_numbers,
)
from ..services import explain_flag, resolve_flag, save_validation_rule, scan_outliers

PER_PAGE = 50


def zones_in_view(user):
    return Zone.objects.restrict(user, "view")


class QualityAccessMixin(LoginRequiredMixin):
    """Quality pages are for people who see zones (staff, leaders, region viewers, system admin): others get 404.

    Enterprise users and the security and audit administrators see no zone, so the pages do not exist for them.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.zones = zones_in_view(request.user)
            if not self.zones.exists():
                raise Http404
        return super().dispatch(request, *args, **kwargs)


# -- completeness ----------------------------------------------------------------------------------------------


def completeness_for(request, zones):
    """(form, Completeness or None) for the GET parameters of `request`; the page and the export share it."""
    form = CompletenessForm(request.GET, user=request.user, zones=zones)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    if not (request.GET.get("data_set") and request.GET.get("period")):
        # Show the defaults chosen in clean() in the fields, so the form says which form and period are on screen.
        shown = {**request.GET.dict(), "data_set": data["data_set"].code, "period": format_period(data["period"])}
        form = CompletenessForm(shown, user=request.user, zones=zones)
        form.is_valid()
    return form, completeness(firms=form.firms(), data_set=data["data_set"], period=data["period"])


def link_department_groups(form, groups):
    """Give each department group the query of the page on screen narrowed to that department (未指定部门 included),
    and that of its 催报名单 (late and missing firms, whatever status the page lists), each one click away."""
    shown = {key: value for key, value in form.data.items() if key != "page" and value not in ("", None)}
    for group in groups:
        query = {**shown, "service_department": group.key or NO_DEPARTMENT}
        group.query = urlencode(query)
        group.reminder_query = urlencode({key: value for key, value in query.items() if key != "status"})


class CompletenessView(QualityAccessMixin, TemplateView):
    template_name = "stats/completeness.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form, result = completeness_for(self.request, self.zones)
        # Figures that are missing can come in by import as well as by entry: the page links there for importers.
        import_url = reverse("stats:value_import") if may_import_stats(user) else ""
        context.update(form=form, result=result, query=self.request.GET.urlencode(), import_url=import_url)
        if result is None:
            return context
        data = form.cleaned_data
        status = data.get("status")
        firms = result.with_status(status) if status else result.firms
        page = Paginator(firms, PER_PAGE).get_page(self.request.GET.get("page"))
        attach_primary_contacts(user, page.object_list)
        zone_ids = [data["zone"].pk] if data.get("zone") else list(self.zones.values_list("pk", flat=True))
        scan_zone = data.get("zone") or (self.zones.first() if len(zone_ids) == 1 else None)
        link_department_groups(form, result.by_department)
        context.update(
            page=page,
            period_text=format_period(result.period),
            period_label=period_label(result.period, result.data_set),
            show_phones=shows_phone_numbers(user),
            scan_zone=scan_zone if scan_zone is not None and may_scan_zone(user, scan_zone) else None,
            statuses=ReportStatusChoices,
            reminder_statuses=[str(s.label) for s in REMINDER_STATUSES],
        )
        return context


def department_param(value):
    """The department filter as the audit record keeps it: an id, "none" for 未指定部门, or None."""
    if value in (None, ""):
        return None
    return value if value == NO_DEPARTMENT else value.pk


class ReminderExportView(QualityAccessMixin, View):
    """催报名单 as .xlsx: the firms late or missing for the page's data set, period, zone, park and liaison
    department (or the chosen status), with their primary contact and the deadline."""

    def get(self, request):
        form, result = completeness_for(request, self.zones)
        if result is None:
            raise Http404
        status = form.cleaned_data.get("status")
        statuses = (status,) if status else REMINDER_STATUSES
        workbook = write_only_workbook()
        count = add_table_sheet(
            workbook,
            _("催报名单"),
            [str(h) for h in REMINDER_HEADERS],
            reminder_rows(request.user, result, statuses),
            widths=REMINDER_WIDTHS,
        )
        record_event(
            AuditEventChoices.EXPORT,
            request=request,
            detail={
                "kind": "stats_reminders",
                "data_set": result.data_set.code,
                "period": format_period(result.period),
                "zone": form.cleaned_data["zone"].pk if form.cleaned_data.get("zone") else None,
                "park": form.cleaned_data["park"].pk if form.cleaned_data.get("park") else None,
                "service_department": department_param(form.cleaned_data.get("service_department")),
                "rows": count,
            },
        )
        filename = _("催报名单-%(data_set)s-%(period)s.xlsx") % {
            "data_set": result.data_set.name,
            "period": format_period(result.period),
        }
        return workbook_response(workbook, filename)


class OutlierScanView(QualityAccessMixin, View):
    """检查异常波动: staff who write statistics in the zone scan it for the period and get the flags listed."""

    def post(self, request):
        form = OutlierScanForm(request.POST, zones=self.zones)
        if not form.is_valid():
            raise Http404
        data = form.cleaned_data
        try:
            flags = scan_outliers(
                actor=request.user, zone=data["zone"], data_set=data["data_set"], period=data["period"]
            )
        except PermissionDenied as denied:
            raise Http404 from denied
        messages.success(
            request,
            _("%(zone)s %(period)s 检查完成：新发现 %(count)s 条异常波动。")
            % {"zone": data["zone"], "period": format_period(data["period"]), "count": len(flags)},
        )
        query = {"zone": data["zone"].pk, "period": format_period(data["period"]), "kind": FlagKindChoices.OUTLIER}
        return redirect(f"{reverse('stats:flag_list')}?{urlencode(query)}")


# -- flags ---------------------------------------------------------------------------------------------------------


class FlagListView(LoginRequiredMixin, FilterView):
    """Open, explained and resolved flags in scope (an enterprise user sees its own firm's)."""

    model = ValidationFlag
    filterset_class = FlagFilterSet
    template_name = "stats/flag_list.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return (
            ValidationFlag.objects.restrict(self.request.user, "view")
            .select_related("enterprise", "zone", "indicator", "rule")
            .order_by("-period", "status", "enterprise__name", "pk")
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        flags = self.filterset_class(self.request.GET, queryset=self.get_queryset(), request=self.request).qs
        headers = [
            _("报告期"),
            _("企业名称"),
            _("统一社会信用代码"),
            _("开发区"),
            _("类型"),
            _("指标"),
            _("问题"),
            _("状态"),
            _("说明"),
        ]
        rows = (
            [
                format_period(f.period),
                f.enterprise.name,
                f.enterprise.credit_code,
                str(f.zone),
                f.get_kind_display(),
                f.indicator.label if f.indicator else "",
                f.message,
                f.get_status_display(),
                f.explanation,
            ]
            for f in flags.iterator(chunk_size=2000)
        )
        return export_list(
            self.request,
            name=_("数据质量问题"),
            headers=headers,
            rows=rows,
            widths=(10, 30, 20, 14, 10, 16, 40, 10, 40),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for flag in context["object_list"]:
            flag.period_text = format_period(flag.period)
        return context


class FlagView(LoginRequiredMixin, TemplateView):
    """One flag: the figure's problem, the firm's explanation and the staff's resolution, with history."""

    template_name = "stats/flag.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.flag = get_object_or_404(
                ValidationFlag.objects.restrict(request.user, "view").select_related(
                    "enterprise", "zone", "indicator", "rule", "resolved_by"
                ),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user, flag = self.request.user, self.flag
        may_explain = flag.status != FlagStatusChoices.RESOLVED and may_explain_flag(user, flag)
        context.update(
            flag=flag,
            period_text=format_period(flag.period),
            may_explain=may_explain,
            may_resolve=flag.status != FlagStatusChoices.RESOLVED and may_resolve_flag(user, flag),
            form=form or (ExplainForm(initial={"explanation": flag.explanation}) if may_explain else None),
            history=history_entries(flag),
        )
        return context

    def post(self, request, *args, **kwargs):
        flag, action = self.flag, request.POST.get("action")
        if action == "explain":
            if not may_explain_flag(request.user, flag):
                raise Http404
            form = ExplainForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            try:
                explain_flag(actor=request.user, flag=flag, explanation=form.cleaned_data["explanation"])
            except ValidationError as bad:
                messages.error(request, "；".join(bad.messages))
                return redirect("stats:flag", pk=flag.pk)
            messages.success(request, _("说明已提交。"))
        elif action == "resolve":
            if not may_resolve_flag(request.user, flag):
                raise Http404
            try:
                resolve_flag(actor=request.user, flag=flag)
            except ValidationError as bad:
                messages.error(request, "；".join(bad.messages))
                return redirect("stats:flag", pk=flag.pk)
            messages.success(request, _("已标记为已处理。"))
        else:
            raise Http404
        return redirect("stats:flag", pk=flag.pk)


# -- validation rules ----------------------------------------------------------------------------------------------


class RuleListView(QualityAccessMixin, TemplateView):
    template_name = "stats/rule_list.html"

    def get_context_data(self, **kwargs):
        rules = ValidationRule.objects.select_related("data_set", "left", "right", "when_indicator").order_by(
            "-is_active", "severity", "name"
        )
        return {**super().get_context_data(**kwargs), "rules": rules, "may_edit": self.request.user.is_system_admin}


class RuleEditView(LoginRequiredMixin, TemplateView):
    """Add or edit a validation rule (system admin only; others get 404). Disabling = unticking 启用."""

    template_name = "stats/rule_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not request.user.is_system_admin:
                raise Http404
            self.rule = get_object_or_404(ValidationRule, pk=kwargs["pk"]) if "pk" in kwargs else None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(form=form or RuleForm(instance=self.rule), rule=self.rule)
        return context

    def post(self, request, *args, **kwargs):
        form = RuleForm(request.POST, instance=self.rule)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            with transaction.atomic():
                save_validation_rule(
                    actor=request.user, rule=form.save(commit=False), changed=form.changed_data, request=request
                )
        except StaleEdit as stale:  # changed since the page was loaded: the form shows how, with the input kept
            form.add_error(None, stale)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("校验规则已保存。"))
        return redirect("stats:rule_list")
