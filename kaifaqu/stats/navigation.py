"""The tabs of the statistics areas (see kaifaqu.accounts.navigation): 统计 (reporting and the ways figures come in)
and 数据质量. Each tab shows for the users its page lets in."""

from django.utils.translation import gettext_lazy as _

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.navigation import Tab, register

from .permissions import is_business_user, may_import_directory, may_import_stats, may_reopen_periods


def is_system_admin(user):
    return user.is_system_admin


def reports_or_follows_reporting(user):
    """The reporting page: staff and leaders follow who reported; a firm's users are taken to their own form."""
    return is_business_user(user) or user.has_role(RoleChoices.ENTERPRISE_USER)


register(
    "stats:report",
    [
        Tab("stats:report", _("统计报送"), reports_or_follows_reporting, claims=("stats:entry",)),
        Tab("stats:assignment_list", _("报送任务"), is_business_user, claims=("stats:assignment_",)),
        Tab("stats:value_import", _("导入统计数据"), may_import_stats, claims=("stats:import_",)),
        Tab("stats:directory_import", _("导入四上企业名录"), may_import_directory, claims=("stats:directory_import",)),
        Tab("stats:reopen_list", _("重新开放报告期"), may_reopen_periods),
        Tab("stats:data_set_list", _("报表设置"), is_system_admin, claims=("stats:data_set_",)),
    ],
)

register(
    "stats:completeness",
    [
        Tab("stats:completeness", _("报送完整性与及时性"), is_business_user),
        Tab("stats:flag_list", _("数据质量问题"), claims=("stats:flag",)),
        Tab("stats:rule_list", _("校验规则"), is_business_user, claims=("stats:rule_",)),
    ],
)
