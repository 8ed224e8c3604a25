"""Shared view mechanics: every object is fetched through restrict(), so out of scope is a 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import DeleteView, DetailView, FormView, UpdateView

from .versioning import StaleEdit


class ScopedObjectMixin(LoginRequiredMixin):
    model = None
    action = "view"

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, self.action)

    def may(self, obj, action):
        return self.model.objects.restrict(self.request.user, action).filter(pk=obj.pk).exists()


class ScopedDetailView(ScopedObjectMixin, DetailView):
    pass


class ScopedEditView(ScopedObjectMixin, UpdateView):
    """Add (no pk) or edit (pk) one row; adding checks the target zone with `can_add_in_zone`."""

    action = "change"
    success_message = _("已保存。")

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        return super().get_object(queryset)

    def check_add_allowed(self, zone_id):
        if not self.request.user.can_add_in_zone(self.model.scope, zone_id):
            raise Http404

    def form_valid(self, form):
        # The row's save is a compare-and-set on its version (core.versioning): a stale one writes nothing and the
        # form comes back with the user's input and the other person's change.
        try:
            with transaction.atomic():
                response = super().form_valid(form)
        except StaleEdit as stale:
            form.add_error(None, stale)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return response


class ScopedDeleteView(ScopedObjectMixin, DeleteView):
    action = "delete"

    def form_valid(self, form):
        target = self.get_success_url()
        try:
            self.object.delete()
        except (ProtectedError, RestrictedError) as blocked:
            # Rows elsewhere still need this one (e.g. a department responsible for open project problems).
            blocking = getattr(blocked, "protected_objects", None) or getattr(blocked, "restricted_objects", ())
            names = sorted({str(obj._meta.verbose_name) for obj in blocking})
            messages.error(self.request, _("仍有关联的%(names)s，不能删除。") % {"names": "、".join(names)})
            return redirect(self.request.path)
        messages.success(self.request, _("已删除。"))
        return redirect(target)


class ReopenView(LoginRequiredMixin, FormView):
    """Reopen a closed reporting period of a zone (a ReportingWindow, kaifaqu/core/reporting_window.py) and list the
    reopenings of the user's zones below the form. The page exists only for users with a zone to reopen in (else
    404). Subclasses say which zones (`zones`), what to call (`reopen`: the app's service) and how a row reads."""

    model = None  # a subclass of ReportingWindow
    list_related = ()  # more select_related for the list
    success_url_name = ""
    listed = 200

    def zones(self):
        raise NotImplementedError

    def reopen(self, data):
        """Write through the app's service; returns the window (a ValidationError shows on the form's fields)."""
        raise NotImplementedError

    def success_message(self, window):
        raise NotImplementedError

    def describe(self, window):
        """One row of the list, for the template."""
        return {"row": window, "open": window.is_open}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.zones().exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "zones": self.zones().order_by("name")}

    def get_initial(self):
        initial = super().get_initial()
        zones = list(self.zones()[:2])
        if len(zones) == 1:
            initial["zone"] = zones[0]
        if self.request.GET.get("period"):
            initial["period"] = self.request.GET["period"]
        return initial

    def form_valid(self, form):
        try:
            window = self.reopen(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(window))
        return redirect(self.success_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        windows = (
            self.model.objects.restrict(self.request.user, "view")
            .filter(zone__in=self.zones())
            .select_related("zone", self.model.opened_by_field, *self.list_related)
            .order_by(f"-{self.model.opened_at_field}", "-pk")[: self.listed]
        )
        context["reopenings"] = [self.describe(window) for window in windows]
        return context


def url_with_query(name, *args, query=None):
    """A URL with an optional query (a dict or a list of pairs, for repeated parameters)."""
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query, doseq=True)}" if query else path
