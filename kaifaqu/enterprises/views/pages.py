from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kaifaqu.core.history import history_entries
from kaifaqu.core.views import ScopedDeleteView, ScopedDetailView, ScopedEditView, ScopedObjectMixin
from kaifaqu.zones.querysets import writable_zones

from ..choices import IndustryLevelChoices
from ..filtersets import EnterpriseFilterSet
from ..forms import ContactForm, EnterpriseForm, RelocationForm, firm_picker_label
from ..models import Contact, Enterprise, IndustryClass
from ..panels import shown_panels
from ..services import relocate_enterprise
from ..tables import EnterpriseTable


class EnterpriseListView(ScopedObjectMixin, SingleTableMixin, FilterView):
    model = Enterprise
    table_class = EnterpriseTable
    filterset_class = EnterpriseFilterSet
    template_name = "enterprises/enterprise_list.html"
    table_pagination = {"per_page": 50}  # the table paginates; the list view must not count a second time

    # the columns EnterpriseTable shows (and its sorting keys): no other field is loaded for a page of 50
    LISTED = ("name", "credit_code", "is_demo", "scale", "status", "founded_on", "zone__name", "zone__short_name")
    LISTED += ("park__name", "industry__code", "industry__name")

    def get_queryset(self):
        queryset = super().get_queryset().select_related("zone", "park", "industry").order_by("name", "pk")
        return queryset.only(*self.LISTED)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        writable = user.may("add", Enterprise)
        context.update(may_add=writable, query=self.request.GET.urlencode())
        return context


class EnterpriseView(ScopedDetailView):
    """The firm's whole story: the registry card beside the panels other apps register (figures, reporting,
    projects, …; kaifaqu.enterprises.panels), then the history."""

    model = Enterprise
    template_name = "enterprises/enterprise.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("zone", "park", "service_department", "industry__parent__parent__parent", "region")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        firm = self.object
        may_change = self.may(firm, "change")
        context.update(
            may_change=may_change,
            contacts=firm.contacts.all(),
            # PI-2: full numbers for the zone's roles and the system administrator (who reads, not writes, the
            # registry), masked for others (region viewers), as on the 催报 list (stats.quality.shows_phone_numbers).
            show_phones=may_change or self.request.user.is_system_admin or self.request.user.zone_ids(),
            relocations=firm.relocations.select_related("from_zone", "from_park", "to_zone", "to_park", "recorded_by"),
            history=history_entries(firm),
            tags=firm.tags.all(),
            chains=firm.chains.all(),
            panels=shown_panels(self.request, firm),
        )
        return context


class EnterpriseEditView(ScopedEditView):
    model = Enterprise
    form_class = EnterpriseForm
    template_name = "enterprises/enterprise_form.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        adding = user.is_authenticated and "pk" not in kwargs
        if adding and not user.may("add", Enterprise):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        zone = self.request.GET.get("zone")
        return {"zone": zone} if zone else {}


class EnterpriseRelocateView(ScopedObjectMixin, FormView):
    """迁移: to another park of the zone, or to another zone the user may also write in."""

    model = Enterprise
    action = "change"
    form_class = RelocationForm
    template_name = "enterprises/relocate.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.enterprise = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "zones": writable_zones(self.request.user, Enterprise)}

    def get_initial(self):
        return {"to_zone": self.enterprise.zone_id}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "enterprise": self.enterprise}

    def form_valid(self, form):
        relocate_enterprise(actor=self.request.user, enterprise=self.enterprise, **form.cleaned_data)
        messages.success(self.request, _("迁移已记录。"))
        return redirect(self.enterprise.get_absolute_url())


class ContactEditView(ScopedEditView):
    model = Contact
    form_class = ContactForm
    template_name = "enterprises/contact_form.html"

    def get_enterprise(self):
        if self.object is not None:
            return self.object.enterprise
        return get_object_or_404(Enterprise.objects.restrict(self.request.user, "change"), pk=self.kwargs["pk"])

    def get_object(self, queryset=None):
        if self.request.resolver_match.url_name == "contact_add":
            return None
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.enterprise = self.get_enterprise()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.enterprise = self.get_enterprise()
        form = self.get_form()
        form.instance.enterprise = self.enterprise
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "enterprise": self.enterprise}

    def get_success_url(self):
        return self.enterprise.get_absolute_url() + "#contacts"


class ContactDeleteView(ScopedDeleteView):
    model = Contact
    template_name = "enterprises/contact_confirm_delete.html"

    def get_success_url(self):
        return self.object.enterprise.get_absolute_url()


class EnterpriseSearchView(LoginRequiredMixin, View):
    """JSON for firm pickers (a project's investor or producer): firms the user may see whose name, former name or
    credit code matches `q`, within the zones of `zones` (comma-separated ids) when given; 50 at most, by name."""

    LIMIT = 50

    def get(self, request):
        firms = Enterprise.objects.restrict(request.user, "view")
        zone_ids = picker_zone_ids(request.GET.get("zones", ""))
        if zone_ids is not None:
            firms = firms.filter(zone_id__in=zone_ids)
        q = request.GET.get("q", "").strip()[:100]
        if q:
            firms = firms.filter(
                Q(name__icontains=q) | Q(former_names__icontains=q) | Q(credit_code__startswith=q.upper())
            )
        firms = firms.select_related("zone").only("pk", "name", "credit_code", "zone__name", "zone__short_name")
        firms = list(firms.order_by("name", "pk")[: self.LIMIT])
        show_zone = len({firm.zone_id for firm in firms}) > 1  # names repeat across zones, rarely within one
        results = [{"value": firm.pk, "text": firm_picker_label(firm, show_zone)} for firm in firms]
        return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


def picker_zone_ids(text):
    """The zone ids of a picker's `zones` parameter, or None when it names none (every zone the user may see)."""
    ids = {int(part) for part in text.split(",") if part.strip().isdigit()}
    return ids or None


class IndustrySearchView(LoginRequiredMixin, View):
    """JSON for the industry picker: class-level GB/T 4754 codes matching a code prefix or part of a name."""

    def get(self, request):
        q = request.GET.get("q", "").strip()
        classes = IndustryClass.objects.filter(level=IndustryLevelChoices.CLASS)
        if q:
            classes = classes.filter(Q(code__startswith=q.upper()) | Q(name__icontains=q))
        results = [{"value": c.code, "text": f"{c.code} {c.name}"} for c in classes.order_by("code")[:50]]
        return JsonResponse({"results": results})
