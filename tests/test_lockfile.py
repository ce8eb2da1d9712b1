"""The lock files (requirements/*.txt) pin what pyproject.toml asks for.

`make`, CI and the Dockerfile install from the lock files only, so a dependency added to
pyproject.toml without `make lock` would be missing from every fresh install. These tests read the
files (no network) and say which package is missing or pinned outside its range.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?"  # name[extras]
    r"==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$"  # ==version ; marker \
)


def pins(lock: str) -> dict[str, list[tuple[Version, str]]]:
    found: dict[str, list[tuple[Version, str]]] = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        match = PIN.match(line)
        if match:
            name, version, marker = match.groups()
            found.setdefault(canonicalize_name(name), []).append((Version(version), marker or ""))
    return found


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pinned_outside_range(requirements: list[str], lock: str) -> list[str]:
    locked = pins(lock)
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate():
            continue
        versions = locked.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement.name} is not in requirements/{lock}")
        elif not any(requirement.specifier.contains(v, prereleases=True) for v, _ in versions):
            problems.append(f"{requirement.name}: {versions[0][0]} does not satisfy {text}")
    return problems


def test_every_runtime_dependency_is_pinned_in_the_base_lock():
    problems = pinned_outside_range(project()["dependencies"], "base.txt")
    assert not problems, "run `make lock` and commit requirements/: " + "; ".join(problems)


def test_every_dependency_including_dev_is_pinned_in_the_dev_lock():
    wanted = project()["dependencies"] + project()["optional-dependencies"]["dev"]
    problems = pinned_outside_range(wanted, "dev.txt")
    assert not problems, "run `make lock` and commit requirements/: " + "; ".join(problems)


def test_the_dev_lock_pins_the_runtime_packages_at_the_same_versions():
    base, dev = pins("base.txt"), pins("dev.txt")
    differ = {name: (base[name], dev.get(name)) for name in base if dev.get(name) != base[name]}
    assert not differ, f"dev.txt must be compiled with -c base.txt (`make lock`): {differ}"


@pytest.mark.parametrize("lock", ["base.txt", "dev.txt"])
def test_every_pin_carries_hashes_so_pip_checks_what_it_downloads(lock):
    text = (ROOT / "requirements" / lock).read_text()
    blocks = [b for b in re.split(r"\n(?=\S)", text) if PIN.match(b.splitlines()[0])]
    assert blocks
    assert all("--hash=sha256:" in block for block in blocks)
