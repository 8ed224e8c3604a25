"""Who may do what with projects, in the app's own words. Each question is one line over `user.may`
(kaifaqu/accounts/models.py): the model's Scope and the user's memberships decide, as restrict() does for lists.
Visibility (the row in the user's view scope) is decided by restrict() before any of these is asked; `zone` is a zone
or its id, and None asks "in some zone"."""

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.zones.querysets import writable_zones  # noqa: F401 (the app asks its zone questions here)

from .models import (
    AnnualPlan,
    ApprovalKind,
    Campaign,
    Inspection,
    ProgressReopening,
    ProgressReport,
    Project,
    StageDefinition,
    StageEvidence,
)

# -- projects and their rows ---------------------------------------------------------------------------------------


def may_add_project(user, zone=None):
    return user.may("add", Project, zone=zone)


def may_edit_project(user, project):
    """Project writers of the project's zone (the zone admin, projects staff) and the system administrator."""
    return user.may("add", Project, zone=project.zone_id)


def may_add_row(user, model, project):
    """A phase, line, approval matter or problem of `project` (`model` says which)."""
    return user.may("add", model, zone=project.zone_id)


def may_plan(user, project):
    return user.may("add", AnnualPlan, zone=project.zone_id)


def may_add_file(user, project):
    return user.may("add", StageEvidence, zone=project.zone_id)


def is_investor_user(user, project):
    """An enterprise user of the firm that invests in `project`."""
    return bool(project.investor_id) and any(
        m.role == RoleChoices.ENTERPRISE_USER and m.enterprise_id == project.investor_id
        for m in user.active_memberships
    )


def may_report_progress(user, project):
    """Project staff of the zone, or the investor's enterprise user (own project only)."""
    return user.may("add", ProgressReport, zone=project.zone_id) or is_investor_user(user, project)


# -- imports -------------------------------------------------------------------------------------------------------


def own_firm_ids(user):
    return {
        m.enterprise_id for m in user.active_memberships if m.role == RoleChoices.ENTERPRISE_USER and m.enterprise_id
    }


def may_import_projects(user):
    """Project writers of some zone (zone admin, projects staff) and the system administrator."""
    return user.is_authenticated and may_add_project(user)


def may_import_progress(user):
    """Project writers, and enterprise users whose firm invests in a project (they report their own projects)."""
    if not user.is_authenticated:
        return False
    if may_import_projects(user):
        return True
    firms = own_firm_ids(user)
    return bool(firms) and Project.objects.restrict(user, "view").filter(investor_id__in=firms).exists()


def may_use_imports(user):
    return may_import_projects(user) or may_import_progress(user)


# -- campaigns, inspections, configuration -------------------------------------------------------------------------


def may_add_campaign(user, zone=None):
    return user.may("add", Campaign, zone=zone)


def may_add_inspection(user, zone=None):
    return user.may("add", Inspection, zone=zone)


def may_configure_stages(user, zone=None):
    return user.may("add", StageDefinition, zone=zone)


def may_configure_approval_kinds(user, zone=None):
    return user.may("add", ApprovalKind, zone=zone)


def may_reopen_progress(user, zone=None):
    return user.may("add", ProgressReopening, zone=zone)
