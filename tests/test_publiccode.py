"""publiccode.yml follows the core standard (0.4) and states the same licence as pyproject.toml
and LICENSE; the README keeps its two commands first and opens with a German summary."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The standard's controlled vocabulary (docs/standard/categories-list), the part we may use.
CATEGORIES = {
    "communications",
    "contact-management",
    "data-analytics",
    "data-collection",
    "data-visualization",
    "digital-citizenship",
    "survey",
    "workflow-management",
}
SOFTWARE_TYPES = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
STATUSES = {"concept", "development", "beta", "stable", "obsolete"}
MAINTENANCE = {"internal", "contract", "community", "none"}


def _publiccode() -> dict:
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def test_publiccode_has_every_mandatory_key_of_the_core_standard():
    data = _publiccode()
    for key in (
        "publiccodeYmlVersion",
        "name",
        "url",
        "platforms",
        "categories",
        "developmentStatus",
        "softwareType",
        "description",
        "legal",
        "maintenance",
        "localisation",
    ):
        assert key in data, key
    assert data["publiccodeYmlVersion"] == "0.4"
    assert re.match(r"^https://", data["url"])
    assert set(data["categories"]) <= CATEGORIES
    assert data["softwareType"] in SOFTWARE_TYPES
    assert data["developmentStatus"] in STATUSES
    assert data["maintenance"]["type"] in MAINTENANCE
    if data["maintenance"]["type"] in ("internal", "community"):
        assert data["maintenance"]["contacts"]
    date.fromisoformat(data["releaseDate"])


def test_publiccode_describes_the_software_in_german_and_english_within_the_limits():
    data = _publiccode()
    for language in ("de", "en"):
        text = data["description"][language]
        assert len(text["shortDescription"]) <= 150
        assert 150 <= len(text["longDescription"]) <= 10000
        assert text["features"]
    localisation = data["localisation"]
    assert localisation["localisationReady"] is True
    assert set(localisation["availableLanguages"]) == {"de", "en", "uk"}


def test_the_licence_is_the_same_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    spdx = pyproject["project"]["license"]
    assert spdx == "AGPL-3.0-or-later"
    assert _publiccode()["legal"]["license"] == spdx
    assert "GNU AFFERO GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert spdx in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_starts_with_the_two_commands_then_the_german_summary():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Re:Match"
    assert lines[3].startswith("make run")
    assert lines[4].startswith("make test")
    assert lines[7].startswith("> **Kurzfassung auf Deutsch.**")
