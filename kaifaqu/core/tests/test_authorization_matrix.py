"""Authorization matrix: every UI view × every persona (ARCHITECTURE.md, Tests).

Each view has one or more probes (an object in zone A and one in zone B where the view takes an object). For each
probe and persona the matrix states the GET outcome and, on write views, the POST outcome with a valid payload:

- allowed: the view answers (200, or a redirect for writes) and the write took effect;
- denied: 404 (out of scope), or 302 to the login page for anonymous users — and every business table is exactly
  as it was before the request.

The list of views comes from the URL resolver, so a new view without a matrix entry fails
`test_every_ui_view_has_a_matrix_entry`. The API (/api/), static files, the Django admin and i18n views are covered
elsewhere and excluded here.
"""

import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLResolver, get_resolver, reverse
from stdnum.cn import uscc

from conftest import (
    PASSWORD,
    PERSONAS,
    CopiedOnRead,
    client_with_sessions,
    kept_rows,
    log_in_once,
    make_personas,
    make_world,
)
from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.models import ApiToken, AuditEvent, Membership, User
from kaifaqu.core.models import ImportJob, ImportStatusChoices
from kaifaqu.core.tests.matrix_kit import (
    Invalid,
    Login,
    Post,
    Probe,
    Redirect,
    Visibility,
    Written,
    allow,
    write,
)
from kaifaqu.enterprises.importers import EnterpriseImporter
from kaifaqu.enterprises.models import Contact, Enterprise, Relocation
from kaifaqu.projects.tests.matrix import PROJECT_PROBES, project_objects
from kaifaqu.stats.models import DataSet, DataSetAssignment, Indicator, ValidationFlag, ValidationRule, Value
from kaifaqu.stats.tests.payloads import data_set_payload
from kaifaqu.zones.models import Department, IndustryChain, Park, Zone

LOGGED_IN = tuple(p for p in PERSONAS if p != "anonymous")
# Personas that read everything in zone A (region_viewer's 晋城市 140500 covers 高平 140581, not 灵石 140729).
READ_A = ("system_admin", "zone_admin_a", "staff_a", "projects_staff_a", "leader_a", "region_viewer")
READ_B = ("system_admin", "staff_b")
# Registry writers (parks, chains, enterprises, contacts) and zone administrators (zone, departments).
# 三员分立: the system administrator reads the registry but writes none of the zones' records (docs/users/roles.md);
# the zones and their departments (zone administration) stay his.
REGISTRY_A = ("zone_admin_a", "staff_a")
REGISTRY_B = ("staff_b",)
ADMIN_A = ("system_admin", "zone_admin_a")
ADMIN_B = ("system_admin",)
ENTERPRISE_WRITERS = ("zone_admin_a", "staff_a", "staff_b")

# Route prefixes outside this matrix: the API has its own matrix; admin, i18n and static are not our views.
EXCLUDED_PREFIXES = ("api/", "i18n/", "jsi18n/", settings.ADMIN_URL, settings.STATIC_URL.lstrip("/"))

NEW_PASSWORD = "Matrix-new-2026!"


# ---------------------------------------------------------------------------------------------------------- payloads
def credit_code(prefix17):
    return prefix17 + uscc.calc_check_digit(prefix17)


def enterprise_payload(firm=None, **changes):
    data = {
        "credit_code": "",
        "name": "",
        "former_names": "",
        "zone": "",
        "park": "",
        "service_department": "",
        "industry": "2651",
        "region": "",
        "address": "",
        "legal_representative": "",
        "founded_on": "",
        "registered_capital": "",
        "scale": "",
        "status": "active",
        "status_changed_on": "",
        "main_products": "",
        "description": "",
    }
    if firm is not None:
        data.update(
            credit_code=firm.credit_code,
            name=firm.name,
            former_names=firm.former_names,
            zone=firm.zone_id,
            park=firm.park_id or "",
            industry=firm.industry_id,
            region=firm.region_id or "",
            address=firm.address,
            legal_representative=firm.legal_representative,
            scale=firm.scale,
            status=firm.status,
            main_products=firm.main_products,
            description=firm.description,
        )
    data.update(changes)
    return data


def zone_payload(zone, **changes):
    data = {
        "name": zone.name,
        "short_name": zone.short_name,
        "level": zone.level,
        "kind": zone.kind,
        "region": zone.region_id,
        "established_on": "",
        "address": zone.address,
        "description": zone.description,
    }
    data.update(changes)
    return data


def new_firm_payload(w, zone_key, suffix):
    zone = w[zone_key]
    return enterprise_payload(
        credit_code=credit_code(f"91140500MA0K9{suffix:04d}"),
        name=f"矩阵新企业{suffix}有限公司",
        zone=zone.pk,
        industry="3411",
    )


def firm_named(name):
    return lambda w, user, client: Enterprise.objects.filter(name=name).exists()


def to_login_page(w):
    return reverse("accounts:login")


def logged_out(w, user, client):
    return client.get(reverse("home")).status_code == 302


# ------------------------------------------------------------------------------------------------------------ matrix
def pk(key, name="pk"):
    return lambda w: {name: w[key].pk}


def zone_markers(w):
    return {key: f'href="{w[key].get_absolute_url()}"'.encode() for key in ("zone_a", "zone_b")}


def firm_markers(w):
    return {key: f'href="{w[key].get_absolute_url()}"'.encode() for key in ("firm_1", "firm_2", "firm_b")}


def user_markers(w):
    return {key: f'href="{reverse("accounts:user", args=[w[key].pk])}"'.encode() for key in ("u_staff_a", "u_staff_b")}


def token_markers(w):
    """The revoke form of a token: only its owner's profile page shows it."""
    return {key: f'"{reverse("accounts:token_revoke", args=[w[key].pk])}"'.encode() for key in ("token_a", "token_b")}


def workbook_text(response):
    """Every cell of an exported workbook, as one text to search names in."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    return "\n".join(cells).encode()


def zone_name_markers(w):
    return {key: w[key].name.encode() for key in ("zone_a", "zone_b")}


def firm_name_markers(w):
    return {key: w[key].name.encode() for key in ("firm_1", "firm_2", "firm_b")}


ZONES_SEEN = {p: set() for p in LOGGED_IN}
ZONES_SEEN.update({p: {"zone_a"} for p in READ_A})
ZONES_SEEN.update(system_admin={"zone_a", "zone_b"}, staff_b={"zone_b"})

FIRMS_SEEN = {p: set() for p in LOGGED_IN}
FIRMS_SEEN.update({p: {"firm_1", "firm_2"} for p in READ_A})
FIRMS_SEEN.update(
    system_admin={"firm_1", "firm_2", "firm_b"}, staff_b={"firm_b"}, firm_1_user={"firm_1"}, firm_2_user={"firm_2"}
)

HOME = allow(*LOGGED_IN)
HOME.update(
    audit_admin=Redirect(lambda w: reverse("accounts:audit_list")),
    security_admin=Redirect(lambda w: reverse("accounts:user_list")),
)

LOGIN_PAGE = allow(anonymous=200, denied=Redirect(lambda w: reverse("home")))


def zone_part_probes(kind, model, readers_a, readers_b, name_field_payload):
    """add / edit / delete probes for a park, department or chain in zone A and zone B."""
    probes = []
    sides = (("A", "zone_a", f"{kind}_a", readers_a), ("B", "zone_b", f"{kind}_b", readers_b))
    for label, zone_key, obj_key, writers in sides:
        new_name = f"矩阵新{model._meta.verbose_name}{label}"
        renamed = f"矩阵改名{label}"
        probes += [
            Probe(
                f"zones:{kind}_add",
                label,
                pk(zone_key, "zone_pk"),
                allow(*writers),
                {
                    "add": Post(
                        lambda w, n=new_name: name_field_payload(n),
                        write(*writers),
                        lambda w, u, c, n=new_name, z=zone_key: model.objects.filter(zone=w[z], name=n).exists(),
                    )
                },
            ),
            Probe(
                f"zones:{kind}_edit",
                label,
                pk(obj_key),
                allow(*writers),
                {
                    "edit": Post(
                        lambda w, n=renamed: name_field_payload(n),
                        write(*writers),
                        lambda w, u, c, n=renamed, o=obj_key: model.objects.get(pk=w[o].pk).name == n,
                    )
                },
            ),
            Probe(
                f"zones:{kind}_delete",
                label,
                pk(obj_key),
                allow(*writers),
                {
                    "delete": Post(
                        lambda w: {},
                        write(*writers),
                        lambda w, u, c, o=obj_key: not model.objects.filter(pk=w[o].pk).exists(),
                    )
                },
            ),
        ]
    return probes


MATRIX = [
    Probe("home", get=HOME, visible=Visibility(zone_markers, ZONES_SEEN)),
    # ---- accounts
    Probe("accounts:login", get=LOGIN_PAGE),
    Probe(
        "accounts:logout",
        get=allow(anonymous=405, denied=405),
        posts={
            "logout": Post(
                lambda w: {},
                allow(*LOGGED_IN, anonymous=Redirect(to_login_page), allowed=Written(to=to_login_page)),
                logged_out,
            )
        },
    ),
    Probe(
        "accounts:password_change",
        get=allow(*LOGGED_IN),
        posts={
            "change": Post(
                lambda w: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
                write(*LOGGED_IN),
                lambda w, u, c: User.objects.get(pk=u.pk).check_password(NEW_PASSWORD),
            )
        },
    ),
    Probe(
        "accounts:profile",
        get=allow(*LOGGED_IN),
        visible=Visibility(
            token_markers, {**{p: set() for p in LOGGED_IN}, "staff_a": {"token_a"}, "staff_b": {"token_b"}}
        ),
    ),
    Probe(
        "accounts:token_add",
        get=allow(denied=405),
        posts={
            "create": Post(
                lambda w: {"name": "矩阵令牌"},
                write(*LOGGED_IN),
                lambda w, u, c: ApiToken.objects.filter(user=u, name="矩阵令牌").exists(),
            )
        },
    ),
    *[
        Probe(
            "accounts:token_revoke",
            label,
            pk(token),
            allow(denied=405),
            {
                "revoke": Post(
                    lambda w: {},
                    write(owner),
                    lambda w, u, c, t=token: not ApiToken.objects.filter(pk=w[t].pk).exists(),
                )
            },
        )
        for label, token, owner in (("A", "token_a", "staff_a"), ("B", "token_b", "staff_b"))
    ],
    Probe(
        "accounts:user_list",
        get=allow("system_admin", "security_admin", "zone_admin_a"),
        visible=Visibility(
            user_markers,
            {
                **{p: set() for p in LOGGED_IN},
                "system_admin": {"u_staff_a", "u_staff_b"},
                "security_admin": {"u_staff_a", "u_staff_b"},
                "zone_admin_a": {"u_staff_a"},
            },
        ),
    ),
    Probe(
        "accounts:user_add",
        get=allow(*ADMIN_A),
        posts={
            "create": Post(
                lambda w: {
                    "username": "matrix_new",
                    "display_name": "矩阵新用户",
                    "email": "",
                    "phone": "",
                    "password": NEW_PASSWORD,
                },
                write(*ADMIN_A),
                lambda w, u, c: User.objects.filter(username="matrix_new", must_change_password=True).exists(),
            )
        },
    ),
    *[
        Probe(
            "accounts:user",
            label,
            pk(target),
            allow("system_admin", "security_admin", *zone_admins),
            {
                "update": Post(
                    lambda w: {"action": "update", "display_name": "矩阵改名", "email": "", "phone": ""},
                    write("system_admin", *zone_admins),
                    lambda w, u, c, t=target: User.objects.get(pk=w[t].pk).display_name == "矩阵改名",
                ),
                "grant": Post(
                    lambda w, z=zone_key: {"action": "grant", "role": RoleChoices.LEADER, "zone": w[z].pk},
                    write("security_admin", *zone_admins),
                    lambda w, u, c, t=target, z=zone_key: Membership.objects.filter(
                        user=w[t], role=RoleChoices.LEADER, zone=w[z]
                    ).exists(),
                ),
                "reset_password": Post(
                    lambda w: {"action": "reset_password", "password": NEW_PASSWORD},
                    write("system_admin", *zone_admins),
                    lambda w, u, c, t=target: User.objects.get(pk=w[t].pk).check_password(NEW_PASSWORD),
                ),
            },
        )
        for label, target, zone_key, zone_admins in (
            ("A", "u_staff_a", "zone_a", ("zone_admin_a",)),
            ("B", "u_staff_b", "zone_b", ()),
        )
    ],
    Probe("accounts:audit_list", get=allow("audit_admin")),
    # ---- zones
    Probe("zones:zone_list", get=allow(*LOGGED_IN), visible=Visibility(zone_markers, ZONES_SEEN)),
    Probe(
        "zones:zone_export",
        get=allow(*LOGGED_IN),
        visible=Visibility(zone_name_markers, ZONES_SEEN, content=workbook_text),
    ),
    Probe(
        "zones:zone_add",
        get=allow("system_admin"),
        posts={
            "create": Post(
                lambda w: zone_payload(Zone(name="矩阵开发区", level="national", kind="high_tech", region_id="140581")),
                write("system_admin"),
                lambda w, u, c: Zone.objects.filter(name="矩阵开发区").exists(),
            )
        },
    ),
    Probe("zones:zone", "A", pk("zone_a"), allow(*READ_A)),
    Probe("zones:zone", "B", pk("zone_b"), allow(*READ_B)),
    *[
        Probe(
            "zones:zone_edit",
            label,
            pk(key),
            allow(*writers),
            {
                "edit": Post(
                    lambda w, k=key: zone_payload(w[k], description="矩阵修改"),
                    write(*writers),
                    lambda w, u, c, k=key: Zone.objects.get(pk=w[k].pk).description == "矩阵修改",
                )
            },
        )
        for label, key, writers in (("A", "zone_a", ADMIN_A), ("B", "zone_b", ADMIN_B))
    ],
    *zone_part_probes("park", Park, REGISTRY_A, REGISTRY_B, lambda n: {"name": n}),
    *zone_part_probes(
        "department", Department, ADMIN_A, ADMIN_B, lambda n: {"name": n, "domains": ["registry"], "phone": ""}
    ),
    *zone_part_probes("chain", IndustryChain, REGISTRY_A, REGISTRY_B, lambda n: {"name": n, "industry_codes": "C26"}),
    # ---- enterprises
    Probe("enterprises:enterprise_list", get=allow(*LOGGED_IN), visible=Visibility(firm_markers, FIRMS_SEEN)),
    *[
        Probe(
            "enterprises:enterprise_add",
            label,
            get=allow(*ENTERPRISE_WRITERS),
            posts={
                "create": Post(
                    lambda w, z=zone_key, s=suffix: new_firm_payload(w, z, s),
                    write(*writers, invalid=[p for p in ENTERPRISE_WRITERS if p not in writers]),
                    firm_named(f"矩阵新企业{suffix}有限公司"),
                )
            },
        )
        for label, zone_key, suffix, writers in (("A", "zone_a", 1, REGISTRY_A), ("B", "zone_b", 2, REGISTRY_B))
    ],
    Probe("enterprises:enterprise", "A", pk("firm_1"), allow(*READ_A, "firm_1_user")),
    Probe("enterprises:enterprise", "B", pk("firm_b"), allow(*READ_B)),
    *[
        probe
        for label, firm, other_park, writers in (
            ("A", "firm_1", "park_a2", REGISTRY_A),
            ("B", "firm_b", "park_b2", REGISTRY_B),
        )
        for probe in (
            Probe(
                "enterprises:enterprise_edit",
                label,
                pk(firm),
                allow(*writers),
                {
                    "edit": Post(
                        lambda w, f=firm: enterprise_payload(w[f], main_products="矩阵产品"),
                        write(*writers),
                        lambda w, u, c, f=firm: Enterprise.objects.get(pk=w[f].pk).main_products == "矩阵产品",
                    )
                },
            ),
            Probe(
                "enterprises:enterprise_relocate",
                label,
                pk(firm),
                allow(*writers),
                {
                    "relocate": Post(
                        lambda w, f=firm, p=other_park: {
                            "to_zone": w[f].zone_id,
                            "to_park": w[p].pk,
                            "moved_on": "2025-06-30",
                            "reason": "扩产",
                        },
                        write(*writers),
                        lambda w, u, c, f=firm, p=other_park: (
                            Relocation.objects.filter(enterprise=w[f], to_park=w[p]).exists()
                            and Enterprise.objects.get(pk=w[f].pk).park_id == w[p].pk
                        ),
                    )
                },
            ),
            Probe(
                "enterprises:contact_add",
                label,
                pk(firm),
                allow(*writers),
                {
                    "add": Post(
                        lambda w: {"name": "矩阵联系人", "title": "", "phone": "0356-1234567", "email": ""},
                        write(*writers),
                        lambda w, u, c, f=firm: Contact.objects.filter(enterprise=w[f], name="矩阵联系人").exists(),
                    )
                },
            ),
            Probe(
                "enterprises:contact_edit",
                label,
                pk(f"contact_{firm}"),
                allow(*writers),
                {
                    "edit": Post(
                        lambda w: {"name": "矩阵改名", "title": "", "phone": "", "email": ""},
                        write(*writers),
                        lambda w, u, c, f=firm: Contact.objects.get(pk=w[f"contact_{f}"].pk).name == "矩阵改名",
                    )
                },
            ),
            Probe(
                "enterprises:contact_delete",
                label,
                pk(f"contact_{firm}"),
                allow(*writers),
                {
                    "delete": Post(
                        lambda w: {},
                        write(*writers),
                        lambda w, u, c, f=firm: not Contact.objects.filter(pk=w[f"contact_{f}"].pk).exists(),
                    )
                },
            ),
        )
    ],
    Probe("enterprises:industry_search", get=allow(*LOGGED_IN), query="q=2651"),
    # The firm picker's search: every firm the persona may see, and no other.
    Probe("enterprises:enterprise_search", get=allow(*LOGGED_IN), visible=Visibility(firm_name_markers, FIRMS_SEEN)),
    # Import and export (GET only here; their own tests cover uploads and commits).
    Probe(
        "enterprises:enterprise_export",
        get=allow(*LOGGED_IN),
        visible=Visibility(firm_name_markers, FIRMS_SEEN, content=workbook_text),
    ),
    Probe("enterprises:enterprise_import", get=allow(*ENTERPRISE_WRITERS)),
    Probe("enterprises:import_template", get=allow(*ENTERPRISE_WRITERS)),
    # The job belongs to staff_a: a user sees only the jobs they started, through the import pages (which the system
    # administrator, who imports no enterprises, does not open: 三员分立).
    Probe("enterprises:import_job", "staff_a", pk("import_job"), allow("staff_a")),
    Probe("enterprises:import_errors", "staff_a", pk("import_job"), allow("staff_a")),
]


# ---- stats: data quality (completeness, 催报 export, outlier scan, flags, validation rules)
# Completeness, the export and the rule list are for people who see zones; firms and the security/audit admins get 404.
QUALITY_READERS = (*READ_A, "staff_b")
# 三员分立: the system administrator reads statistics but writes none of the zones' records (docs/users/roles.md).
STATS_WRITERS_A = ("zone_admin_a", "staff_a")
STATS_WRITERS_B = ("staff_b",)


def flag_markers(w):
    return {key: f'href="{reverse("stats:flag", args=[w[key].pk])}"'.encode() for key in ("flag_a", "flag_b")}


FLAGS_SEEN = {p: set() for p in LOGGED_IN}
FLAGS_SEEN.update({p: {"flag_a"} for p in (*READ_A, "firm_1_user")})
FLAGS_SEEN.update(system_admin={"flag_a", "flag_b"}, staff_b={"flag_b"})


def rule_payload(w, **changes):
    codes = dict(Indicator.objects.values_list("code", "pk"))
    data = {
        "name": "矩阵规则",
        "data_set": "",
        "kind": "compare",
        "left": codes["rd_expense"],
        "operator": "le",
        "right": codes["revenue"],
        "right_factor": "1",
        "right_constant": "0",
        "when_indicator": "",
        "severity": "soft",
        "message": "矩阵提示",
        "is_active": "on",
    }
    data.update(changes)
    return data


def flag_status(key, status):
    def effect(w, user, client):
        return ValidationFlag.objects.get(pk=w[key].pk).status == status

    return effect


def outlier_flagged(firm_key):
    def effect(w, user, client):
        return ValidationFlag.objects.filter(kind="outlier", enterprise=w[firm_key], period=202510).exists()

    return effect


MATRIX += [
    Probe("stats:completeness", get=allow(*QUALITY_READERS), visible=Visibility(firm_markers, FIRMS_SEEN)),
    Probe(
        "stats:completeness_export",
        get=allow(*QUALITY_READERS),
        visible=Visibility(firm_name_markers, FIRMS_SEEN, content=workbook_text),
    ),
    *[
        Probe(
            "stats:outlier_scan",
            label,
            get=allow(*QUALITY_READERS, allowed=405),
            posts={
                "scan": Post(
                    lambda w, z=zone_key: {"data_set": "industry_monthly", "period": "2025-10", "zone": w[z].pk},
                    write(*writers),
                    outlier_flagged(firm),
                )
            },
        )
        for label, zone_key, firm, writers in (
            ("A", "zone_a", "firm_1", STATS_WRITERS_A),
            ("B", "zone_b", "firm_b", STATS_WRITERS_B),
        )
    ],
    Probe("stats:flag_list", get=allow(*LOGGED_IN), visible=Visibility(flag_markers, FLAGS_SEEN)),
    *[
        Probe(
            "stats:flag",
            label,
            pk(key),
            allow(*readers),
            {
                "explain": Post(
                    lambda w: {"action": "explain", "explanation": "矩阵说明"},
                    write(*explainers),
                    flag_status(key, "explained"),
                ),
                "resolve": Post(lambda w: {"action": "resolve"}, write(*writers), flag_status(key, "resolved")),
            },
        )
        for label, key, readers, explainers, writers in (
            ("A", "flag_a", (*READ_A, "firm_1_user"), (*STATS_WRITERS_A, "firm_1_user"), STATS_WRITERS_A),
            ("B", "flag_b", READ_B, STATS_WRITERS_B, STATS_WRITERS_B),
        )
    ],
    Probe("stats:rule_list", get=allow(*QUALITY_READERS)),
    Probe(
        "stats:rule_add",
        get=allow("system_admin"),
        posts={
            "create": Post(
                rule_payload,
                write("system_admin"),
                lambda w, u, c: ValidationRule.objects.filter(name="矩阵规则").exists(),
            )
        },
    ),
    # Validation rules are not zoned: "A" and "B" are a soft and a hard default rule; only the system admin edits.
    *[
        Probe(
            "stats:rule_edit",
            label,
            pk(key),
            allow("system_admin"),
            {
                "edit": Post(
                    lambda w, k=key: rule_payload(
                        w, name=w[k].name, left=w[k].left_id, right=w[k].right_id, message="矩阵修改"
                    ),
                    write("system_admin"),
                    lambda w, u, c, k=key: type(w[k]).objects.get(pk=w[k].pk).message == "矩阵修改",
                )
            },
        )
        for label, key in (("A", "rule_a"), ("B", "rule_b"))
    ],
]


def quality_objects(w):
    """Assignments, a revenue series with a jump in 2025-10 for firm_1 and firm_b, one flag per zone, two rules."""
    data_set = DataSet.objects.get(code="industry_monthly")
    revenue = Indicator.objects.get(code="revenue")
    values = []
    for key in ("firm_1", "firm_2", "firm_b"):
        DataSetAssignment.objects.get_or_create(data_set=data_set, enterprise=w[key], from_period=202001)
    for key in ("firm_1", "firm_b"):
        total = Decimal(0)
        for period in [*range(202402, 202413), *range(202502, 202511)]:
            total += Decimal(400 if period == 202510 else 200 if period % 100 == 2 else 100 + period % 3)
            values.append(
                Value(enterprise=w[key], zone=w[key].zone, indicator=revenue, period=period, value=total,
                      data_set=data_set, source="form")
            )  # fmt: skip
    Value.objects.bulk_create(values)
    objects = {"rule_a": ValidationRule.objects.get(name="税金不大于营业收入")}
    objects["rule_b"] = ValidationRule.objects.get(name="工业增加值不大于工业总产值")
    for label, key in (("a", "firm_1"), ("b", "firm_b")):
        objects[f"flag_{label}"] = ValidationFlag.objects.create(
            enterprise=w[key], zone=w[key].zone, period=202509, kind="rule", indicator=revenue, message="矩阵问题"
        )
    return objects


# ---- stats: import of figures (upload page, template, preview/commit page, error workbook)
# Who writes statistics in some zone; a job is seen only by its owner (and the system administrator).
# 三员分立: the system administrator reads statistics but writes none of the zones' records (docs/users/roles.md).
STATS_IMPORTERS = ("zone_admin_a", "staff_a", "staff_b")

MATRIX += [
    Probe("stats:value_import", get=allow(*STATS_IMPORTERS)),
    Probe(
        "stats:import_template",
        get=allow(*STATS_IMPORTERS),
        query="data_set=industry_monthly&period=2025-03",
    ),
    *[
        Probe(view, label, pk(key), allow(owner))  # through the import pages, which the system administrator lacks
        for view in ("stats:import_job", "stats:import_errors")
        for label, key, owner in (("A", "stats_job_a", "staff_a"), ("B", "stats_job_b", "staff_b"))
    ],
]


def make_stats_import_job(owner):
    """A validated long-layout job with one error, owned by `owner`."""
    job = make_import_job(owner, None)
    job.kind = "stats_long"
    job.options = {"data_set": "industry_monthly"}
    job.save(update_fields=["kind", "options"])
    return job


# ---- stats: leaders' pages (dashboard, firm rows, export, ranking, targets, 规上/四上 status)
# Enterprise users read their own zone's dashboard and export (aggregates only, small cells suppressed); firm rows,
# targets and status need a role covering the zone; the ranking is for region viewers and the system admin.
DASHBOARD_QUERY = "indicator=revenue&period=2025-09"
AGGREGATES_A = (*READ_A, "firm_1_user", "firm_2_user")
RANKERS = ("system_admin", "region_viewer")


def dashboard_of(zone_key):
    return Redirect(lambda w: reverse("stats:dashboard", args=[w[zone_key].pk]))


DASHBOARD_HOME = allow(*LOGGED_IN)
DASHBOARD_HOME.update(
    {p: dashboard_of("zone_a") for p in ("zone_admin_a", "staff_a", "projects_staff_a", "leader_a")},
    firm_1_user=dashboard_of("zone_a"),
    firm_2_user=dashboard_of("zone_a"),
    staff_b=dashboard_of("zone_b"),
)


def top_firm_markers(w):
    return {key: f'href="{w[key].get_absolute_url()}"'.encode() for key in ("firm_1", "firm_b")}


def top_firm_names(w):
    return {key: w[key].name.encode() for key in ("firm_1", "firm_b")}


# The firm behind each zone's figures, on that zone's pages only; enterprise users never see firm rows.
TOP_FIRMS_SEEN = {
    zone_key: {p: ({firm} if p in readers else set()) for p in LOGGED_IN}
    for zone_key, firm, readers in (("zone_a", "firm_1", READ_A), ("zone_b", "firm_b", READ_B))
}
RANKED_ZONES = {p: set() for p in LOGGED_IN}
RANKED_ZONES.update(system_admin={"zone_a", "zone_b"}, region_viewer={"zone_a"})


def target_written(zone_key):
    def effect(w, user, client):
        return apps.get_model("stats", "Target").objects.filter(zone=w[zone_key], year=2025, value=1234).exists()

    return effect


def status_written(firm_key):
    def effect(w, user, client):
        model = apps.get_model("stats", "EnterpriseYearStatus")
        return model.objects.filter(enterprise=w[firm_key], year=2025, category="industry").exists()

    return effect


# 四上 directory rows of 2023 (a year no other probe reads), one per zone; the import is for statistics writers.
DIRECTORY_QUERY = "year=2023"
DIRECTORY_IMPORTERS = ("zone_admin_a", "staff_a", "staff_b")  # not the system administrator (三员分立)


def directory_row(zone_key, key):
    return lambda w: {"zone_pk": w[zone_key].pk, "pk": w[key].pk}


def directory_removed(key):
    def effect(w, user, client):
        return not apps.get_model("stats", "EnterpriseYearStatus").objects.filter(pk=w[key].pk).exists()

    return effect


def indicator_added(key):
    def effect(w, user, client):
        return DataSet.objects.get(pk=w[key].pk).items.filter(indicator__code="fixed_asset_investment").exists()

    return effect


def directory_objects(w, personas):
    """A directory row of 2023 in each zone, a directory import job of staff_a and one of staff_b, two forms."""
    model = apps.get_model("stats", "EnterpriseYearStatus")
    objects = {
        "directory_a": model.objects.create(enterprise=w["firm_1"], year=2023, category="industry"),
        "directory_b": model.objects.create(enterprise=w["firm_b"], year=2023, category="industry"),
        "data_set_a": DataSet.objects.get(code="industry_monthly"),
        "data_set_b": DataSet.objects.get(code="small_monthly"),
    }
    for label, owner in (("a", "staff_a"), ("b", "staff_b")):
        job = make_import_job(personas[owner], None)
        job.kind = "stats_directory"
        job.save(update_fields=["kind"])
        objects[f"directory_job_{label}"] = job
    return objects


MATRIX += [
    Probe("stats:directory_import", get=allow(*DIRECTORY_IMPORTERS)),
    Probe("stats:directory_import_template", get=allow(*DIRECTORY_IMPORTERS)),
    *[
        Probe(view, label, pk(key), allow(owner))  # through the import pages, which the system administrator lacks
        for view in ("stats:directory_import_job", "stats:directory_import_errors")
        for label, key, owner in (("A", "directory_job_a", "staff_a"), ("B", "directory_job_b", "staff_b"))
    ],
    # 报表设置: the system administrator's configuration; "A" and "B" are two forms (not zoned).
    Probe("stats:data_set_list", get=allow("system_admin")),
    *[
        Probe(
            "stats:data_set_edit",
            label,
            pk(key),
            allow("system_admin"),
            {
                "add_indicator": Post(
                    lambda w, k=key: data_set_payload(w[k], add=["fixed_asset_investment"]),
                    write("system_admin"),
                    indicator_added(key),
                )
            },
        )
        for label, key in (("A", "data_set_a"), ("B", "data_set_b"))
    ],
]

MATRIX += [
    Probe("stats:dashboard_home", get=DASHBOARD_HOME),
    *[
        probe
        for label, zone_key, firm_key, readers, aggregate_readers, writers in (
            ("A", "zone_a", "firm_1", READ_A, AGGREGATES_A, STATS_WRITERS_A),
            ("B", "zone_b", "firm_b", READ_B, READ_B, STATS_WRITERS_B),
        )
        for probe in (
            Probe(
                "stats:dashboard",
                label,
                pk(zone_key, "zone_pk"),
                allow(*aggregate_readers),
                visible=Visibility(top_firm_markers, TOP_FIRMS_SEEN[zone_key]),
                query=DASHBOARD_QUERY,
            ),
            Probe(
                "stats:dashboard_rows",
                label,
                pk(zone_key, "zone_pk"),
                allow(*readers),
                visible=Visibility(top_firm_markers, TOP_FIRMS_SEEN[zone_key]),
                query=DASHBOARD_QUERY,
            ),
            Probe(
                "stats:dashboard_export",
                label,
                pk(zone_key, "zone_pk"),
                allow(*aggregate_readers),
                visible=Visibility(top_firm_names, TOP_FIRMS_SEEN[zone_key], content=workbook_text),
                query=DASHBOARD_QUERY,
            ),
            Probe(
                "stats:target_list",
                label,
                pk(zone_key, "zone_pk"),
                allow(*readers),
                {
                    "set": Post(
                        lambda w: {
                            "year": 2025,
                            "indicator": Indicator.objects.get(code="revenue").pk,
                            "value": "1234",
                            "growth_target_pct": "",
                            "source": "zone",
                        },
                        write(*writers),
                        target_written(zone_key),
                    )
                },
            ),
            Probe(
                "stats:status_list",
                label,
                pk(zone_key, "zone_pk"),
                allow(*readers),
                {
                    "record": Post(
                        lambda w, f=firm_key: {"enterprise": w[f].pk, "year": 2025, "category": "industry", "note": ""},
                        write(*writers),
                        status_written(firm_key),
                    )
                },
                visible=Visibility(top_firm_markers, TOP_FIRMS_SEEN[zone_key]),
                query=DIRECTORY_QUERY,
            ),
            # The directory's export (same readers, same firms) and 退出名录 (POST only, the writers of the status).
            Probe(
                "stats:status_export",
                label,
                pk(zone_key, "zone_pk"),
                allow(*readers),
                visible=Visibility(top_firm_names, TOP_FIRMS_SEEN[zone_key], content=workbook_text),
                query=DIRECTORY_QUERY,
            ),
            Probe(
                "stats:status_remove",
                label,
                directory_row(zone_key, f"directory_{label.lower()}"),
                allow(*readers, allowed=405),
                {"remove": Post(lambda w: {}, write(*writers), directory_removed(f"directory_{label.lower()}"))},
            ),
        )
    ],
    Probe("stats:ranking", get=allow(*RANKERS), query=DASHBOARD_QUERY),
    Probe(
        "stats:ranking_export",
        get=allow(*RANKERS),
        visible=Visibility(zone_name_markers, RANKED_ZONES, content=workbook_text),
        query=DASHBOARD_QUERY,
    ),
]


# ---- stats: entering figures (reporting page, a firm's form, reopening a period, data-set assignments)
# Figures are written for 2025-11, reopened in both zones until long after any test run. Who writes: statistics staff
# and the zone admin of the firm's zone, the firm's own users (own firm, open period); leaders and region viewers
# read the form; other zones, the security and audit admins: 404.
ENTRY_PERIOD = "2025-11"
ENTRY_QUERY = f"data_set=industry_monthly&period={ENTRY_PERIOD}"
ENTRY_FIGURES = {
    "main_revenue": "100000",
    "revenue": "100000",
    "output_value": "120000",
    "value_added": "30000",
    "total_profit": "5000",
    "tax": "3000",
    "export_delivery": "1000",
    "rd_expense": "200",
    "electricity": "50",
    "energy_consumption": "40",
    "employees": "80",
    "total_assets": "500000",
    "total_liabilities": "200000",
}
# 三员分立: the system administrator reads statistics but writes none of the zones' records (docs/users/roles.md).
STATS_WRITERS = ("zone_admin_a", "staff_a", "staff_b")
ASSIGNMENT_READERS = (*READ_A, "staff_b")


def entry_of(firm_key):
    return lambda w: {"pk": w[firm_key].pk, "data_set": "industry_monthly", "period": ENTRY_PERIOD}


def entry_url_of(firm_key):
    return lambda w: reverse("stats:entry", kwargs=entry_of(firm_key)(w))


def figures_entered(firm_key):
    def effect(w, user, client):
        return Value.objects.filter(
            enterprise=w[firm_key], period=202511, indicator__code="revenue", value=100000, entered_by=user
        ).exists()

    return effect


def reopened(zone_key):
    def effect(w, user, client):
        reopening = apps.get_model("stats", "PeriodReopening")
        return reopening.objects.filter(zone=w[zone_key], period=202506, reopened_by=user).exists()

    return effect


def assigned(firm_key, code):
    def effect(w, user, client):
        return DataSetAssignment.objects.filter(enterprise=w[firm_key], data_set__code=code, created_by=user).exists()

    return effect


def assignment_ended(key):
    def effect(w, user, client):
        return DataSetAssignment.objects.get(pk=w[key].pk).to_period == 202612

    return effect


REPORT_GET = allow(*ASSIGNMENT_READERS)
REPORT_GET.update(
    firm_1_user=Redirect(entry_url_of("firm_1")),
    firm_2_user=Redirect(entry_url_of("firm_2")),
)

MATRIX += [
    Probe("stats:report", get=REPORT_GET, visible=Visibility(firm_name_markers, FIRMS_SEEN), query=ENTRY_QUERY),
    *[
        Probe(
            "stats:entry",
            label,
            entry_of(firm_key),
            allow(*readers),
            {
                "enter": Post(
                    lambda w: {**{f"v_{code}": value for code, value in ENTRY_FIGURES.items()}, "reason": ""},
                    write(*writers),
                    figures_entered(firm_key),
                )
            },
        )
        for label, firm_key, readers, writers in (
            ("A", "firm_1", (*READ_A, "firm_1_user"), (*STATS_WRITERS_A, "firm_1_user")),
            ("B", "firm_b", READ_B, STATS_WRITERS_B),
        )
    ],
    Probe(
        "stats:reopen_list",
        get=allow(*ADMIN_A),
        posts={
            f"reopen_{label}": Post(
                lambda w, z=zone_key: {
                    "zone": w[z].pk,
                    "data_set": DataSet.objects.get(code="industry_monthly").pk,
                    "period": "2025-06",
                    "closes_at": "2099-01-01T00:00",
                    "reason": "矩阵补报",
                },
                write(*writers, invalid=[p for p in ADMIN_A if p not in writers]),
                reopened(zone_key),
            )
            for label, zone_key, writers in (("A", "zone_a", ADMIN_A), ("B", "zone_b", ADMIN_B))
        },
    ),
    Probe(
        "stats:assignment_list",
        get=allow(*ASSIGNMENT_READERS),
        visible=Visibility(firm_name_markers, FIRMS_SEEN),
        query="data_set=industry_monthly",
    ),
    Probe(
        "stats:assignment_bulk",
        get=allow(*STATS_WRITERS),
        posts={
            f"assign_{label}": Post(
                lambda w, z=zone_key: {"zone": w[z].pk, "data_set": "small_monthly", "from_period": "2025-04"},
                write(*writers, invalid=[p for p in STATS_WRITERS if p not in writers]),
                assigned(firm_key, "small_monthly"),
            )
            for label, zone_key, firm_key, writers in (
                ("A", "zone_a", "firm_1", STATS_WRITERS_A),
                ("B", "zone_b", "firm_b", STATS_WRITERS_B),
            )
        },
    ),
    *[
        Probe(
            "stats:assignment_end",
            label,
            pk(key),
            allow(*writers),
            {"end": Post(lambda w: {"to_period": "2026-12"}, write(*writers), assignment_ended(key))},
        )
        for label, key, writers in (("A", "assignment_a", STATS_WRITERS_A), ("B", "assignment_b", STATS_WRITERS_B))
    ],
]


def entry_objects(w):
    """industry_monthly assigned to every firm, 2025-11 reopened in both zones (the entry probes write there)."""
    import datetime

    from django.utils import timezone

    data_set = DataSet.objects.get(code="industry_monthly")
    objects = {}
    for key in ("firm_1", "firm_2", "firm_b"):
        objects[f"assignment_{key}"], _created = DataSetAssignment.objects.get_or_create(
            data_set=data_set, enterprise=w[key], from_period=202001
        )
    objects["assignment_a"], objects["assignment_b"] = objects["assignment_firm_1"], objects["assignment_firm_b"]
    admin = Membership.objects.filter(role=RoleChoices.ZONE_ADMIN).select_related("user").first().user
    for zone_key in ("zone_a", "zone_b"):
        apps.get_model("stats", "PeriodReopening").objects.create(
            data_set=data_set,
            zone=w[zone_key],
            period=202511,
            reason="矩阵",
            reopened_by=admin,
            closes_at=timezone.now() + datetime.timedelta(days=3650),
        )
    return objects


# ---------------------------------------------------------------------------------------------------------- fixtures
MD5_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """1,200 requests with a dozen users each: a cheap hasher keeps the matrix fast (test_accounts uses argon2)."""
    settings.PASSWORD_HASHERS = [MD5_HASHER]


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, the personas (each logged in once) and the objects the probes use, built once per module (and
    xdist worker), with the snapshot of the tables they make: every test runs in a savepoint rolled back after it
    (conftest.kept_rows), so each starts from exactly these rows, and `before` is what it must find after a denied
    request or a GET."""
    media = tmp_path_factory.mktemp("matrix-media")
    with kept_rows(django_db_blocker, MEDIA_ROOT=media, PASSWORD_HASHERS=[MD5_HASHER]):
        with django_db_blocker.unblock():
            world = make_world()
            personas = make_personas(world)
            state = SimpleNamespace(objects=make_objects(world, personas), personas=personas)
            state.sessions = log_in_once(personas)
            state.before = snapshot()
        yield state


@pytest.fixture
def objects(matrix, db):
    """The world, plus the objects the matrix probes in both zones, keyed by name (copies for this test)."""
    return CopiedOnRead(matrix.objects)


@pytest.fixture
def personas(matrix, db):
    return CopiedOnRead(matrix.personas)


@pytest.fixture
def client_for(client, matrix):
    """The test client with the session of the persona (logged in once per module), or none for anonymous."""
    return client_with_sessions(client, matrix.sessions)


def make_objects(world, personas):
    """The world, plus the objects the matrix probes in both zones, keyed by name."""
    w = dict(world)
    w["park_a2"] = Park.objects.create(zone=w["zone_a"], name="高平第二园")
    w["park_b2"] = Park.objects.create(zone=w["zone_b"], name="灵石第二园")
    # The department probes edit and delete departments nothing else refers to (dept_a/dept_b carry project rows).
    w["department_a"] = Department.objects.create(zone=w["zone_a"], name="招商中心", domains=["registry"])
    w["department_b"] = Department.objects.create(zone=w["zone_b"], name="招商中心", domains=["registry"])
    w["chain_a"] = IndustryChain.objects.create(zone=w["zone_a"], name="新材料产业链")
    w["chain_b"] = IndustryChain.objects.create(zone=w["zone_b"], name="装备制造产业链")
    w["contact_firm_1"] = Contact.objects.create(enterprise=w["firm_1"], name="甲联系人", phone="13800000001")
    w["contact_firm_b"] = Contact.objects.create(enterprise=w["firm_b"], name="丙联系人", phone="13800000003")
    w["u_staff_a"] = personas["staff_a"]
    w["u_staff_b"] = personas["staff_b"]
    w["token_a"] = ApiToken.objects.issue(user=personas["staff_a"], name="甲的令牌")
    w["token_b"] = ApiToken.objects.issue(user=personas["staff_b"], name="乙的令牌")
    w["import_job"] = make_import_job(personas["staff_a"], w["zone_a"])
    w["stats_job_a"] = make_stats_import_job(personas["staff_a"])
    w["stats_job_b"] = make_stats_import_job(personas["staff_b"])
    w.update(quality_objects(w))
    w.update(entry_objects(w))
    w.update(directory_objects(w, personas))
    w.update(project_objects(w, personas))
    return w


def make_import_job(owner, zone):
    book = openpyxl.Workbook()
    book.active.append(["统一社会信用代码", "错误"])
    book.active.append(["91140500MA0K0000XX", "统一社会信用代码校验位错误"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = ImportJob(
        kind=EnterpriseImporter.kind,
        original_name="企业名录.xlsx",
        created_by=owner,
        zone=zone,
        status=ImportStatusChoices.VALIDATED,
        row_count=1,
        error_count=1,
        error_row_count=1,
        errors=[{"row": 2, "column": "统一社会信用代码", "message": "统一社会信用代码校验位错误"}],
    )
    job.file.save("upload.xlsx", ContentFile(buffer.getvalue()), save=False)
    job.error_file.save("errors.xlsx", ContentFile(buffer.getvalue()), save=False)
    job.save()
    return job


MATRIX += PROJECT_PROBES


# ------------------------------------------------------------------------------------------------------------- tools
def ui_view_names():
    """Every named URL pattern outside the API, admin, i18n and static files, found by walking the resolver."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, (namespace, pattern.namespace))) if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, route, inner)
            elif not route.startswith(EXCLUDED_PREFIXES):
                yield route, f"{namespace}:{pattern.name}" if namespace else pattern.name

    return dict(walk(get_resolver().url_patterns))


SNAPSHOT_APPS = ("accounts", "zones", "enterprises", "core", "authtoken", "stats", "projects")
REFERENCE_MODELS = {"zones.Region", "enterprises.IndustryClass"}


def snapshot():
    """Every row of every business table (history included; reference tables and the audit log excluded), every
    column as the database stores it (raw SQL: the ORM's per-query cost was most of a matrix case's time)."""
    quote = connection.ops.quote_name
    tables = [
        (model._meta.label, quote(model._meta.db_table), quote(model._meta.pk.column))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS
        and model._meta.label not in REFERENCE_MODELS
        and model is not AuditEvent
    ]
    state = {}
    with connection.cursor() as cursor:
        for label, table, pk in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608 (names from the models)
            state[label] = cursor.fetchall()
    return state


def check_outcome(response, expected, w, where):
    status = response.status_code
    if isinstance(expected, Login):
        assert status == 302, f"{where}: expected redirect to login, got {status}"
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), f"{where}: {response['Location']}"
    elif isinstance(expected, Redirect):
        assert status == 302, f"{where}: expected redirect, got {status}"
        assert response["Location"] == expected.to(w), f"{where}: redirected to {response['Location']}"
    elif isinstance(expected, Written):
        assert status == 302, f"{where}: expected a redirect after the write, got {status}"
        if expected.to is not None:
            assert response["Location"] == expected.to(w), f"{where}: redirected to {response['Location']}"
        else:
            assert not response["Location"].startswith(reverse(settings.LOGIN_URL)), f"{where}: sent to login"
    elif isinstance(expected, Invalid):
        assert status == 200, f"{where}: expected the form again with an error, got {status}"
        assert response.context["form"].errors, f"{where}: no form error shown"
    else:
        assert status == expected, f"{where}: expected {expected}, got {status}"


def probe_id(probe):
    return f"{probe.view}[{probe.label}]" if probe.label else probe.view


GET_CASES = [
    pytest.param(probe, persona, id=f"{probe_id(probe)}-{persona}") for probe in MATRIX for persona in PERSONAS
]
POST_CASES = [
    pytest.param(probe, name, persona, id=f"{probe_id(probe)}-{name}-{persona}")
    for probe in MATRIX
    for name in probe.posts
    for persona in PERSONAS
]


# ------------------------------------------------------------------------------------------------------------- tests
def test_every_ui_view_has_a_matrix_entry():
    in_matrix = {probe.view for probe in MATRIX}
    for route, name in ui_view_names().items():
        assert name, f"URL {route!r} has no name, so the matrix cannot address it"
        assert name in in_matrix, f"view {name} ({route}) has no entry in the matrix"
    stale = in_matrix - set(ui_view_names().values())
    assert not stale, f"matrix entries for views that no longer exist: {stale}"


@pytest.mark.parametrize("probe", MATRIX, ids=probe_id)
def test_matrix_entry_covers_every_persona(probe):
    assert set(probe.get) == set(PERSONAS)
    for post in probe.posts.values():
        assert set(post.expect) == set(PERSONAS)
    if probe.visible:
        assert set(probe.visible.expect) == set(LOGGED_IN)


@pytest.mark.parametrize(("probe", "persona"), GET_CASES)
def test_get(matrix, objects, personas, client_for, probe, persona):
    url = reverse(probe.view, kwargs=probe.kwargs(objects) if probe.kwargs else None)
    client = client_for(personas[persona])
    before = matrix.before  # the rows every test starts from (see `matrix`)
    response = client.get(f"{url}?{probe.query}" if probe.query else url)
    expected = probe.get[persona]
    check_outcome(response, expected, objects, f"GET {url} as {persona}")
    assert snapshot() == before, f"GET {url} as {persona} changed the database"
    if probe.visible and expected == 200:
        content = probe.visible.content(response) if probe.visible.content else response.content
        for key, marker in probe.visible.markers(objects).items():
            should_see = key in probe.visible.expect[persona]
            assert (marker in content) == should_see, (
                f"GET {url} as {persona}: {key} {'missing' if should_see else 'shown out of scope'}"
            )


@pytest.mark.parametrize(("probe", "name", "persona"), POST_CASES)
def test_post(matrix, objects, personas, client_for, probe, name, persona):
    url = reverse(probe.view, kwargs=probe.kwargs(objects) if probe.kwargs else None)
    post = probe.posts[name]
    user = personas[persona]
    client = client_for(user)
    payload = post.payload(objects)
    before = matrix.before  # the rows every test starts from (see `matrix`)
    response = client.post(url, payload)
    expected = post.expect[persona]
    where = f"POST {name} {url} as {persona}"
    check_outcome(response, expected, objects, where)
    if isinstance(expected, Written):
        assert post.effect(objects, user, client), f"{where}: answered {response.status_code} but did not write"
    else:
        assert snapshot() == before, f"{where}: denied, yet the database changed"


def test_matrix_probes_objects_in_both_zones():
    """Views that take an object are probed with one in zone A and one in zone B."""
    labels = {}
    for probe in MATRIX:
        if probe.kwargs and not probe.view.startswith("enterprises:import"):
            labels.setdefault(probe.view, set()).add(probe.label)
    assert all(found == {"A", "B"} for found in labels.values()), labels


# Edit pages some persona opens: zone B's project pages open for nobody here (its one project writer was the system
# administrator, who writes no projects: 三员分立); the zone A probes of the same views check their forms.
EDIT_PROBES = [probe for probe in MATRIX if probe.kwargs and probe.view.endswith("_edit") and 200 in probe.get.values()]


@pytest.mark.parametrize("probe", EDIT_PROBES, ids=probe_id)
def test_edit_pages_send_the_version_back(objects, personas, client_for, probe):
    """Every edit page whose form carries the version (kaifaqu.core.versioning) renders it as a hidden input, so the
    browser sends it with the save: a template that lists its fields by hand must not leave it out."""
    persona = next(name for name, outcome in probe.get.items() if outcome == 200)
    response = client_for(personas[persona]).get(reverse(probe.view, kwargs=probe.kwargs(objects)))
    form = response.context.get("form")
    if getattr(getattr(form, "instance", None), "_state", None) and form.instance._state.adding:
        return  # a new row (e.g. the first plan of a year): nothing to be stale against
    if form is None or "version" not in form.fields:
        assert probe.view.split(":")[1] in UNVERSIONED_EDIT_PAGES, f"{probe.view}: the edit form has no version"
        return
    assert b'name="version"' in response.content, f"{probe.view} does not render the hidden version"


# Edit pages whose rows are versioned but whose forms do not check the version (every save still raises it). None
# now: an edit page added without the check must be listed here, with the reason, until it has it.
UNVERSIONED_EDIT_PAGES = set()
