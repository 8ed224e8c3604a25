"""The system administrator's configuration of the forms (报表): their settings, their statistical scope (the 四上
categories whose directory is the form's scope) and their indicators — e.g. adding 固定资产投资 to the monthly form.
Other users get 404. Writes go through services_config.save_data_set (history and an audit record)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from kaifaqu.core.forms import BootstrapFormMixin, style_fields

from ..choices import StatsCategoryChoices
from ..models import DataSet, DataSetIndicator, Indicator
from ..services_config import FormItem, save_data_set


class SystemAdminMixin(LoginRequiredMixin):
    """Pages of the 系统管理员 (users and configuration); 404 for everyone else."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_system_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DataSetForm(BootstrapFormMixin, forms.ModelForm):
    scope_categories = forms.MultipleChoiceField(
        label=gettext_lazy("统计口径（名录类别）"),
        choices=StatsCategoryChoices.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text=gettext_lazy(
            "该报表的统计范围为当年四上企业名录中这些类别的企业；企业进入这些类别的名录后自动须报送本表。"
            "修改后只影响此后录入的名录，已有的报送任务不会随之调整。留空则统计范围为分配了报送任务的企业。"
        ),
    )

    class Meta:
        model = DataSet
        fields = ["name", "january_exempt", "deadline_day", "lock_after_deadline", "scope_categories"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        deadline = self.fields["deadline_day"]
        deadline.validators += [
            MinValueValidator(1, message=_("截止日应为 1 至 28 之间的数字")),
            MaxValueValidator(28, message=_("截止日应为 1 至 28 之间的数字")),
        ]
        deadline.widget.attrs.update(min=1, max=28)

    def clean_scope_categories(self):
        chosen = set(self.cleaned_data["scope_categories"])
        return [code for code in StatsCategoryChoices.values if code in chosen]  # the choices' order, always


class DataSetItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DataSetIndicator
        fields = ["indicator", "order", "is_required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.order_by("sort_order", "code")

    def validate_unique(self):
        """The same indicator twice is caught by the formset; one already on the form is updated, not a duplicate."""


class DataSetItemBaseFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        style_fields(form.fields)  # the 删除 box comes after the form's own styling


DataSetItemFormSet = forms.inlineformset_factory(
    DataSet, DataSetIndicator, form=DataSetItemForm, formset=DataSetItemBaseFormSet, extra=1, can_delete=True
)


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
        save_data_set(
            actor=request.user,
            data_set=form.save(commit=False),
            items=chosen,
            changed=form.changed_data,
            request=request,
        )
        messages.success(request, _("报表“%(name)s”已保存。") % {"name": self.data_set.name})
        return redirect("stats:data_set_edit", pk=self.data_set.pk)
