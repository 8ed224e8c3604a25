from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View

from kaifaqu.core.exports import workbook_response

from . import services
from .audit import record_event, verify_chain, write_checkpoint
from .audit_details import detail_lines
from .choices import AuditEventChoices, CheckpointReasonChoices, RoleChoices
from .exports import export_audit_events, export_checkpoints, export_list
from .forms import ApiTokenForm, MembershipForm, PasswordResetForm, UserCreateForm, UserForm
from .models import AuditCheckpoint, AuditEvent, Membership
from .querysets import grantable_roles, manageable_users, may_create_users


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timeout") == "1"
        return context


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        services.change_password(
            user=self.request.user, request=self.request, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect(self.get_success_url())


# A new key crosses one redirect in the session (server side) and leaves it when the profile page shows it.
NEW_TOKEN_SESSION_KEY = "new_api_token"  # noqa: S105 (a session key name, not a secret)


class ProfileMixin(LoginRequiredMixin):
    """The user's own account: roles, and the API tokens (named, expiring, revocable; a new key is shown once)."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            tokens=self.request.user.api_tokens.all(),
            token_form=context.get("form") or ApiTokenForm(),
            new_token=self.request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            token_days=settings.API_TOKEN_DAYS,
            token_idle_days=settings.API_TOKEN_IDLE_DAYS,
        )
        return context


class ProfileView(ProfileMixin, TemplateView):
    pass


class ApiTokenCreateView(ProfileMixin, FormView):
    """POST only: create a named token and show its key once on the profile page (an invalid name shows it again)."""

    form_class = ApiTokenForm
    http_method_names = ["post"]

    def form_valid(self, form):
        token = services.create_api_token(user=self.request.user, request=self.request, name=form.cleaned_data["name"])
        self.request.session[NEW_TOKEN_SESSION_KEY] = {"name": token.name, "key": token.key}
        return redirect("accounts:profile")


class ApiTokenRevokeView(LoginRequiredMixin, View):
    """Revoke one of one's own tokens; anyone else's is out of scope (404)."""

    def post(self, request, pk):
        token = get_object_or_404(request.user.api_tokens, pk=pk)
        services.revoke_api_token(user=request.user, request=request, token=token)
        messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
        return redirect("accounts:profile")


class UserAdminMixin(LoginRequiredMixin):
    """Only account managers reach these pages; anyone else gets 404 (out of scope)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (may_create_users(request.user) or grantable_roles(request.user)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_target(self, pk):
        return get_object_or_404(manageable_users(self.request.user), pk=pk)


class UserListView(UserAdminMixin, TemplateView):
    template_name = "accounts/user_list.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        headers = [_("账户名"), _("姓名"), _("角色"), _("状态"), _("最近登录")]
        rows = (
            [
                u.username,
                u.display_name,
                "；".join(f"{m.get_role_display()} {m.scope_label}".strip() for m in u.memberships.all()),
                _("启用") if u.is_active else _("停用"),
                timezone.localtime(u.last_login).strftime("%Y-%m-%d %H:%M") if u.last_login else "",
            ]
            for u in self.filtered_users()
        )
        return export_list(self.request, name=_("用户"), headers=headers, rows=rows, widths=(16, 14, 50, 8, 18))

    def filtered_users(self):
        users = manageable_users(self.request.user).prefetch_related(
            "memberships__zone", "memberships__department", "memberships__enterprise", "memberships__region"
        )
        q = self.request.GET.get("q", "").strip()
        role = self.request.GET.get("role", "")
        active = self.request.GET.get("active", "")
        if q:
            users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
        if role in RoleChoices.values:
            users = users.filter(memberships__role=role).distinct()
        if active in ("1", "0"):
            users = users.filter(is_active=active == "1")
        return users.order_by("username")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        role = self.request.GET.get("role", "")
        active = self.request.GET.get("active", "")
        page = Paginator(self.filtered_users(), 50).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            roles=RoleChoices.choices,
            q=q,
            role=role,
            active=active,
            may_create=may_create_users(self.request.user),
        )
        return context


class UserAddView(UserAdminMixin, FormView):
    template_name = "accounts/user_form.html"
    form_class = UserCreateForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create_users(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        user = services.create_user(
            actor=self.request.user,
            request=self.request,
            username=data["username"],
            password=data["password"],
            display_name=data["display_name"],
            email=data["email"],
            phone=data["phone"],
            home_zone_id=min(self.request.user.zone_ids(RoleChoices.ZONE_ADMIN), default=None),
        )
        messages.success(self.request, _("用户已创建，请为其授予角色。"))
        return redirect("accounts:user", pk=user.pk)


class UserView(UserAdminMixin, TemplateView):
    """One account: details, roles with grant/revoke, disable/enable, password reset."""

    template_name = "accounts/user.html"

    def scope_querysets(self):
        # Membership points up to zones and enterprises by name; read their tables the same way (no import up).
        Zone, Department, Region = (apps.get_model("zones", n) for n in ("Zone", "Department", "Region"))
        Enterprise = apps.get_model("enterprises", "Enterprise")
        actor = self.request.user
        if actor.is_superuser or actor.has_role(RoleChoices.SECURITY_ADMIN, RoleChoices.SYSTEM_ADMIN):
            zones = Zone.objects.all()
            regions = Region.objects.all()
        else:
            zones = Zone.objects.filter(pk__in=actor.zone_ids(RoleChoices.ZONE_ADMIN))
            regions = Region.objects.none()
        return {
            "zones": zones,
            "departments": Department.objects.filter(zone__in=zones).select_related("zone"),
            "enterprises": Enterprise.objects.filter(zone__in=zones),
            "regions": regions,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        target = self.get_target(self.kwargs["pk"])
        actor = self.request.user
        allowed = services.allowed_actions(actor, target)
        memberships = list(target.memberships.select_related("zone", "department", "enterprise", "region"))
        for membership in memberships:
            membership.revocable = self.revocable(membership)
        context.update(
            target=target,
            memberships=memberships,
            user_form=kwargs.get("user_form") or UserForm(instance=target),
            password_form=kwargs.get("password_form") or PasswordResetForm(user=target),
            allowed=allowed,
            may_edit=may_create_users(actor),
            may_grant="grant" in allowed,
            # 三员分立: say why the buttons are missing on another kind of administrator's account (or one's own).
            separation_note=services.refusal(actor, "reset_password" if may_create_users(actor) else "grant", target),
        )
        if context["may_grant"]:
            context["membership_form"] = kwargs.get("membership_form") or MembershipForm(
                actor=actor, **self.scope_querysets()
            )
        return context

    def post(self, request, pk):
        target = self.get_target(pk)
        action = request.POST.get("action")
        handler = {
            "update": self.update_user,
            "reset_password": self.reset_password,
            "grant": self.grant,
            "revoke": self.revoke,
            "disable": self.toggle_active,
            "enable": self.toggle_active,
        }.get(action)
        if handler is None:
            raise Http404
        try:
            return handler(request, target)
        except services.ActionRefused as refused:
            # The page hid the button; a hand-made request gets the reason and nothing changes.
            messages.error(request, str(refused))
            return self.render_to_response(self.get_context_data(), status=403)

    def require_editor(self):
        if not may_create_users(self.request.user):
            raise Http404

    def update_user(self, request, target):
        self.require_editor()
        services.check(request.user, "update", target)
        form = UserForm(request.POST, instance=target)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(user_form=form))
        form.save()
        record_event(AuditEventChoices.USER_UPDATE, request=request, obj=target)
        messages.success(request, _("用户信息已保存。"))
        return redirect("accounts:user", pk=target.pk)

    def reset_password(self, request, target):
        self.require_editor()
        form = PasswordResetForm(request.POST, user=target)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(password_form=form))
        services.reset_password(
            actor=request.user, request=request, user=target, new_password=form.cleaned_data["password"]
        )
        messages.success(request, _("密码已重置，用户下次登录时须修改密码。"))
        return redirect("accounts:user", pk=target.pk)

    def toggle_active(self, request, target):
        self.require_editor()
        services.set_user_active(
            actor=request.user, request=request, user=target, active=request.POST["action"] == "enable"
        )
        messages.success(request, _("账户状态已更新。"))
        return redirect("accounts:user", pk=target.pk)

    def grant(self, request, target):
        if not grantable_roles(request.user):
            raise Http404
        services.check(request.user, "grant", target)
        form = MembershipForm(request.POST, actor=request.user, **self.scope_querysets())
        form.instance.user = target
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(membership_form=form))
        data = form.cleaned_data
        try:
            services.grant_role(
                actor=request.user,
                request=request,
                user=target,
                role=data["role"],
                zone=data["zone"],
                department=data["department"],
                enterprise=data["enterprise"],
                region=data["region"],
            )
        except ValidationError as error:
            # Another grant won the race after the form was checked (the database's one-admin-role index).
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(membership_form=form))
        messages.success(request, _("已授予角色。"))
        return redirect("accounts:user", pk=target.pk)

    def in_actor_scope(self, membership):
        zones = self.scope_querysets()["zones"]
        return membership.role in grantable_roles(self.request.user) and (
            not membership.zone_id or zones.filter(pk=membership.zone_id).exists()
        )

    def revocable(self, membership):
        return self.in_actor_scope(membership) and (
            services.refusal(self.request.user, "revoke", membership.user, membership.role) is None
        )

    def revoke(self, request, target):
        membership = get_object_or_404(Membership, pk=request.POST.get("membership"), user=target)
        if not self.in_actor_scope(membership):
            raise Http404
        services.revoke_role(actor=request.user, request=request, membership=membership)
        messages.success(request, _("已撤销角色。"))
        return redirect("accounts:user", pk=target.pk)


class AuditListView(LoginRequiredMixin, TemplateView):
    """审计日志: read-only, for the audit administrator alone (三员分立)."""

    template_name = "accounts/audit_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_role(RoleChoices.AUDIT_ADMIN):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return workbook_response(*export_audit_events(request, self.filtered_events()))
        if request.GET.get("format") == "checkpoints":
            return workbook_response(*export_checkpoints(request, AuditCheckpoint.objects.order_by("pk")))
        return super().get(request, *args, **kwargs)

    def verify(self):
        """Check the chain; when it is intact, seal its head so a later removal of the newest records shows.
        A broken chain is never sealed: the seal would make the damage look like the new normal."""
        broken = verify_chain()
        if broken is None:
            write_checkpoint(CheckpointReasonChoices.VERIFIED, by=self.request.user.get_username())
        return broken

    def filtered_events(self):
        events = AuditEvent.objects.all()
        params = self.request.GET
        if params.get("event") in AuditEventChoices.values:
            events = events.filter(event=params["event"])
        if params.get("username"):
            events = events.filter(username__icontains=params["username"].strip())
        if params.get("success") in ("1", "0"):
            events = events.filter(success=params["success"] == "1")
        if parse_date(params.get("since", "") or ""):
            events = events.filter(occurred_at__date__gte=parse_date(params["since"]))
        if parse_date(params.get("until", "") or ""):
            events = events.filter(occurred_at__date__lte=parse_date(params["until"]))
        return events

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        events = self.filtered_events()
        verified = params.get("verify") == "1"
        page = Paginator(events, 100).get_page(params.get("page"))
        for event in page:
            event.detail_lines = detail_lines(event.detail)
        context.update(
            broken=self.verify() if verified else None,
            verified=verified,
            page=page,
            events=AuditEventChoices.choices,
            params=params,
            checkpoints=AuditCheckpoint.objects.order_by("-pk")[:10],
        )
        return context
