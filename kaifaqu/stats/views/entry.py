"""Entering figures: the reporting page of a data set and period, one firm's form, reopening a locked period,
and the data-set assignments. Every figure is written by services.record_values (the one write path)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.exports import export_list
from kaifaqu.core.money import unit_name
from kaifaqu.core.periods import format_period, month_of, monthly_from_cumulative, parse_period
from kaifaqu.core.views import ReopenView as CoreReopenView
from kaifaqu.enterprises.models import Enterprise
from kaifaqu.zones.models import Zone

from ..filtersets import AssignmentFilterSet
from ..forms import AssignmentBulkForm, AssignmentEndForm, EntryForm, ReopenForm
from ..models import DataSet, DataSetAssignment, DataSetIndicator, PeriodReopening, ValidationFlag, Value
from ..periods import (
    comparison_periods,
    due_periods,
    latest_due_period,
    locked_reason,
    open_periods,
    parse_due_period,
    period_choices,
    period_is_open,
    period_label,
)
from ..permissions import (
    is_business_user,
    is_enterprise_user_of,
    may_enter_figures,
    may_reopen_periods,
    writable_stats_zones,
)
from ..reporting import assigned_enterprises, figures_by_period, reported_priors, revisions_by_indicator, with_reported
from ..services import (
    Submission,
    SubmissionError,
    assign_data_set,
    end_assignment,
    record_values,
    reopen_period,
)


def entry_url(enterprise, data_set, period):
    return reverse("stats:entry", args=[enterprise.pk, data_set.code, format_period(period)])


# -- reporting page ------------------------------------------------------------------------------------------------


class ReportView(LoginRequiredMixin, TemplateView):
    """Who of the assigned firms has reported a data set for a period; enterprise users go to their own form."""

    template_name = "stats/entry_report.html"
    per_page = 100

    def get(self, request, *args, **kwargs):
        user = request.user
        self.data_sets = list(DataSet.objects.order_by("pk"))
        if not self.data_sets:
            raise Http404
        if not is_business_user(user):
            if user.has_role(RoleChoices.ENTERPRISE_USER):
                return self.enterprise_user_get()
            raise Http404
        self.data_set = self.chosen_data_set(self.data_sets)
        self.periods = due_periods(self.data_set)
        self.period = parse_due_period(request.GET.get("period", ""), self.data_set) or latest_due_period(self.data_set)
        return super().get(request, *args, **kwargs)

    def chosen_data_set(self, data_sets):
        code = self.request.GET.get("data_set")
        return next((d for d in data_sets if d.code == code), data_sets[0])

    def enterprise_user_get(self):
        """Straight to the firm's own form for an open period of a data set it reports."""
        firm = Enterprise.objects.restrict(self.request.user, "view").first()
        if firm is None:
            raise Http404
        assigned = DataSet.objects.filter(assignments__enterprise=firm).distinct().order_by("pk")
        data_sets = list(assigned)
        if not data_sets:
            return self.render_to_response({"firm": firm, "no_assignment": True})
        data_set = self.chosen_data_set(data_sets)
        wanted = parse_due_period(self.request.GET.get("period", ""), data_set)
        periods = due_periods(data_set)
        if wanted is not None and wanted not in periods:
            periods.append(wanted)
        available = open_periods(data_set, firm.zone_id, periods)
        if not available:
            return self.render_to_response({"firm": firm, "data_set": data_set, "nothing_open": True})
        period = wanted if wanted in available else available[0]
        if wanted is not None and wanted != period:
            messages.warning(self.request, _("所选报告期已锁定，已转到可填报的报告期。"))
        return redirect(entry_url(firm, data_set, period))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, data_set, period = self.request.user, self.data_set, self.period
        firms = assigned_enterprises(Enterprise.objects.restrict(user, "view"), data_set, period)
        zones = Zone.objects.restrict(user, "view").order_by("name")
        zone_id = self.request.GET.get("zone", "")
        if zone_id.isdigit():
            firms = firms.filter(zone_id=int(zone_id))
        firms = with_reported(firms, data_set, period)
        counts = firms.aggregate(total=Count("pk"), reported=Count("pk", filter=Q(is_reported=True)))
        status = self.request.GET.get("status", "")
        if status == "reported":
            firms = firms.filter(is_reported=True)
        elif status == "missing":
            firms = firms.filter(is_reported=False)
        firms = firms.select_related("zone", "park").order_by("zone__name", "name", "pk")
        page = Paginator(firms, self.per_page).get_page(self.request.GET.get("page"))
        writable = set(writable_stats_zones(user).values_list("pk", flat=True))
        rows = [
            {"firm": firm, "url": entry_url(firm, data_set, period), "may_write": firm.zone_id in writable}
            for firm in page.object_list
        ]
        context.update(
            data_sets=self.data_sets,
            data_set=data_set,
            period=period,
            period_text=format_period(period),
            period_label=period_label(period, data_set),
            period_choices=period_choices(data_set, self.periods),
            zones=zones,
            zone_id=zone_id,
            status=status,
            rows=rows,
            page_obj=page,
            total=counts["total"],
            reported=counts["reported"],
            missing=counts["total"] - counts["reported"],
            may_reopen=may_reopen_periods(user),
            may_assign=bool(writable),
        )
        return context


# -- one firm's form -----------------------------------------------------------------------------------------------


class EntryView(LoginRequiredMixin, FormView):
    """A firm's figures of one data set and period, with last period, last year and the revision history."""

    template_name = "stats/entry_form.html"
    form_class = EntryForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.load(request.user, kwargs)
            if request.method not in ("GET", "HEAD") and not self.may_write:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def load(self, user, kwargs):
        self.enterprise = get_object_or_404(
            Enterprise.objects.restrict(user, "view").select_related("zone", "park"), pk=kwargs["pk"]
        )
        self.data_set = get_object_or_404(DataSet, code=kwargs["data_set"])
        self.period = parse_due_period(kwargs["period"], self.data_set)
        if self.period is None:
            raise Http404
        self.is_open = period_is_open(self.data_set, self.enterprise.zone_id, self.period)
        is_staff_writer = user.can_add_in_zone(Value.scope, self.enterprise.zone_id)
        if not is_staff_writer and is_enterprise_user_of(user, self.enterprise) and not self.is_open:
            raise Http404  # an enterprise sees its form only while the period is open
        self.may_write = may_enter_figures(user, self.enterprise)
        # A writer of a locked period sees the form read-only with the reason, not inputs refused after 保存.
        self.locked_reason = "" if self.is_open else locked_reason(self.data_set, self.period)
        self.items = list(
            DataSetIndicator.objects.filter(data_set=self.data_set, indicator__is_active=True)
            .select_related("indicator")
            .order_by("order", "indicator__sort_order")
        )
        self.indicator_ids = [item.indicator_id for item in self.items]
        self.previous, self.last_year, self.last_year_previous = comparison_periods(self.data_set, self.period)
        self.figures = figures_by_period(
            self.enterprise,
            self.indicator_ids,
            [self.period, self.previous, self.last_year, self.last_year_previous],
        )
        current = self.figures.get(self.period, {})
        self.stored = {
            item.indicator.code: current[item.indicator_id] for item in self.items if item.indicator_id in current
        }
        last_year = self.figures.get(self.last_year, {})
        self.ask_prior = [item.indicator.code for item in self.items if item.indicator_id not in last_year]
        self.stored_priors = reported_priors(self.enterprise, self.period, self.items)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "items": self.items,
            "stored": self.stored,
            "read_only": not self.may_write or not self.is_open,
            "ask_prior": self.ask_prior,
            "stored_priors": self.stored_priors,
        }

    def post(self, request, *args, **kwargs):
        if not self.is_open:  # a form opened before the deadline and sent after it: nothing is written
            form = self.get_form()
            form.add_error(None, self.locked_reason)
            return self.form_invalid(form)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        submission = Submission(self.enterprise, self.period, form.figures(), priors=form.priors())
        try:
            result = record_values(
                actor=self.request.user,
                data_set=self.data_set,
                submissions=[submission],
                source="form",
                reason=form.cleaned_data["reason"].strip(),
            )
        except SubmissionError as error:
            names = {item.indicator.code: item.indicator.name for item in self.items}
            for _submission, code, message in error.problems:
                target = f"v_{code}" if code in names else None
                if target is not None and message not in form.errors.get(target, []):
                    form.add_error(target, message)
                elif target is None:
                    form.add_error(None, f"{names.get(code, code)}：{message}" if code else message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已保存：新增或更正 %(created)s 项，未变 %(unchanged)s 项。")
            % {"created": result.created, "unchanged": result.unchanged},
        )
        if result.flags:
            messages.warning(
                self.request,
                _("已保存，但以下数据需核实：%(flags)s") % {"flags": "；".join(flag.message for flag in result.flags)},
            )
        return redirect(entry_url(self.enterprise, self.data_set, self.period))

    def rows(self, form):
        history = revisions_by_indicator(self.enterprise, self.period, self.indicator_ids)
        month = month_of(self.period)
        rows = []
        for item in self.items:
            indicator, key = item.indicator, item.indicator_id
            current = self.figures.get(self.period, {}).get(key)
            previous = self.figures.get(self.previous, {}).get(key) if self.previous else None
            last_year = self.figures.get(self.last_year, {}).get(key)
            last_year_previous = (
                self.figures.get(self.last_year_previous, {}).get(key) if self.last_year_previous else None
            )
            monthly = last_year_monthly = None
            if indicator.kind == "flow" and self.data_set.period_type == "monthly":
                exempt = self.data_set.january_exempt
                monthly = self.derive(month, current, previous, exempt)
                last_year_monthly = self.derive(month, last_year, last_year_previous, exempt)
            rows.append(
                {
                    "indicator": indicator,
                    "unit": unit_name("万元") if indicator.is_money else indicator.unit_label,
                    "field": form.indicator_field(indicator.code),
                    "current": current,
                    "monthly": monthly,
                    "previous": previous,
                    "last_year": last_year,
                    "last_year_monthly": last_year_monthly,
                    "prior_field": form.prior_field_of(indicator.code),
                    "history": history.get(key, []),
                }
            )
        return rows

    @staticmethod
    def derive(month, cumulative, earlier, january_exempt):
        """本月 from 1—N月 (kaifaqu.core.periods.monthly_from_cumulative): never guessed when a figure is missing."""
        if cumulative is None:
            return None
        series = {month: cumulative} if month == 1 else {month - 1: earlier, month: cumulative}
        return monthly_from_cumulative(series, january_exempt=january_exempt)[month]

    def switcher(self):
        """Other periods of the same form: due periods for staff; only open ones for the firm's own users."""
        periods = due_periods(self.data_set, count=12)
        if self.period not in periods:
            periods.insert(0, self.period)
        if not self.request.user.can_add_in_zone(Value.scope, self.enterprise.zone_id) and is_enterprise_user_of(
            self.request.user, self.enterprise
        ):
            periods = open_periods(self.data_set, self.enterprise.zone_id, periods)
        return [
            {"label": label, "url": entry_url(self.enterprise, self.data_set, parse_period(text))}
            for text, label in period_choices(self.data_set, periods)
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        rows = self.rows(form)
        is_assigned = assigned_enterprises(
            Enterprise.objects.filter(pk=self.enterprise.pk), self.data_set, self.period
        ).exists()
        context.update(
            enterprise=self.enterprise,
            data_set=self.data_set,
            period=self.period,
            period_label=period_label(self.period, self.data_set),
            previous_label=period_label(self.previous, self.data_set) if self.previous else "",
            last_year_label=period_label(self.last_year, self.data_set),
            rows=rows,
            has_history=any(row["history"] for row in rows),
            may_write=self.may_write,
            is_open=self.is_open,
            locked_reason=self.locked_reason,
            period_text=format_period(self.period),
            may_reopen=may_reopen_periods(self.request.user),
            is_assigned=is_assigned,
            is_monthly=self.data_set.period_type == "monthly",
            flags=ValidationFlag.objects.filter(enterprise=self.enterprise, period=self.period, status="open")
            .select_related("indicator")
            .order_by("pk"),
            switcher=self.switcher(),
            report_url=reverse("stats:report") + f"?data_set={self.data_set.code}&period={format_period(self.period)}",
        )
        return context


# -- reopening a locked period -------------------------------------------------------------------------------------


class ReopenView(CoreReopenView):
    """管委会管理员: open a locked period again with a written reason and a closing time; past reopenings below."""

    model = PeriodReopening
    form_class = ReopenForm
    template_name = "stats/reopen_list.html"
    list_related = ("data_set",)
    success_url_name = "stats:reopen_list"

    def zones(self):
        user = self.request.user
        if user.is_system_admin:
            return Zone.objects.all()
        return Zone.objects.restrict(user, "view").filter(pk__in=user.zone_ids(RoleChoices.ZONE_ADMIN))

    def get_initial(self):
        initial = super().get_initial()
        data_set = DataSet.objects.filter(code=self.request.GET.get("data_set", "")).first()
        if data_set is not None:
            initial["data_set"] = data_set
        return initial

    def reopen(self, data):
        return reopen_period(actor=self.request.user, request=self.request, **data)

    def success_message(self, window):
        return _("%(zone)s %(form)s %(period)s 已重新开放。") % {
            "zone": window.zone,
            "form": window.data_set,
            "period": format_period(window.period),
        }

    def describe(self, window):
        return {"row": window, "period": period_label(window.period, window.data_set)}


# -- data-set assignments ------------------------------------------------------------------------------------------


class AssignmentListView(LoginRequiredMixin, TemplateView):
    template_name = "stats/assignment_list.html"
    per_page = 100

    def get(self, request, *args, **kwargs):
        if not is_business_user(request.user):
            raise Http404
        if request.GET.get("format") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def filtered(self):
        queryset = (
            DataSetAssignment.objects.restrict(self.request.user, "view")
            .select_related("data_set", "enterprise__zone", "enterprise__park")
            .order_by("enterprise__zone__name", "enterprise__name", "data_set__code", "from_period", "pk")
        )
        return AssignmentFilterSet(self.request.GET or None, queryset=queryset, request=self.request)

    def export(self):
        headers = [
            _("企业名称"),
            _("统一社会信用代码"),
            _("开发区"),
            _("园区"),
            _("报表"),
            _("起始报告期"),
            _("截止报告期"),
        ]
        rows = (
            [
                a.enterprise.name,
                a.enterprise.credit_code,
                str(a.enterprise.zone),
                str(a.enterprise.park or ""),
                a.data_set.name,
                format_period(a.from_period),
                format_period(a.to_period) if a.to_period else "",
            ]
            for a in self.filtered().qs.iterator(chunk_size=2000)
        )
        return export_list(
            self.request, name=_("报送任务"), headers=headers, rows=rows, widths=(30, 20, 14, 24, 16, 10, 10)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        filterset = self.filtered()
        page = Paginator(filterset.qs, self.per_page).get_page(self.request.GET.get("page"))
        writable = set(writable_stats_zones(user).values_list("pk", flat=True))
        context.update(
            filter=filterset,
            page_obj=page,
            rows=[
                {
                    "row": a,
                    "from": format_period(a.from_period),
                    "to": format_period(a.to_period) if a.to_period else "",
                    "may_end": a.enterprise.zone_id in writable,
                }
                for a in page.object_list
            ],
            may_assign=bool(writable),
            query=self.request.GET.urlencode(),
        )
        return context


class AssignmentBulkView(LoginRequiredMixin, FormView):
    """Assign a data set to all firms of a zone (optionally a park and a tag) from a period."""

    template_name = "stats/assignment_bulk.html"
    form_class = AssignmentBulkForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not writable_stats_zones(request.user).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "zones": writable_stats_zones(self.request.user).order_by("name")}

    def get_initial(self):
        get = self.request.GET
        initial = {key: get[key] for key in ("zone", "park", "tag", "data_set", "from_period") if get.get(key)}
        if get.get("period") and "from_period" not in initial:
            initial["from_period"] = get["period"]
        return initial

    def matching_firms(self, data):
        firms = Enterprise.objects.restrict(self.request.user, "view").filter(zone=data["zone"], status="active")
        if data.get("park"):
            firms = firms.filter(park=data["park"])
        if data.get("tag"):
            firms = firms.filter(tags=data["tag"])
        return firms.order_by("pk")

    def form_valid(self, form):
        data = form.cleaned_data
        if not self.request.user.can_add_in_zone(DataSetAssignment.scope, data["zone"].pk):
            raise Http404
        created, skipped = assign_data_set(
            actor=self.request.user,
            data_set=data["data_set"],
            enterprises=self.matching_firms(data),
            from_period=data["from_period"],
            to_period=data.get("to_period"),
        )
        messages.success(
            self.request,
            _("已为 %(created)s 家企业指定报送“%(form)s”；%(skipped)s 家在该期间已有任务，未重复指定。")
            % {"created": len(created), "form": data["data_set"], "skipped": skipped},
        )
        return redirect(reverse("stats:assignment_list") + f"?zone={data['zone'].pk}&data_set={data['data_set'].code}")


class AssignmentEndView(LoginRequiredMixin, FormView):
    """结束报送任务: the firm reports the data set up to and including a period."""

    template_name = "stats/assignment_end.html"
    form_class = AssignmentEndForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.assignment = get_object_or_404(
                DataSetAssignment.objects.restrict(request.user, "change").select_related("data_set", "enterprise"),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"to_period": self.assignment.to_period or latest_due_period(self.assignment.data_set)}

    def form_valid(self, form):
        try:
            end_assignment(
                actor=self.request.user, assignment=self.assignment, to_period=form.cleaned_data["to_period"]
            )
        except ValidationError as error:
            form.add_error("to_period", error.message_dict.get("to_period", error.messages))
            return self.form_invalid(form)
        messages.success(self.request, _("报送任务已结束。"))
        return redirect(reverse("stats:assignment_list") + f"?zone={self.assignment.enterprise.zone_id}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(assignment=self.assignment, from_label=format_period(self.assignment.from_period))
        return context
