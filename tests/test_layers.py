"""Apps import downwards only (docs/architecture.md):

    portal -> evaluation -> matching -> municipalities, refugees -> rounds -> api -> accounts
    -> core

``api`` holds what every app's API shares (tokens, permission classes, the error format) and sits
just above ``accounts``; ``api/urls.py`` and ``rematch/`` only wire the apps together and may
import any of them. Of the two apps in one layer, ``refugees`` may use ``municipalities`` (a
household's relatives live in a municipality), never the reverse. ``matching/engine`` imports
nothing of Django and nothing of the project outside itself.

Every import counts, also one inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    ("core",),
    ("accounts",),
    ("api",),
    ("rounds",),
    ("municipalities", "refugees"),
    ("matching",),
    ("evaluation",),
    ("portal",),
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
WITHIN_LAYER = {("refugees", "municipalities")}
WIRING = ("api.urls",)  # may import every app, like the project package rematch/

# Imports that point upwards and are accepted, each with its reason (keep it empty: move the code
# to the higher app, or let the lower app send a signal the higher one receives, as
# accounts.signals and refugees.signals do).
ALLOWED_UPWARDS: set[tuple[str, str]] = set()

DJANGO_FREE = ("django", "rest_framework", "allauth", "celery")


def modules() -> dict[str, Path]:
    found = {}
    for app in RANK:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            if "migrations" not in path.parts:
                found[".".join(path.relative_to(ROOT).with_suffix("").parts)] = path
    return found


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def upward_imports() -> set[tuple[str, str]]:
    """(module, app it imports) for every import that does not point downwards."""
    found = set()
    for module, path in modules().items():
        app = module.split(".")[0]
        if module in WIRING or module.endswith(".__init__") and module.count(".") == 0:
            continue
        for name in imports(path):
            target = name.split(".")[0]
            if target not in RANK or target == app or (app, target) in WITHIN_LAYER:
                continue
            if RANK[target] >= RANK[app]:
                found.add((module.removesuffix(".__init__"), target))
    return found


def test_apps_import_only_the_layers_below_them():
    new = sorted(upward_imports() - ALLOWED_UPWARDS)
    assert not new, (
        "imports against the layer order (move the code to the higher app, or call the lower "
        f"app from the higher one): {new}"
    )


def test_the_allow_list_only_holds_imports_that_still_exist():
    gone = sorted(ALLOWED_UPWARDS - upward_imports())
    assert not gone, f"fixed, remove from ALLOWED_UPWARDS in tests/test_layers.py: {gone}"


@pytest.mark.parametrize("module", sorted(m for m in modules() if m.startswith("matching.engine")))
def test_the_engine_imports_nothing_of_django_or_the_project(module):
    for name in imports(modules()[module]):
        top = name.split(".")[0]
        assert top not in DJANGO_FREE, f"{module} imports {name}"
        assert top not in RANK or name.startswith("matching.engine"), f"{module} imports {name}"


def test_core_imports_no_app():
    for module, path in modules().items():
        if module.startswith("core."):
            assert not {n.split(".")[0] for n in imports(path)} & (set(RANK) - {"core"}), module
