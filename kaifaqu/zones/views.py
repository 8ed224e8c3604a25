from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from kaifaqu.core.exports import workbook_response
from kaifaqu.core.history import history_entries
from kaifaqu.core.views import ScopedDeleteView, ScopedDetailView, ScopedEditView, ScopedObjectMixin

from .exports import export_zones
from .filtersets import ZoneFilterSet
from .forms import DepartmentForm, IndustryChainForm, ParkForm, ZoneForm
from .models import Department, IndustryChain, Park, Zone
from .querysets import count_related


class ZoneListView(ScopedObjectMixin, ListView):
    model = Zone
    template_name = "zones/zone_list.html"
    paginate_by = 50

    def get_queryset(self):
        zones = super().get_queryset().select_related("region__parent__parent")
        self.filterset = ZoneFilterSet(self.request.GET, queryset=zones, request=self.request)
        return self.filterset.qs.annotate(
            enterprise_count=count_related("enterprises", status="active"),
            park_count=count_related("parks"),
        ).order_by("region_id", "name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["may_add"] = self.request.user.is_system_admin
        context["query"] = self.request.GET.urlencode()
        return context


class ZoneExportView(ScopedObjectMixin, View):
    model = Zone

    def get(self, request):
        return workbook_response(*export_zones(request))


class ZoneView(ScopedDetailView):
    model = Zone
    template_name = "zones/zone.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region__parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zone = self.object
        status_counts = dict(zone.enterprises.values_list("status").annotate(n=Count("pk")))
        context.update(
            parks=zone.parks.annotate(enterprise_count=Count("enterprises", filter=Q(enterprises__status="active"))),
            departments=zone.departments.annotate(member_count=Count("members")),
            chains=zone.chains.annotate(enterprise_count=Count("enterprises")),
            status_counts=status_counts,
            enterprise_total=sum(status_counts.values()),
            may_change=self.may(zone, "change"),
            may_write_registry=self.request.user.can_add_in_zone(Park.scope, zone.pk),
            history=history_entries(zone),
        )
        return context


class ZoneEditView(ScopedEditView):
    model = Zone
    form_class = ZoneForm
    template_name = "zones/zone_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and "pk" not in kwargs and not request.user.is_system_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ZonePartEditView(ScopedEditView):
    """Add or edit a park, department or industry chain of one zone."""

    template_name = "zones/part_form.html"

    def get_zone(self):
        if self.object is not None:
            return self.object.zone
        zone = get_object_or_404(Zone.objects.restrict(self.request.user, "view"), pk=self.kwargs["zone_pk"])
        self.check_add_allowed(zone.pk)
        return zone

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.instance.zone = self.zone
        return form

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.zone = self.get_zone()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.zone = self.get_zone()
        form = self.get_form()
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(zone=self.zone, part_name=self.model._meta.verbose_name)
        return context

    def get_success_url(self):
        return reverse("zones:zone", args=[self.zone.pk])


class ParkEditView(ZonePartEditView):
    model = Park
    form_class = ParkForm


class DepartmentEditView(ZonePartEditView):
    model = Department
    form_class = DepartmentForm


class IndustryChainEditView(ZonePartEditView):
    model = IndustryChain
    form_class = IndustryChainForm


class ZonePartDeleteView(ScopedDeleteView):
    template_name = "zones/part_confirm_delete.html"

    def get_success_url(self):
        return reverse("zones:zone", args=[self.object.zone_id])


class ParkDeleteView(ZonePartDeleteView):
    model = Park


class DepartmentDeleteView(ZonePartDeleteView):
    model = Department


class IndustryChainDeleteView(ZonePartDeleteView):
    model = IndustryChain
