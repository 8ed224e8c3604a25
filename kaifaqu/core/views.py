"""Shared view mechanics: every object is fetched through restrict(), so out of scope is a 404."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import DeleteView, DetailView, UpdateView

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
