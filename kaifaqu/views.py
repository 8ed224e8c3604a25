"""The home page: where each role lands after login."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.shortcuts import redirect
from django.views.generic import TemplateView

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.enterprises.models import Enterprise, IndustryClass
from kaifaqu.zones.models import Zone
from kaifaqu.zones.querysets import count_related


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        business = user.is_system_admin or user.has_role(
            RoleChoices.ZONE_ADMIN, RoleChoices.DEPARTMENT_STAFF, RoleChoices.LEADER, RoleChoices.REGION_VIEWER
        )
        if not business:
            if user.has_role(RoleChoices.ENTERPRISE_USER):
                firm = Enterprise.objects.restrict(user).first()
                if firm:
                    return redirect(firm.get_absolute_url())
            if user.has_role(RoleChoices.AUDIT_ADMIN):
                return redirect("accounts:audit_list")
            if user.has_role(RoleChoices.SECURITY_ADMIN):
                return redirect("accounts:user_list")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        zones = (
            Zone.objects.restrict(user)
            .select_related("region")
            .annotate(
                active_count=count_related("enterprises", status="active"),
                park_count=count_related("parks"),
            )
            .order_by("region_id", "name")
        )
        firms = Enterprise.objects.restrict(user)
        status_counts = dict(firms.values_list("status").annotate(n=Count("pk")))
        by_section = list(
            firms.filter(status="active").values("industry__section").annotate(n=Count("pk")).order_by("-n")[:8]
        )
        section_names = dict(IndustryClass.objects.filter(level="section").values_list("code", "name"))
        for row in by_section:
            row["name"] = section_names.get(row["industry__section"], "")
        history = Enterprise.history.filter(pk__in=firms.values("pk")).select_related("history_user")
        context.update(
            zones=zones,
            status_counts=status_counts,
            total=sum(status_counts.values()),
            by_section=by_section,
            recent_changes=history.order_by("-history_date")[:10],
            has_roles=bool(user.active_memberships) or user.is_superuser,
        )
        return context
