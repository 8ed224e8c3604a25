"""The navigation bar: which sections a user's roles open."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import RoleChoices
from .navigation import subnav_for

BUSINESS_ROLES = {
    RoleChoices.SYSTEM_ADMIN,
    RoleChoices.ZONE_ADMIN,
    RoleChoices.DEPARTMENT_STAFF,
    RoleChoices.LEADER,
    RoleChoices.REGION_VIEWER,
}

API_ROLES = {
    RoleChoices.SYSTEM_ADMIN,
    RoleChoices.ZONE_ADMIN,
    RoleChoices.DEPARTMENT_STAFF,
    RoleChoices.REGION_VIEWER,
}


def nav_items_for(user):
    items = [("home", _("首页"))]
    roles = user.roles | ({RoleChoices.SYSTEM_ADMIN} if user.is_superuser else set())
    if roles & BUSINESS_ROLES:
        items += [
            ("zones:zone_list", pgettext_lazy("navigation", "开发区")),
            ("enterprises:enterprise_list", pgettext_lazy("navigation", "企业")),
        ]
    elif RoleChoices.ENTERPRISE_USER in roles:
        items += [("enterprises:enterprise_list", _("本企业"))]
    if roles & (BUSINESS_ROLES | {RoleChoices.ENTERPRISE_USER}):
        items.append(("projects:project_list", pgettext_lazy("navigation", "项目")))
    if roles & BUSINESS_ROLES:
        items.append(("projects:leader", _("项目调度")))
    if roles & (BUSINESS_ROLES | {RoleChoices.ENTERPRISE_USER}):
        items.append(("stats:report", pgettext_lazy("navigation", "统计")))
    if roles & BUSINESS_ROLES:
        items.append(("stats:dashboard_home", _("统计看板")))
        items.append(("stats:completeness", _("数据质量")))
    if roles & {RoleChoices.SYSTEM_ADMIN, RoleChoices.SECURITY_ADMIN, RoleChoices.ZONE_ADMIN}:
        items.append(("accounts:user_list", _("用户管理")))
    if roles & {RoleChoices.AUDIT_ADMIN}:
        items.append(("accounts:audit_list", _("审计日志")))
    # The API is for the people who connect systems to it: administrators and the zones' and regions' staff. Leaders
    # and firms do not program against it (their profile page still has the token and a link to the documentation).
    if roles & API_ROLES:
        items.append(("api-docs", _("接口文档")))
    return items


# Pages of one namespace shared by several menu items: each item claims its pages by view-name prefix.
CLAIMS = {
    "stats:dashboard_home": ("stats:dashboard", "stats:ranking", "stats:target", "stats:status", "stats:directory"),
    "stats:completeness": ("stats:completeness", "stats:outlier", "stats:flag", "stats:rule"),
    # 项目调度: the leader's page, 三个一批 campaigns, inspections, key projects and the 通报; the rest is 项目.
    "projects:leader": (
        "projects:leader",
        "projects:campaign",
        "projects:inspection",
        "projects:key_projects",
        "projects:bulletin",
    ),
}


def is_active(name, current):
    if name in CLAIMS:
        return current.startswith(CLAIMS[name])
    if current == name:
        return True
    namespace = name.split(":")[0]
    claimed_elsewhere = any(current.startswith(prefixes) for prefixes in CLAIMS.values())
    return name != "home" and ":" in name and current.split(":")[0] == namespace and not claimed_elsewhere


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for name, label in nav_items_for(user):
        url = reverse(name)
        items.append({"url": url, "label": label, "active": is_active(name, current)})
    return {"nav_items": items, "subnav": subnav_for(user, current)}
