"""English is complete: every translatable string in the code has an English translation in the catalogue."""

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^msgid "(.*)"\n((?:".*"\n)*)msgstr "(.*)"\n((?:".*"\n)*)', re.MULTILINE)


def untranslated(po_text):
    missing = []
    for match in ENTRY.finditer(po_text):
        msgid = match.group(1) + "".join(re.findall(r'"(.*)"', match.group(2)))
        msgstr = match.group(3) + "".join(re.findall(r'"(.*)"', match.group(4)))
        if msgid and not msgstr:
            missing.append(msgid)
    return missing


def test_committed_catalogue_has_no_empty_or_fuzzy_entry():
    text = CATALOGUE.read_text(encoding="utf-8")
    assert untranslated(text) == []
    assert "#, fuzzy" not in text
    assert CATALOGUE.with_suffix(".mo").stat().st_mtime >= CATALOGUE.stat().st_mtime - 1, "compile the catalogue"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch):
    """Extract the strings afresh from a copy of the sources: a new string without a translation fails here."""
    ignore = shutil.ignore_patterns("__pycache__", "tests", "migrations")
    shutil.copytree(ROOT / "kaifaqu", tmp_path / "kaifaqu", ignore=ignore)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    fresh = (tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert untranslated(fresh) == [], "run `make messages` and translate the new strings"


@pytest.mark.parametrize("chinese", ["企业", "开发区", "统一社会信用代码", "演示数据"])
def test_english_is_served(chinese):
    with translation.override("en"):
        english = translation.gettext(chinese)
    assert english != chinese and english.isascii()
