"""The system administrator's configuration of the forms (报表): their settings, their statistical scope (the 四上
categories whose directory is the form's scope) and their indicators — e.g. adding 固定资产投资 to the monthly form.
Other users get 404. Writes go through services.save_data_set (history and an audit record)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from kaifaqu.core.versioning import StaleEdit

from ..choices import StatsCategoryChoices
from ..forms import DataSetForm, DataSetItemFormSet
from ..models import DataSet, DataSetIndicator
from ..services import FormItem, save_data_set


class SystemAdminMixin(LoginRequiredMixin):
    """Pages of the 系统管理员 (users and configuration); 404 for everyone else."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_system_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DataSetListView(SystemAdminMixin, TemplateView):
    """报表设置: every form with its period type, scope and how many indicators and assigned firms it has."""

    template_name = "stats/data_set_list.html"

    def get_context_data(self, **kwargs):
        labels = dict(StatsCategoryChoices.choices)
        data_sets = DataSet.objects.annotate(
            indicator_count=Count("items", distinct=True), assignment_count=Count("assignments", distinct=True)
        ).order_by("code")
        rows = [{"data_set": d, "categories": [labels[c] for c in d.scope_categories]} for d in data_sets]
        return {**super().get_context_data(**kwargs), "rows": rows}


class DataSetEditView(SystemAdminMixin, TemplateView):
    """One form's settings and its indicators (add, remove, order, required)."""

    template_name = "stats/data_set_edit.html"
    prefix = "items"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_system_admin:
            self.data_set = get_object_or_404(DataSet, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None):
        form = DataSetForm(data, instance=self.data_set)
        items = DataSetItemFormSet(
            data,
            instance=self.data_set,
            prefix=self.prefix,
            queryset=DataSetIndicator.objects.filter(data_set=self.data_set).select_related("indicator"),
        )
        return form, items

    def get_context_data(self, **kwargs):
        form, items = kwargs.pop("forms", None) or self.forms()
        context = super().get_context_data(**kwargs)
        context.update(data_set=self.data_set, form=form, items=items)
        return context

    def post(self, request, *args, **kwargs):
        form, items = self.forms(request.POST)
        if not (form.is_valid() and items.is_valid()):
            return self.render_to_response(self.get_context_data(forms=(form, items)))
        chosen = [
            FormItem(f.cleaned_data["indicator"], f.cleaned_data["order"], f.cleaned_data["is_required"])
            for f in items.forms
            if f.cleaned_data.get("indicator") and f not in items.deleted_forms
        ]
        if not chosen:
            messages.error(request, _("报表至少要有一个指标。"))
            return self.render_to_response(self.get_context_data(forms=(form, items)))
        try:
            with transaction.atomic():
                save_data_set(
                    actor=request.user,
                    data_set=form.save(commit=False),
                    items=chosen,
                    changed=form.changed_data,
                    request=request,
                )
        except StaleEdit as stale:  # changed since the page was loaded: the form shows how, with the input kept
            form.add_error(None, stale)
            return self.render_to_response(self.get_context_data(forms=(form, items)))
        messages.success(request, _("报表“%(name)s”已保存。") % {"name": self.data_set.label})
        return redirect("stats:data_set_edit", pk=self.data_set.pk)
