"""The projects panel of a firm's page (kaifaqu.enterprises.panels): the projects the firm invests in (投资方) or
produces for (投产企业), with their current stage and investment. Registered from ProjectsConfig.ready().

One query however many projects; the scope is the projects' own (`restrict(user, "view")`): an enterprise user sees
the projects it invests in."""

from django.db.models import Q

from .models import Project


def projects_panel(request, enterprise):
    """None (no tab) when the user sees no project of the firm."""
    projects = list(
        Project.objects.restrict(request.user, "view")
        .filter(Q(investor=enterprise) | Q(producer=enterprise))
        .select_related("zone", "park", "current_stage")
        .order_by("name", "pk")
    )
    if not projects:
        return None
    for project in projects:
        project.is_investor = project.investor_id == enterprise.pk
        project.is_producer = project.producer_id == enterprise.pk
    return {"projects": projects, "badge": len(projects)}
