"""English names of the rows the system seeds (the indicator catalogue and its forms by migration, a zone's stages and
approval matters by default, the demo departments, chains and tags by the demo files): every one has an English name,
labels follow the user's language, and a Chinese page carries no raw English label."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import URLPattern, get_resolver, reverse
from django.utils import translation

from kaifaqu.enterprises.demo import parameters
from kaifaqu.projects.choices import DEFAULT_APPROVAL_KINDS, DEFAULT_STAGES
from kaifaqu.projects.models import ApprovalKind, StageDefinition
from kaifaqu.projects.services import ensure_zone_defaults
from kaifaqu.stats.models import DataSet, Indicator, ValidationRule
from kaifaqu.zones.demo import department_names_en, zone_records

# The China Statistical Yearbook's English terms (National Bureau of Statistics) for the catalogue's indicators.
NBS_TERMS = {
    "main_revenue": "Main Business Revenue",
    "revenue": "Operating Revenue",
    "output_value": "Gross Industrial Output Value",
    "value_added": "Industrial Value Added",
    "total_profit": "Total Profits",
    "export_delivery": "Export Delivery Value",
    "total_assets": "Total Assets",
    "total_liabilities": "Total Liabilities",
}


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def english(text):
    return bool(text) and text.isascii() and re.search(r"[A-Za-z]", text) is not None


# -- every seeded row has an English name ----------------------------------------------------------------------------


def test_the_catalogue_migration_gives_every_indicator_form_and_rule_an_english_name(db):
    assert Indicator.objects.exists() and DataSet.objects.exists() and ValidationRule.objects.exists()
    assert all(english(i.name_en) for i in Indicator.objects.all())
    assert all(english(d.name_en) for d in DataSet.objects.all())
    assert all(english(r.name_en) for r in ValidationRule.objects.all())
    terms = dict(Indicator.objects.filter(code__in=NBS_TERMS).values_list("code", "name_en"))
    assert terms == NBS_TERMS


def test_a_zones_default_stages_and_approval_matters_have_english_names(world):
    assert all(english(row[2]) for row in DEFAULT_STAGES)
    assert all(english(row[1]) for row in DEFAULT_APPROVAL_KINDS)
    ensure_zone_defaults(world["zone_a"])
    stages = StageDefinition.objects.filter(zone=world["zone_a"])
    kinds = ApprovalKind.objects.filter(zone=world["zone_a"])
    assert stages.count() == len(DEFAULT_STAGES) and kinds.count() == len(DEFAULT_APPROVAL_KINDS)
    assert all(english(s.name_en) for s in stages) and all(english(k.name_en) for k in kinds)
    assert stages.get(code="started").name_en == "Construction started"


def test_the_demo_files_name_every_department_chain_and_tag_in_english():
    assert all(english(name_en) for name_en in department_names_en().values())
    chains = [chain for record in zone_records() for chain in record.children("chains")]
    assert chains and all(english(chain.get("name_en", "")) for chain in chains)
    assert parameters().tags and all(english(name_en) for name_en in parameters().tags.values())


# -- the label follows the language --------------------------------------------------------------------------------


def test_the_label_is_english_in_english_and_falls_back_to_chinese(world):
    ensure_zone_defaults(world["zone_a"])
    started = StageDefinition.objects.get(zone=world["zone_a"], code="started")
    mine = StageDefinition(zone=world["zone_a"], code="mine", name="自定阶段", phase="pipeline", order=99)
    with translation.override("en"):
        assert (str(started), started.label, mine.label) == ("Construction started", "Construction started", "自定阶段")
    with translation.override("zh-hans"):
        assert (str(started), mine.label) == ("开工", "自定阶段")


def test_english_pages_show_the_english_names(world, personas, client_for):
    ensure_zone_defaults(world["zone_a"])
    client = client_for(personas["zone_admin_a"])
    stages = client.get(reverse("projects:stage_config"), {"zone": world["zone_a"].pk}).content.decode()
    assert "<td>开工</td>" in stages
    in_english(client)
    stages = client.get(reverse("projects:stage_config"), {"zone": world["zone_a"].pk}).content.decode()
    assert "<td>Construction started</td>" in stages and "<td>开工</td>" not in stages
    kinds = client.get(reverse("projects:approval_kind_config"), {"zone": world["zone_a"].pk}).content.decode()
    assert "Environmental impact assessment" in kinds
    forms = in_english(client_for(personas["system_admin"])).get(reverse("stats:data_set_list")).content.decode()
    assert "Monthly Report of Industrial Enterprises above Designated Size" in forms


def test_the_english_name_is_configured_with_the_stage(world, personas, client_for):
    ensure_zone_defaults(world["zone_a"])
    stage = StageDefinition.objects.get(zone=world["zone_a"], code="land")
    client = client_for(personas["zone_admin_a"])
    page = client.get(reverse("projects:stage_config_edit", args=[stage.pk])).content.decode()
    assert 'name="name_en"' in page and 'value="Land supplied"' in page


# -- no raw English label on a Chinese page --------------------------------------------------------------------------


class Labels(HTMLParser):
    """The texts of the elements that label things: form labels, table headings, legends, options, buttons."""

    TAGS = {"label", "th", "legend", "option", "button", "dt", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__()
        self.open, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.open.append([tag, ""])

    def handle_endtag(self, tag):
        if self.open and self.open[-1][0] == tag:
            self.texts.append(self.open.pop()[1].strip())

    def handle_data(self, data):
        for element in self.open:
            element[1] += data


# The language switch names the other language in that language; codes and file formats are not words to translate.
NOT_TRANSLATED = {"English", "Excel", "API", "GB/T", "xlsx"}


def raw_english(html):
    """Label texts that are English words with no Chinese: a verbose_name or label left without its Chinese text."""
    parser = Labels()
    parser.feed(html)
    found = []
    for text in parser.texts:
        words = re.findall(r"[A-Za-z]{3,}", text)
        if words and not re.search(r"[\u4e00-\u9fff]", text) and not set(words) <= NOT_TRANSLATED:
            found.append(text)
    return found


def list_pages(namespace):
    """The URL names of an app's pages that need no object: no argument, or only the zone."""
    patterns = get_resolver().namespace_dict[namespace][1].url_patterns
    return [
        (p.name, set(p.pattern.regex.groupindex))
        for p in patterns
        if isinstance(p, URLPattern) and p.name and set(p.pattern.regex.groupindex) <= {"zone_pk"}
    ]


@pytest.mark.parametrize("namespace", ["stats", "projects"])
def test_chinese_pages_have_no_raw_english_labels(namespace, world, personas, client_for):
    ensure_zone_defaults(world["zone_a"])
    seen = 0
    problems = {}
    for persona in ["system_admin", "zone_admin_a", "staff_a", "region_viewer"]:
        client = client_for(personas[persona])
        for name, arguments in list_pages(namespace):
            url = reverse(f"{namespace}:{name}", kwargs={"zone_pk": world["zone_a"].pk} if arguments else {})
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            seen += 1
            found = raw_english(response.content.decode())
            if found:
                problems[f"{persona} {url}"] = found
    assert seen >= 10, "the pages were not reached"
    assert problems == {}
