"""Government intranets have no internet: every asset a page loads is ours, under static/."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_load_nothing_remote_and_every_static_file_exists(template):
    text = template.read_text(encoding="utf-8")
    assert not REMOTE.search(text), f"{template.name} loads a remote asset"
    for name in STATIC_TAG.findall(text):
        assert finders.find(name), f"{template.name} references missing static file {name}"


def test_vendored_assets_are_recorded_with_versions():
    versions = (ROOT / "static" / "vendor" / "VERSIONS.md").read_text(encoding="utf-8")
    for package in ("bootstrap", "bootstrap-icons", "htmx.org", "echarts", "tom-select"):
        assert package in versions


def test_vendored_files_request_no_source_maps():
    for path in (ROOT / "static" / "vendor").rglob("*"):
        if path.suffix in {".js", ".css"}:
            assert "sourceMappingURL" not in path.read_text(encoding="utf-8", errors="ignore"), path
