"""The home page: where each role lands after login (what each role sees is built in kaifaqu/home.py)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from kaifaqu.accounts.choices import RoleChoices

from .home import home_context, home_role


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if not home_role(user):  # the security and audit administrators go to their own pages (三员分立)
            if user.has_role(RoleChoices.AUDIT_ADMIN):
                return redirect("accounts:audit_list")
            if user.has_role(RoleChoices.SECURITY_ADMIN):
                return redirect("accounts:user_list")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(home_context(user, self.request.GET, timezone.localdate()))
        context["has_roles"] = bool(user.active_memberships) or user.is_superuser
        return context
