"""Demo data: the eight Shanxi demo zones (kaifaqu/zones/demo), their synthetic enterprises and one account per role
(kaifaqu/accounts/demo) — `manage.py seed_demo`.

The facts are data files: the zones in kaifaqu/zones/demo/zones.yaml, the accounts in
kaifaqu/accounts/demo/accounts.yaml, and the parameters of the synthetic firms beside this file (firms.yaml,
industries.yaml). The firms themselves are planned by code from those parameters:

- Deterministic: every random choice comes from `random.Random` seeded with a fixed string per zone; no date
  depends on today (all dates fall in 1995–2024).
- Idempotent: rows are matched by natural keys (zone name; park, department and chain by zone and name; enterprise
  by credit code; user by username). Existing rows are left as they are; only missing ones are created. One
  exception: a demo firm seeded before firms had a liaison department (包联部门) gets its planned one, once — a
  firm whose department was ever set (and perhaps cleared by a user since) is left alone.
- Attributed: zones, parts and accounts go through validation and the services one by one; the ~2,500 firms with
  bulk_create and an initial history entry (simple_history's bulk_create_with_history), all in the name of the demo
  account that cannot sign in (kaifaqu.accounts.demo.demo_actor).

Zones carry the facts the news reported, nothing more. Everything else is invented and marked: every synthetic
firm name ends with （演示）, every synthetic row has is_demo=True or says 演示数据 in its description, and no real
company name carries an invented figure.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history
from stdnum.cn import uscc

from kaifaqu.accounts.choices import RoleChoices
from kaifaqu.accounts.demo import DEMO_PASSWORD, FIRST_DEMO_FIRM, FIRST_REPORTING_FIRM, demo_actor, seed_accounts
from kaifaqu.core.cache import REFERENCE, ZONES, bump, zone_version
from kaifaqu.core.demo import DemoDataError, Record, Refs, read, shown
from kaifaqu.core.history import bulk_history
from kaifaqu.core.money import WAN
from kaifaqu.zones.demo import seed_zones, zone_records
from kaifaqu.zones.models import Department, Region

from ..choices import EnterpriseScaleChoices, EnterpriseStatusChoices
from ..models import Contact, Enterprise, IndustryClass, Tag

DEMO_MARK = "（演示）"
CHANGE_REASON = "演示数据初始化"
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters (no I, O, S, V, Z)
FIRST_DAY = date(1995, 1, 1)
LAST_DAY = date(2024, 12, 31)
BATCH = 500
INDUSTRIAL_SECTIONS = {"B", "C", "D"}
ABOVE_SCALE = "规上"  # the tag of the firms that report the 规上工业月报


# ---------------------------------------------------------------------------------------------------------------
# Parameters, from firms.yaml and industries.yaml (and the zones of kaifaqu/zones/demo/zones.yaml)
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Industry:
    code: str
    words: tuple
    products: str


@dataclass(frozen=True)
class ParkSpec:
    name: str
    themes: tuple  # themes whose firms settle here; "*" takes any firm
    area_mu: int


@dataclass(frozen=True)
class ChainSpec:
    name: str
    industry_codes: str  # GB/T 4754 sections or divisions, e.g. "C26,C29"
    description: str = ""


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    short_name: str
    level: str
    kind: str
    region: str  # GB/T 2260
    description: str
    places: tuple  # place words firm names start with
    firms: int
    themes: dict  # theme -> weight
    parks: tuple
    departments: tuple
    chains: tuple
    export_share: float = 0.05  # share of manufacturers tagged 外贸
    seed: str = field(default="", compare=False)

    @property
    def rng_seed(self):
        return self.seed or f"{parameters().seed}:{self.name}"


@dataclass(frozen=True)
class Parameters:
    seed: str
    themes: dict  # theme -> (Industry, ...)
    tech_themes: frozenset
    tags: dict  # name -> English name
    liaison_weights: dict  # department name -> weight
    scales: tuple  # (scale, weight), ...
    capital: dict  # scale -> (low, high, step) in 万元
    above_scale: dict  # scale -> chance an industrial firm is 规上
    brand_chars: str
    surnames: str
    given_chars: str
    roads: tuple
    titles: tuple


@cache
def parameters():
    firms, industries = read("enterprises", "firms"), read("enterprises", "industries")
    themes = {}
    for theme, rows in industries["themes"].items():
        records = [Record(industries.path, f"themes › {theme}", index, row) for index, row in enumerate(rows, 1)]
        themes[theme] = tuple(Industry(str(r["code"]), tuple(r["words"].split("/")), r["products"]) for r in records)
    names = firms["names"]
    scales = {str(scale): weight for scale, weight in firms["scales"].items()}
    unknown = sorted(set(scales) - set(EnterpriseScaleChoices.values))
    if unknown:
        raise DemoDataError(f"{shown(firms.path)}: unknown scale '{unknown[0]}' in scales")
    return Parameters(
        seed=firms["seed"],
        themes=themes,
        tech_themes=frozenset(firms["tech_themes"]),
        tags={str(name): str(name_en) for name, name_en in firms["tags"].items()},
        liaison_weights=dict(firms["liaison_weights"]),
        scales=tuple(scales.items()),
        capital={scale: tuple(bounds) for scale, bounds in firms["capital"].items()},
        above_scale=dict(firms["above_scale"]),
        brand_chars=names["brand_chars"],
        surnames=names["surnames"],
        given_chars=names["given_chars"],
        roads=tuple(names["roads"]),
        titles=tuple(names["titles"]),
    )


@cache
def zone_specs():
    """The demo zones as the firm factory sees them: each zone of zones.yaml with its firms' parameters."""
    themes = parameters().themes
    plans = {}
    for record in read("enterprises", "firms").records("zones"):
        for theme in record["themes"]:
            if theme not in themes:
                raise record.error(f"unknown theme '{theme}' (not in industries.yaml)")
        plans[record["zone"]] = record
    specs = []
    for zone in zone_records():
        plan = plans.pop(zone["short_name"], None)
        if plan is None:
            raise zone.error("no record for this zone in kaifaqu/enterprises/demo/firms.yaml")
        park_themes = dict(plan["parks"])
        parks = []
        for park in zone.children("parks"):
            parks.append(ParkSpec(park["name"], tuple(park_themes.pop(park["name"], ())), park["area_mu"]))
        if park_themes:
            raise plan.error(f"unknown park '{next(iter(park_themes))}' (not a park of the zone in zones.yaml)")
        specs.append(
            ZoneSpec(
                name=zone["name"],
                short_name=zone["short_name"],
                level=zone["level"],
                kind=zone["kind"],
                region=str(zone["region"]),
                description=zone["description"],
                places=tuple(plan["places"]),
                firms=plan["firms"],
                themes=dict(plan["themes"]),
                parks=tuple(parks),
                departments=tuple(zone["departments"]),
                chains=tuple(
                    ChainSpec(c["name"], c["industry_codes"], c.get("description", "")) for c in zone.children("chains")
                ),
                export_share=plan.get("export_share", 0.05),
            )
        )
    if plans:
        record = next(iter(plans.values()))
        raise record.error(f"unknown zone '{record['zone']}' (not in kaifaqu/zones/demo/zones.yaml)")
    return tuple(specs)


def zones_by_short_name():
    return {spec.short_name: spec for spec in zone_specs()}


# ---------------------------------------------------------------------------------------------------------------
# Synthetic enterprises
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class ContactPlan:
    name: str
    title: str
    phone: str
    is_primary: bool


@dataclass
class FirmPlan:
    credit_code: str
    name: str
    theme: str
    industry: str
    park: str | None
    address: str
    legal_representative: str
    founded_on: date
    registered_capital: Decimal
    scale: str
    status: str
    status_changed_on: date | None
    main_products: str
    tags: list
    contacts: list
    chains: list = field(default_factory=list)
    liaison: str | None = None  # the name of the zone department that looks after the firm (包联部门)


def weighted(rng, pairs):
    items = list(pairs)
    return rng.choices([item for item, _ in items], weights=[weight for _, weight in items])[0]


def credit_code(region_code, org):
    """统一社会信用代码: 9 (registered by market regulation, 工商), 1 (企业), the 6-digit region, the 9-character
    organisation part, then the check character."""
    body = f"91{region_code}{org}"
    return body + uscc.calc_check_digit(body)


def organisation_code(rng, founded_on):
    """A 9-character organisation part: "MA…" for firms registered under the unified code (2015 on), an
    organisation code with its GB 11714 check digit for older firms."""
    if founded_on.year >= 2016:
        return "MA" + "".join(rng.choice(ORG_ALPHABET) for _ in range(7))
    digits = [rng.randrange(10) for _ in range(8)]
    check = 11 - sum(d * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "".join(map(str, digits)) + {10: "X", 11: "0"}.get(check, str(check))


def person_name(rng):
    names = parameters()
    given = rng.choice(names.given_chars) + (rng.choice(names.given_chars) if rng.random() < 0.7 else "")
    return rng.choice(names.surnames) + given


def fake_phone(rng):
    """139-0000-xxxx: clearly not a real subscriber number."""
    return f"1390000{rng.randrange(10000):04d}"


def random_day(rng, low, high):
    return low + timedelta(days=rng.randrange((high - low).days + 1))


class FirmFactory:
    """Plans the synthetic firms of one zone, deterministically. Names and codes stay unique across factories
    that share `used_names` and `used_orgs`."""

    def __init__(self, spec, sections, *, address_prefix="", used_names=None, used_orgs=None):
        self.spec = spec
        self.sections = sections  # class code -> (section, division)
        self.address_prefix = address_prefix
        self.rng = random.Random(spec.rng_seed)
        self.used_names = used_names if used_names is not None else set()
        self.used_orgs = used_orgs if used_orgs is not None else set()
        self.theme_weights = list(spec.themes.items())
        self.params = parameters()

    def plan(self, count=None):
        return [self.make(index) for index in range(count if count is not None else self.spec.firms)]

    def make(self, index):
        """Plan firm `index`. The first firm of a zone (the demo enterprise user's) is an active small maker in
        the zone's leading theme, settled in a park."""
        rng, spec = self.rng, self.spec
        first = index == 0
        theme = weighted(rng, self.theme_weights)
        theme = next(iter(spec.themes)) if first else theme
        industry = rng.choice(self.params.themes[theme])
        section, division = self.sections[industry.code]
        scale = EnterpriseScaleChoices.SMALL if first else weighted(rng, self.params.scales)
        founded_on = date(1995 + int(30 * rng.random() ** 0.6), 1, 1) + timedelta(days=rng.randrange(365))
        founded_on = min(founded_on, LAST_DAY)
        status, changed_on = self.status(founded_on, force_active=first)
        code = self.credit_code(founded_on)
        return FirmPlan(
            credit_code=code,
            name=self.name(industry, scale),
            theme=theme,
            industry=industry.code,
            park=self.park(theme, force=first),
            address=f"{self.address_prefix}{spec.short_name}{rng.choice(self.params.roads)}{rng.randrange(1, 300)}号",
            legal_representative=person_name(rng),
            founded_on=founded_on,
            registered_capital=self.capital(scale),
            scale=scale,
            status=status,
            status_changed_on=changed_on,
            main_products=industry.products,
            tags=self.tags(theme, section, scale),
            contacts=self.contacts(),
            chains=[
                chain.name
                for chain in spec.chains
                if _fits(chain.industry_codes, section, division) and rng.random() < 0.85
            ],
            liaison=self.liaison(code),
        )

    def name(self, industry, scale):
        rng = self.rng
        for attempt in range(60):
            brand = "".join(rng.sample(self.params.brand_chars, 2 if attempt < 40 else 3))
            if scale in (EnterpriseScaleChoices.LARGE, EnterpriseScaleChoices.MEDIUM) and rng.random() < 0.35:
                suffix = "股份有限公司"
            else:
                suffix = weighted(rng, (("有限公司", 84), ("有限责任公司", 14), ("股份有限公司", 2)))
            name = f"{rng.choice(self.spec.places)}{brand}{rng.choice(industry.words)}{suffix}{DEMO_MARK}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("could not find an unused demo firm name")

    def credit_code(self, founded_on):
        while True:
            org = organisation_code(self.rng, founded_on)
            if org not in self.used_orgs:
                self.used_orgs.add(org)
                return credit_code(self.spec.region, org)

    def liaison(self, credit_code):
        """The firm's liaison department, drawn from its own generator (seeded by its credit code) so that adding
        it changed none of the other planned values."""
        names = self.spec.departments
        liaison = self.params.liaison_weights
        weights = [(name, liaison[name]) for name in names if name in liaison]
        if not weights:
            weights = [(name, 1) for name in names]
        if not weights:
            return None
        return weighted(random.Random(f"{self.params.seed}:liaison:{credit_code}"), weights)

    def park(self, theme, force=False):
        rng, parks = self.rng, self.spec.parks
        fitting = [p.name for p in parks if theme in p.themes]
        general = [p.name for p in parks if "*" in p.themes]
        roll = rng.random()
        if fitting and (roll < 0.8 or force):
            return rng.choice(fitting)
        if general and roll < 0.92:
            return rng.choice(general)
        return None

    def status(self, founded_on, force_active=False):
        roll = self.rng.random()
        if force_active or roll >= 0.08:
            return EnterpriseStatusChoices.ACTIVE, None
        status = EnterpriseStatusChoices.CLOSED if roll < 0.05 else EnterpriseStatusChoices.MOVED_OUT
        low = max(founded_on + timedelta(days=200), date(2016, 1, 1))
        if low > LAST_DAY:
            low = founded_on
        return status, random_day(self.rng, low, LAST_DAY)

    def capital(self, scale):
        low, high, step = self.params.capital[scale]
        amount = Decimal(self.rng.randrange(low, high + 1, step))
        if self.rng.random() < 0.12:
            amount += Decimal(self.rng.randrange(1, 10000)) / 10000
        return amount.quantize(WAN)

    def tags(self, theme, section, scale):
        rng = self.rng
        big = scale in (EnterpriseScaleChoices.LARGE, EnterpriseScaleChoices.MEDIUM)
        industrial = section in INDUSTRIAL_SECTIONS
        tags = []
        above_line = self.params.above_scale.get(scale, 0.0)
        if industrial and rng.random() < above_line:
            tags.append(ABOVE_SCALE)
        if theme in self.params.tech_themes:
            if rng.random() < (0.3 if big else 0.08):
                tags.append("高新技术企业")
            if not big and rng.random() < 0.12:
                tags.append("科技型中小企业")
        if section == "C" and scale in ("small", "medium") and rng.random() < 0.05:
            tags.append("专精特新")
        if section == "C" and rng.random() < self.spec.export_share:
            tags.append("外贸")
        return tags

    def contacts(self):
        rng = self.rng
        count = 1 if rng.random() < 0.6 else 2
        return [
            ContactPlan(person_name(rng), rng.choice(self.params.titles), fake_phone(rng), is_primary=(i == 0))
            for i in range(count)
        ]


def _fits(industry_codes, section, division):
    codes = {c.strip() for c in industry_codes.split(",") if c.strip()}
    return section in codes or f"{section}{division}" in codes


def industry_sections():
    """class code -> (section, division) for every class the themes use; fails loudly on an unknown code."""
    codes = {industry.code for industries in parameters().themes.values() for industry in industries}
    found = {
        code: (section, division)
        for code, section, division, level in IndustryClass.objects.filter(code__in=codes).values_list(
            "code", "section", "division", "level"
        )
        if level == "class"
    }
    missing = sorted(codes - set(found))
    if missing:
        raise LookupError(f"GB/T 4754 classes missing from IndustryClass: {', '.join(missing)}")
    return found


def plan_all():
    """Every synthetic firm of every zone, in a fixed order: {zone short name: [FirmPlan, ...]}."""
    specs = zone_specs()
    sections = industry_sections()
    regions = {
        r.code: r for r in Region.objects.filter(code__in=[s.region for s in specs]).select_related("parent__parent")
    }
    used_names, used_orgs = set(), set()
    plans = {}
    for spec, record in zip(specs, zone_records(), strict=True):
        if spec.region not in regions:
            raise record.error(f"unknown region '{spec.region}'")
        factory = FirmFactory(
            spec, sections, address_prefix=regions[spec.region].full_name, used_names=used_names, used_orgs=used_orgs
        )
        plans[spec.short_name] = factory.plan()
    return plans


# ---------------------------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------------------------
def _create(model, objs, actor):
    if not objs:
        return []
    return bulk_create_with_history(
        objs, model, batch_size=BATCH, default_user=actor, default_change_reason=CHANGE_REASON
    )


def _lead_firm(plans, park_name):
    """The park's lead firm: the largest active synthetic firm settled there (a demo name, never a real one)."""
    order = {EnterpriseScaleChoices.LARGE: 0, EnterpriseScaleChoices.MEDIUM: 1}
    candidates = [p for p in plans if p.park == park_name and p.status == EnterpriseStatusChoices.ACTIVE]
    candidates.sort(key=lambda p: (order.get(p.scale, 2), -p.registered_capital))
    return candidates[0].name if candidates else ""


@transaction.atomic
def seed_demo(*, reset_passwords=False):
    """Create whatever demo rows are missing; returns a Counter of the rows created, by kind."""
    validate_password(DEMO_PASSWORD)
    created = Counter()
    actor = demo_actor(created)
    plans = plan_all()
    zones, parks, departments, chains = seed_zones(
        actor=actor, created=created, lead_firm=lambda zone, park: _lead_firm(plans[zone], park)
    )
    _seed_enterprises(zones, parks, departments, chains, plans, created, actor)
    first_firms = {short_name: zone_plans[0].credit_code for short_name, zone_plans in plans.items()}
    reporting_firms = {
        short_name: next((p.credit_code for p in zone_plans if _reports_statistics(p)), None)
        for short_name, zone_plans in plans.items()
    }
    refs = Refs()
    seed_accounts(
        actor=actor,
        grant_for=lambda record: grant_for(record, zones, first_firms, refs, reporting_firms),
        created=created,
        reset_passwords=reset_passwords,
    )
    # bulk writes send no signals: every cached list of zones, parks, chains, tags and the firms' industries
    zone_ids = Enterprise.objects.filter(is_demo=True).values_list("zone_id", flat=True).distinct()
    bump(REFERENCE, ZONES, *(zone_version(zone_id) for zone_id in sorted(zone_ids)))
    return created


def _seed_enterprises(zones, parks, departments, chains, plans, created, actor):
    all_codes = [p.credit_code for zone_plans in plans.values() for p in zone_plans]
    existing = set()
    for start in range(0, len(all_codes), BATCH):
        chunk = all_codes[start : start + BATCH]
        existing.update(Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", flat=True))
    _backfill_liaison(departments, plans, existing, created, actor)

    tags = {}
    for name, name_en in parameters().tags.items():
        tags[name], made = Tag.objects.get_or_create(name=name, defaults={"name_en": name_en})
        created["tag"] += made

    todo, firms = [], []
    for spec in zone_specs():
        zone = zones[spec.short_name]
        for plan in plans[spec.short_name]:
            if plan.credit_code in existing:
                continue
            park = parks.get((zone.pk, plan.park)) if plan.park else None
            todo.append(plan)
            firms.append(
                Enterprise(
                    credit_code=plan.credit_code,
                    name=plan.name,
                    zone=zone,
                    park=park,
                    service_department=departments.get((zone.pk, plan.liaison)),
                    industry_id=plan.industry,
                    region_id=spec.region,
                    address=plan.address,
                    legal_representative=plan.legal_representative,
                    founded_on=plan.founded_on,
                    registered_capital=plan.registered_capital,
                    scale=plan.scale,
                    status=plan.status,
                    status_changed_on=plan.status_changed_on,
                    main_products=plan.main_products,
                    description="演示数据，非真实企业。",
                    is_demo=True,
                )
            )
    if not firms:
        return
    firms = _create(Enterprise, firms, actor)
    created["enterprise"] += len(firms)

    contacts = [
        Contact(enterprise=firm, name=c.name, title=c.title, phone=c.phone, is_primary=c.is_primary)
        for firm, plan in zip(firms, todo, strict=True)
        for c in plan.contacts
    ]
    _create(Contact, contacts, actor)
    created["contact"] += len(contacts)

    tag_rows, chain_rows = [], []
    TagLink, ChainLink = Enterprise.tags.through, Enterprise.chains.through
    for firm, plan in zip(firms, todo, strict=True):
        tag_rows += [TagLink(enterprise_id=firm.pk, tag_id=tags[name].pk) for name in plan.tags]
        chain_rows += [
            ChainLink(enterprise_id=firm.pk, industrychain_id=chains[(firm.zone_id, name)].pk) for name in plan.chains
        ]
    tag_rows = TagLink.objects.bulk_create(tag_rows, batch_size=BATCH)
    chain_rows = ChainLink.objects.bulk_create(chain_rows, batch_size=BATCH)
    created["enterprise_tag"] += len(tag_rows)
    created["enterprise_chain"] += len(chain_rows)
    _snapshot_m2m_history([f.pk for f in firms], {"tags": tag_rows, "chains": chain_rows})


def _backfill_liaison(departments, plans, existing, created, actor):
    """Demo firms seeded before the 包联部门 existed get their planned department (in their current zone), with a
    history entry. A firm that ever had a department keeps whatever it has now."""
    liaison = {p.credit_code: p.liaison for zone_plans in plans.values() for p in zone_plans if p.liaison}
    codes = sorted(existing & set(liaison))
    firms = []
    for start in range(0, len(codes), BATCH):
        chunk = codes[start : start + BATCH]
        firms += Enterprise.objects.filter(credit_code__in=chunk, is_demo=True, service_department__isnull=True)
    if not firms:
        return
    had = set()
    ids = [firm.pk for firm in firms]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        had.update(
            Enterprise.history.filter(id__in=chunk, service_department__isnull=False).values_list("id", flat=True)
        )
    todo, now = [], timezone.now()
    for firm in firms:
        department = departments.get((firm.zone_id, liaison[firm.credit_code]))
        if firm.pk not in had and department is not None:
            firm.service_department, firm.updated_at = department, now
            todo.append(firm)
    if todo:
        Enterprise.objects.bulk_update(todo, ["service_department", "updated_at"], batch_size=BATCH)
        bulk_history(Enterprise, todo, user=actor, reason=CHANGE_REASON, update=True)  # with the tags and chains
    created["enterprise_liaison"] += len(todo)


def _snapshot_m2m_history(firm_ids, links):
    """Put the tags and chains into each firm's initial history entry, as simple_history does on a normal save,
    so a later edit's diff does not attribute them to the editor."""
    history_ids = {}
    for start in range(0, len(firm_ids), BATCH):
        chunk = firm_ids[start : start + BATCH]
        history_ids.update(Enterprise.history.filter(id__in=chunk, history_type="+").values_list("id", "history_id"))
    for field_name, rows in links.items():
        HistoryLink = apps.get_model("enterprises", f"HistoricalEnterprise_{field_name}")
        columns = [f.attname for f in rows[0]._meta.fields] if rows else []
        HistoryLink.objects.bulk_create(
            [
                HistoryLink(history_id=history_ids[row.enterprise_id], **{c: getattr(row, c) for c in columns})
                for row in rows
            ],
            batch_size=BATCH,
        )


def _reports_statistics(plan):
    """A firm the statistics demo reports figures for: active and 规上 (kaifaqu/stats/demo/figures.yaml)."""
    return plan.status == EnterpriseStatusChoices.ACTIVE and ABOVE_SCALE in plan.tags


def grant_for(record, zones, first_firms, refs, reporting_firms=None):
    """An account's membership from its scope's natural keys: zone short name, department name, first_demo_firm,
    first_reporting_firm (the zone's first planned active 规上 firm, which reports the 规上工业月报) or a credit
    code, region code."""
    scope = record.get("scope") or {}
    grant = {"role": record["role"]}
    if "zone" in scope:
        if scope["zone"] not in zones:
            raise record.error(f"unknown zone '{scope['zone']}' (not a demo zone of kaifaqu/zones/demo/zones.yaml)")
        grant["zone"] = zones[scope["zone"]]
    if "department" in scope:
        grant["department"] = refs.one(
            record, Department, "department", zone=grant.get("zone"), name=scope["department"]
        )
    if "enterprise" in scope:
        code = scope["enterprise"]
        if code == FIRST_DEMO_FIRM:
            code = first_firms.get(scope.get("zone"))
        elif code == FIRST_REPORTING_FIRM:
            code = (reporting_firms or {}).get(scope.get("zone"))
        grant["enterprise"] = refs.one(record, Enterprise, "enterprise", credit_code=code or scope["enterprise"])
    if "region" in scope:
        grant["region"] = refs.one(record, Region, "region", code=str(scope["region"]))
    if record["role"] == RoleChoices.ENTERPRISE_USER:
        grant.pop("zone", None)  # Membership.clean takes the zone from the enterprise
    return grant
