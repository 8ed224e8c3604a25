"""The tabs of the 企业 area (see kaifaqu.accounts.navigation): the register and its import."""

from django.utils.translation import gettext_lazy as _

from kaifaqu.accounts.navigation import Tab, register

from .importers import can_import_enterprises

register(
    "enterprises:enterprise_list",
    [
        Tab("enterprises:enterprise_list", _("企业名录")),
        Tab("enterprises:enterprise_import", _("导入企业"), can_import_enterprises, claims=("enterprises:import_",)),
    ],
)
