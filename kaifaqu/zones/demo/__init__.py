"""The demo zones with their parks, departments and industry chains: `zones.yaml` beside this file.

`seed_zones` creates whatever is missing, matched by natural keys (a zone by its name; a park, department or chain by
its zone and name), each row validated and saved in the demo account's name. What a park's lead firm is comes from
the caller (the enterprises demo plans the firms): this app knows nothing of enterprises.
"""

from collections import Counter

from kaifaqu.accounts.choices import DomainChoices
from kaifaqu.core.demo import Refs, cast, read, save

from ..choices import ZoneKindChoices, ZoneLevelChoices
from ..models import Department, IndustryChain, Park, Region, Zone

CHANGE_REASON = "演示数据初始化"
PARK_DESCRIPTION = "演示数据：园区名称、面积与龙头企业均为虚构。"
CHAIN_MARK = "（演示数据）"


def zones_file():
    return read("zones", "zones")


def department_domains(file=None):
    """Department name -> the lines of work routed to it."""
    domains = {}
    for record in (file or zones_file()).records("departments"):
        unknown = [d for d in record["domains"] if d not in DomainChoices.values]
        if unknown:
            raise record.error(f"unknown domain '{unknown[0]}'")
        domains[record["name"]] = list(record["domains"])
    return domains


def department_names_en(file=None):
    """Department name -> its English name."""
    return {r["name"]: r.get("name_en", "") for r in (file or zones_file()).records("departments")}


def zone_records(file=None):
    """The zone records, checked: choices known, departments from the file's list, names unique."""
    file = file or zones_file()
    domains = department_domains(file)
    records = file.records("zones")
    seen = set()
    for record in records:
        if record["level"] not in ZoneLevelChoices.values:
            raise record.error(f"unknown level '{record['level']}'")
        if record["kind"] not in ZoneKindChoices.values:
            raise record.error(f"unknown kind '{record['kind']}'")
        for name in record["departments"]:
            if name not in domains:
                raise record.error(f"unknown department '{name}' (not in the file's departments)")
        key = record["short_name"]
        if key in seen:
            raise record.error(f"short name '{key}' given twice")
        seen.add(key)
    return records


def seed_zones(*, actor, created=None, lead_firm=None, file=None):
    """Create the missing demo zones and parts (from `file`, a DemoFile, or zones.yaml). Returns ({short name:
    Zone}, parks, departments, chains), the parts keyed by (zone id, name). `lead_firm(zone short name, park name)`
    names a new park's lead firm."""
    created = created if created is not None else Counter()
    file = file or zones_file()
    records = zone_records(file)
    domains = department_domains(file)
    names_en = department_names_en(file)
    refs = Refs()
    existing = {z.name: z for z in Zone.objects.filter(name__in=[r["name"] for r in records])}
    zones = {}
    for record in records:
        zone = existing.get(record["name"])
        if zone is None:
            zone = Zone(
                name=record["name"],
                short_name=record["short_name"],
                level=record["level"],
                kind=record["kind"],
                region=refs.one(record, Region, "region", code=record["region"]),
                description=record["description"],
                is_demo=True,
            )
            save(zone, actor, CHANGE_REASON)
            created["zone"] += 1
        zones[record["short_name"]] = zone

    have = {
        model: {(row.zone_id, row.name): row for row in model.objects.filter(zone__in=list(zones.values()))}
        for model in (Park, Department, IndustryChain)
    }

    def part(model, zone, name, **fields):
        if (zone.pk, name) not in have[model]:
            have[model][(zone.pk, name)] = save(model(zone=zone, name=name, **fields), actor, CHANGE_REASON)
            created[model._meta.model_name] += 1

    # Model by model, as the parts have always been created (their ids come out in the same order).
    for record in records:
        zone = zones[record["short_name"]]
        for park in record.children("parks"):
            lead = lead_firm(record["short_name"], park["name"]) if lead_firm else ""
            part(
                Park,
                zone,
                park["name"],
                area_mu=cast(park, Park, {"area_mu": park.get("area_mu")})["area_mu"],
                lead_enterprise_name=lead,
                description=PARK_DESCRIPTION,
            )
    for record in records:
        for name in record["departments"]:
            part(Department, zones[record["short_name"]], name, name_en=names_en[name], domains=list(domains[name]))
    for record in records:
        for chain in record.children("chains"):
            part(
                IndustryChain,
                zones[record["short_name"]],
                chain["name"],
                name_en=chain.get("name_en", ""),
                industry_codes=chain["industry_codes"],
                description=f"{chain.get('description', '')}{CHAIN_MARK}",
            )
    return zones, have[Park], have[Department], have[IndustryChain]
