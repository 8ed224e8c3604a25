from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleChoices(models.TextChoices):
    # 三员分立: the three system-level administrators; no account holds two of them.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    ZONE_ADMIN = "zone_admin", _("管委会管理员")
    DEPARTMENT_STAFF = "department_staff", _("部门人员")
    LEADER = "leader", _("领导")
    ENTERPRISE_USER = "enterprise_user", _("企业用户")
    REGION_VIEWER = "region_viewer", _("主管部门")


THREE_ADMIN_ROLES = {RoleChoices.SYSTEM_ADMIN, RoleChoices.SECURITY_ADMIN, RoleChoices.AUDIT_ADMIN}
ZONE_ROLES = {RoleChoices.ZONE_ADMIN, RoleChoices.DEPARTMENT_STAFF, RoleChoices.LEADER, RoleChoices.ENTERPRISE_USER}


class DomainChoices(models.TextChoices):
    """The business domains a department may write in."""

    REGISTRY = "registry", _("企业与园区登记")
    STATISTICS = "statistics", _("统计")
    PROJECTS = "projects", _("项目")
    SERVICES = "services", _("企业服务")
    CULTIVATION = "cultivation", _("梯度培育")


class AuditEventChoices(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    LOCKED_OUT = "locked_out", _("账户锁定")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    PASSWORD_RESET = "password_reset", _("重置密码")
    USER_CREATE = "user_create", _("创建用户")
    USER_UPDATE = "user_update", _("修改用户")
    USER_DISABLE = "user_disable", _("停用用户")
    ROLE_CHANGE = "role_change", _("角色变更")
    EXPORT = "export", _("导出数据")
    IMPORT = "import", _("导入数据")
    ACCESS_DENIED = "access_denied", _("越权访问")
    CONFIG_CHANGE = "config_change", _("配置变更")
    AUDIT_PURGE = "audit_purge", _("清理过期审计记录")


class CheckpointReasonChoices(models.TextChoices):
    SCHEDULED = "scheduled", _("定时")
    VERIFIED = "verified", _("校验后")
    PURGE = "purge", _("清理后")
