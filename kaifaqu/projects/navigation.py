"""The tabs of the 项目 and 项目调度 areas (see kaifaqu.accounts.navigation); each shows for the users its page lets
in (the board and the 调度 pages need a zone in view: staff, leaders, region viewers, the system administrator)."""

from django.utils.translation import gettext_lazy as _

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.navigation import Tab, register
from kaifaqu.zones.models import Zone

from .permissions import may_import_progress, may_import_projects, may_reopen_progress

ZONE_ROLES = (RoleChoices.ZONE_ADMIN, RoleChoices.DEPARTMENT_STAFF, RoleChoices.LEADER)


def sees_zones(user):
    """As the board and the 调度 pages ask (a zone in view); a zone role answers without a query."""
    if user.is_system_admin or user.zone_ids(*ZONE_ROLES):
        return True
    return Zone.objects.restrict(user, "view").exists()  # a region viewer: zones in the region, if any


register(
    "projects:project_list",
    [
        Tab("projects:project_list", _("项目库")),
        Tab("projects:board", _("推进看板"), sees_zones),
        Tab("projects:approval_list", _("审批事项")),
        Tab("projects:problem_list", _("问题清单")),
        Tab("projects:project_import", _("导入项目"), may_import_projects, claims=("projects:project_import_",)),
        Tab("projects:progress_import", _("导入项目进度"), may_import_progress, claims=("projects:progress_import_",)),
        Tab("projects:progress_reopen", _("重新开放进度填报"), may_reopen_progress),
    ],
)

register(
    "projects:leader",
    [
        Tab("projects:leader", _("逾期事项"), sees_zones),
        Tab("projects:key_projects", _("重点项目"), sees_zones),
        Tab("projects:bulletin", _("通报"), sees_zones),
        Tab("projects:campaign_list", _("三个一批"), claims=("projects:campaign",)),
        Tab("projects:inspection_list", _("调研和现场办公"), claims=("projects:inspection",)),
    ],
)
