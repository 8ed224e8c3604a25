"""Record history reads as people talk: yes/no for booleans (not True/False), choices by their label, related rows
by their name (in the reader's language where the row has an English name) — on the page and in both languages."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kaifaqu.core.history import attributed, history_entries


def changed(entries):
    return {change["field"]: (str(change["old"]), str(change["new"])) for change in entries[0]["changes"]}


def test_a_boolean_change_reads_yes_no_on_the_page_in_both_languages(world, personas, client_for):
    zone = world["zone_a"]
    zone.is_demo = True
    attributed(zone, personas["system_admin"]).save()
    client = client_for(personas["zone_admin_a"])
    chinese = client.get(reverse("zones:zone", args=[zone.pk])).content.decode()
    assert "<strong>演示数据</strong>：<del>否</del> → <ins>是</ins>" in chinese
    assert "False" not in chinese and "True" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("zones:zone", args=[zone.pk])).content.decode()
    assert "<del>No</del> → <ins>Yes</ins>" in english


def test_choices_by_label_and_related_rows_by_name(world, personas):
    firm = world["firm_1"]
    chain = world["zone_a"].chains.create(name="新材料产业链", name_en="New materials industry chain")
    firm.scale = "small"
    firm.park = None
    attributed(firm, personas["staff_a"]).save()
    firm.chains.add(chain)  # simple-history records the new links as a change of its own
    with translation.override("zh-hans"):
        entries = history_entries(firm)
        assert changed(entries) == {"所属产业链": ("—", "新材料产业链")}
        assert changed(entries[1:]) == {"所在园区": ("高平新材料园", "—"), "企业规模": ("—", "小型")}
    with translation.override("en"):
        entries = history_entries(firm)
        assert list(changed(entries).values()) == [("—", "New materials industry chain")]
        assert changed(entries[1:])[str(firm._meta.get_field("scale").verbose_name)] == ("—", "Small")
