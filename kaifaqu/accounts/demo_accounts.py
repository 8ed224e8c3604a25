"""The demo accounts, one per role: plain data read by `seed_demo` (which creates them) and `print_demo_accounts`.

Keep this module free of imports from zones or enterprises. Scope keys name things by their demo natural keys:
  zone        a demo zone's short name (see kaifaqu/enterprises/demo.py, ZONES)
  department  a department name inside that zone
  enterprise  "first_demo_firm": the first synthetic firm seed_demo builds for that zone
  region      a GB/T 2260 code
`scope_text` is what print_demo_accounts shows when the database has not been seeded yet.
"""

from .choices import RoleChoices

# Satisfies the password policy (≥ 8 characters, 3 of 4 character classes). Demo use only.
DEMO_PASSWORD = "Kaifaqu@2026"  # noqa: S105

FIRST_DEMO_FIRM = "first_demo_firm"

DEMO_ACCOUNTS = (
    {
        "username": "sysadmin",
        "display_name": "演示系统管理员",
        "role": RoleChoices.SYSTEM_ADMIN,
        "scope": {},
        "scope_text": "全系统（用户与配置）",
    },
    {
        "username": "secadmin",
        "display_name": "演示安全管理员",
        "role": RoleChoices.SECURITY_ADMIN,
        "scope": {},
        "scope_text": "全系统（角色、权限与安全策略）",
    },
    {
        "username": "auditor",
        "display_name": "演示审计管理员",
        "role": RoleChoices.AUDIT_ADMIN,
        "scope": {},
        "scope_text": "全系统（审计日志，只读）",
    },
    {
        "username": "gaoping_admin",
        "display_name": "高平管委会管理员（演示）",
        "role": RoleChoices.ZONE_ADMIN,
        "scope": {"zone": "高平经开区"},
        "scope_text": "高平经开区",
    },
    {
        "username": "gaoping_staff",
        "display_name": "高平经济运行部人员（演示）",
        "role": RoleChoices.DEPARTMENT_STAFF,
        "scope": {"zone": "高平经开区", "department": "经济运行部"},
        "scope_text": "高平经开区 · 经济运行部",
    },
    {
        "username": "gaoping_leader",
        "display_name": "高平经开区领导（演示）",
        "role": RoleChoices.LEADER,
        "scope": {"zone": "高平经开区"},
        "scope_text": "高平经开区",
    },
    {
        "username": "lingshi_staff",
        "display_name": "灵石经济运行部人员（演示）",
        "role": RoleChoices.DEPARTMENT_STAFF,
        "scope": {"zone": "灵石经开区", "department": "经济运行部"},
        "scope_text": "灵石经开区 · 经济运行部",
    },
    {
        "username": "gaoping_firm",
        "display_name": "高平演示企业联系人",
        "role": RoleChoices.ENTERPRISE_USER,
        "scope": {"zone": "高平经开区", "enterprise": FIRST_DEMO_FIRM},
        "scope_text": "高平经开区的一家演示企业",
    },
    {
        "username": "jincheng_viewer",
        "display_name": "晋城市主管部门（演示）",
        "role": RoleChoices.REGION_VIEWER,
        "scope": {"region": "140500"},
        "scope_text": "晋城市（140500）所辖开发区，只读",
    },
    {
        "username": "shanxi_viewer",
        "display_name": "山西省主管部门（演示）",
        "role": RoleChoices.REGION_VIEWER,
        "scope": {"region": "140000"},
        "scope_text": "山西省（140000）所辖开发区，只读",
    },
)
