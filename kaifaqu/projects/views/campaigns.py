"""三个一批 campaigns: the list, add/edit, the page of three batches (filters), the export and hand overrides."""

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
from kaifaqu.core.history import history_entries
from kaifaqu.core.periods import cumulative_title
from kaifaqu.core.views import ScopedDetailView, ScopedEditView, ScopedObjectMixin

from .. import campaigns as service
from ..filtersets import CampaignFilterSet
from ..forms import BatchFilterForm, CampaignForm, OverrideForm
from ..models import Campaign
from ..permissions import may_add_campaign
from ..tables import CampaignTable

# -- list -----------------------------------------------------------------------------------------------------------


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
        context["may_add"] = may_add_campaign(self.request.user)
        return context


# -- add / edit -----------------------------------------------------------------------------------------------------


class CampaignEditView(ScopedEditView):
    model = Campaign
    form_class = CampaignForm
    template_name = "projects/campaign_form.html"

    def dispatch(self, request, *args, **kwargs):
        adding = request.user.is_authenticated and "pk" not in kwargs
        if adding and not may_add_campaign(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        zone = form.cleaned_data["zone"]
        if not may_add_campaign(self.request.user, zone):
            raise Http404
        try:
            self.object = service.save_campaign(actor=self.request.user, campaign=form.instance)
        except ValidationError as error:  # a StaleEdit too: the form shows the other change and keeps the input
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return redirect(self.object.get_absolute_url())


# -- the campaign page ----------------------------------------------------------------------------------------------


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
        if output.period:
            label = _("已实现产值（%(period)s，万元）") % {"period": cumulative_title(output.period)}
        else:
            label = _("已实现产值（暂无统计数据）")
        yield [label, "", "", output.total, "", "", ""]


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
        try:
            if data["action"] == "withdraw":
                service.withdraw_override(
                    actor=actor,
                    campaign=self.campaign,
                    project=data["project"],
                    batch=data["batch"],
                    reason=data["reason"],
                )
            else:
                service.override_batch(
                    actor=actor,
                    campaign=self.campaign,
                    project=data["project"],
                    batch=data["batch"],
                    include=data["action"] == "include",
                    reason=data["reason"],
                )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        done = _("已撤销手动调整。") if data["action"] == "withdraw" else _("手动调整已记录。")
        messages.success(self.request, done)
        return redirect(self.campaign.get_absolute_url() + "#overrides")
