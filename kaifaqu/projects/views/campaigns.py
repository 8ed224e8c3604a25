"""三个一批 campaigns: the list, add/edit, the page of three batches (filters), the export and hand overrides."""

from decimal import Decimal

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kaifaqu.accounts.audit import record_event
from kaifaqu.accounts.choices import AuditEventChoices
from kaifaqu.core.exports import add_table_sheet, workbook_response, write_only_workbook
from kaifaqu.core.filtersets import StyledFilterSet
from kaifaqu.core.forms import BootstrapFormMixin, FilterForm
from kaifaqu.core.history import history_entries
from kaifaqu.core.views import ScopedDetailView, ScopedEditView, ScopedObjectMixin
from kaifaqu.zones.models import Park, Zone

from .. import campaigns as service
from ..choices import CampaignBatchChoices, ProjectKindChoices, ProjectLevelChoices
from ..models import Campaign, CampaignOverride, Project

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Thresholds leaders filter by (总投资, 万元).
INVESTMENT_THRESHOLDS = [
    ("", gettext_lazy("全部")),
    ("1000", gettext_lazy("1000万元以上")),
    ("5000", gettext_lazy("5000万元以上")),
    ("10000", gettext_lazy("亿元以上")),
    ("50000", gettext_lazy("5亿元以上")),
    ("100000", gettext_lazy("10亿元以上")),
]


def zones_in_scope(request):
    if request is None:
        return Zone.objects.none()
    return Zone.objects.restrict(request.user, "view")


def may_add_campaigns(user):
    return user.is_system_admin or bool(user.writable_zone_ids(Campaign.scope))


# -- list -----------------------------------------------------------------------------------------------------------


class CampaignFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("名称"), field_name="name", lookup_expr="icontains")
    zone = django_filters.ModelChoiceFilter(label=gettext_lazy("开发区"), queryset=zones_in_scope)
    year = django_filters.NumberFilter(label=gettext_lazy("年度"), method="in_year")

    class Meta:
        model = Campaign
        fields = ["q", "zone", "year"]
        form = FilterForm

    def in_year(self, queryset, name, value):
        if not value:
            return queryset
        year = int(value)
        return queryset.filter(starts_on__year__lte=year, ends_on__year__gte=year)


class CampaignTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=gettext_lazy("名称"))
    zone = tables.Column(verbose_name=gettext_lazy("开发区"), order_by=("zone__name",))
    starts_on = tables.DateColumn(format="Y-m-d", verbose_name=gettext_lazy("起始日期"))
    ends_on = tables.DateColumn(format="Y-m-d", verbose_name=gettext_lazy("截止日期"))
    note = tables.Column(verbose_name=gettext_lazy("说明"))

    class Meta:
        model = Campaign
        fields = ["name", "zone", "starts_on", "ends_on", "note"]
        attrs = {"class": "table table-sm table-hover", "id": "campaign-table"}
        empty_text = gettext_lazy("没有符合条件的三个一批活动")


class CampaignListView(ScopedObjectMixin, SingleTableMixin, FilterView):
    model = Campaign
    table_class = CampaignTable
    filterset_class = CampaignFilterSet
    template_name = "projects/campaign_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return super().get_queryset().select_related("zone").order_by("-starts_on", "name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_add"] = may_add_campaigns(self.request.user)
        return context


# -- add / edit -----------------------------------------------------------------------------------------------------


class CampaignForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["zone", "name", "starts_on", "ends_on", "note"]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zones = Zone.objects.filter(pk=self.instance.zone_id)
            self.fields["zone"].disabled = True
        elif user.is_system_admin:
            zones = Zone.objects.all()
        else:
            zones = Zone.objects.filter(pk__in=user.writable_zone_ids(Campaign.scope))
        self.fields["zone"].queryset = zones
        if not self.instance.pk and len(zones) == 1:
            self.fields["zone"].initial = zones[0].pk

    def clean(self):
        data = super().clean()
        name, zone = (data.get("name") or "").strip(), data.get("zone")
        if name and zone:
            data["name"] = name
            duplicate = Campaign.objects.filter(zone=zone, name=name).exclude(pk=self.instance.pk)
            if duplicate.exists():
                self.add_error("name", _("本开发区已有同名的三个一批活动"))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("截止日期不能早于起始日期"))
        return data

    def validate_unique(self):
        """Checked in clean() with a message on the name field."""


class CampaignEditView(ScopedEditView):
    model = Campaign
    form_class = CampaignForm
    template_name = "projects/campaign_form.html"

    def dispatch(self, request, *args, **kwargs):
        adding = request.user.is_authenticated and "pk" not in kwargs
        if adding and not may_add_campaigns(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        zone = form.cleaned_data["zone"]
        if not self.request.user.can_add_in_zone(Campaign.scope, zone.pk):
            raise Http404
        self.object = service.save_campaign(actor=self.request.user, campaign=form.instance)
        messages.success(self.request, _("已保存。"))
        return redirect(self.object.get_absolute_url())


# -- the campaign page ----------------------------------------------------------------------------------------------


class BatchFilterForm(BootstrapFormMixin, forms.Form):
    """GET filters of the campaign page and its export: 总投资 threshold, level, kind, park."""

    min_investment = forms.ChoiceField(label=gettext_lazy("总投资"), choices=INVESTMENT_THRESHOLDS, required=False)
    level = forms.ChoiceField(label=gettext_lazy("重点项目级别"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("项目类型"), required=False)
    park = forms.ModelChoiceField(
        label=gettext_lazy("园区"), queryset=Park.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["level"].choices = everything + list(ProjectLevelChoices.choices)
        self.fields["kind"].choices = everything + list(ProjectKindChoices.choices)
        self.fields["park"].queryset = Park.objects.filter(zone=zone)

    def batch_filter(self):
        """The BatchFilter for valid data; invalid filters narrow nothing (the form shows their errors)."""
        if not self.is_valid():
            return service.NO_FILTER
        data = self.cleaned_data
        park = data.get("park")
        return service.BatchFilter(
            min_investment=Decimal(data["min_investment"]) if data.get("min_investment") else None,
            level=data.get("level") or "",
            kind=data.get("kind") or "",
            park_id=park.pk if park else None,
        )


def campaign_filter(request, campaign):
    form = BatchFilterForm(request.GET or None, zone=campaign.zone_id)
    return form, form.batch_filter() if form.is_bound else service.NO_FILTER


class CampaignView(ScopedDetailView):
    model = Campaign
    template_name = "projects/campaign.html"

    def get_queryset(self):
        return super().get_queryset().select_related("zone")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        form, filters = campaign_filter(self.request, campaign)
        batches, overrides = service.campaign_batches(campaign, filters)
        context.update(
            form=form,
            batches=batches,
            overrides=overrides,
            may_change=self.may(campaign, "change"),
            history=history_entries(campaign),
            query=self.request.GET.urlencode(),
        )
        return context


# -- export ---------------------------------------------------------------------------------------------------------

EXPORT_HEADERS = [
    gettext_lazy("所在开发区"),
    gettext_lazy("项目名称"),
    gettext_lazy("投资方"),
    gettext_lazy("总投资(万元)"),
    gettext_lazy("建设内容"),
    gettext_lazy("预计年产值(万元)"),
    gettext_lazy("日期"),
]
EXPORT_WIDTHS = (22, 36, 30, 14, 48, 16, 12)


def batch_sheet_rows(batch):
    for row in batch.rows:
        project = row.project
        yield [
            project.zone.name,
            project.name,
            project.investor_label,
            project.total_investment,
            project.content,
            project.expected_output_value,
            row.on,
        ]
    totals = batch.totals
    yield [
        _("合计"),
        _("%(count)d个项目，其中亿元以上%(big)d个") % {"count": totals.count, "big": totals.big_count},
        "",
        totals.investment,
        "",
        totals.expected_output,
        "",
    ]
    if batch.output is not None:
        output = batch.output
        label = _("已实现产值（%(year)s年1—%(month)s月，万元）") % {"year": output.year, "month": output.month}
        yield [label if output.period else _("已实现产值（暂无统计数据）"), "", "", output.total, "", "", ""]


def campaign_workbook(campaign, batches):
    workbook = write_only_workbook()
    summary = [
        [
            b.label,
            b.totals.count,
            b.totals.investment,
            b.totals.big_count,
            b.totals.big_share,
            b.totals.expected_output,
            b.output.total if b.output else None,
        ]
        for b in batches
    ]
    count = add_table_sheet(
        workbook,
        _("汇总"),
        [
            _("批次"),
            _("项目个数"),
            _("总投资(万元)"),
            _("亿元以上项目个数"),
            _("亿元以上占比(%)"),
            _("预计年产值(万元)"),
            _("已实现产值(万元)"),
        ],
        summary,
        widths=(14, 10, 16, 16, 14, 16, 16),
    )
    for batch in batches:
        count += add_table_sheet(
            workbook, str(batch.label), [str(h) for h in EXPORT_HEADERS], batch_sheet_rows(batch), widths=EXPORT_WIDTHS
        )
    return workbook, count


class CampaignExportView(LoginRequiredMixin, View):
    """The three batches as .xlsx (a summary sheet and one sheet per batch), with the page's filters."""

    def get(self, request, pk):
        campaign = get_object_or_404(Campaign.objects.restrict(request.user, "view").select_related("zone"), pk=pk)
        _form, filters = campaign_filter(request, campaign)
        batches, _overrides = service.campaign_batches(campaign, filters)
        workbook, count = campaign_workbook(campaign, batches)
        record_event(
            AuditEventChoices.EXPORT,
            request=request,
            obj=campaign,
            detail={"list": "三个一批", "campaign": campaign.pk, "filter": request.GET.urlencode(), "rows": count},
        )
        filename = _("%(name)s-%(date)s.xlsx") % {
            "name": campaign.name,
            "date": timezone.localdate().strftime("%Y%m%d"),
        }
        return workbook_response(workbook, filename)


# -- hand overrides -------------------------------------------------------------------------------------------------

ACTIONS = [
    ("include", gettext_lazy("手动纳入")),
    ("exclude", gettext_lazy("手动剔除")),
    ("withdraw", gettext_lazy("撤销手动调整（按日期计算）")),
]


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class OverrideForm(BootstrapFormMixin, forms.Form):
    project = ProjectChoiceField(label=gettext_lazy("项目"), queryset=Project.objects.none())
    batch = forms.ChoiceField(label=gettext_lazy("批次"), choices=CampaignBatchChoices.choices)
    action = forms.ChoiceField(label=gettext_lazy("调整"), choices=ACTIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=300)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["project"].queryset = Project.objects.filter(zone=campaign.zone_id).order_by("name", "pk")
        self.fields["project"].widget.attrs["data-picker"] = "1"

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("请填写手动调整的原因"))
        return reason

    def clean(self):
        data = super().clean()
        if data.get("action") == "withdraw" and data.get("project") and data.get("batch"):
            self.override = CampaignOverride.objects.filter(
                campaign=self.campaign, project=data["project"], batch=data["batch"]
            ).first()
            if self.override is None:
                self.add_error("project", _("该项目在此批次没有手动调整，无需撤销"))
        return data


class CampaignOverrideView(ScopedObjectMixin, FormView):
    """Put a project into a batch or take it out by hand (reason required), or withdraw such a decision."""

    model = Campaign
    action = "change"
    form_class = OverrideForm
    template_name = "projects/campaign_override.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.campaign = get_object_or_404(self.get_queryset().select_related("zone"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campaign": self.campaign}

    def get_initial(self):
        initial = {key: self.request.GET[key] for key in ("project", "batch", "action") if self.request.GET.get(key)}
        return {"action": "exclude", **initial}

    def get_context_data(self, **kwargs):
        overrides = service.campaign_overrides(self.campaign)
        return {**super().get_context_data(**kwargs), "campaign": self.campaign, "overrides": overrides}

    def form_valid(self, form):
        data, actor = form.cleaned_data, self.request.user
        if data["action"] == "withdraw":
            service.remove_override(actor=actor, override=form.override, reason=data["reason"])
            messages.success(self.request, _("已撤销手动调整。"))
        else:
            try:
                service.override_batch(
                    actor=actor,
                    campaign=self.campaign,
                    project=data["project"],
                    batch=data["batch"],
                    include=data["action"] == "include",
                    reason=data["reason"],
                )
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
                return self.form_invalid(form)
            messages.success(self.request, _("手动调整已记录。"))
        return redirect(self.campaign.get_absolute_url() + "#overrides")
