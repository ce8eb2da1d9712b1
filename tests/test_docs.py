"""The documentation a newcomer follows lives in the repository and says what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target)
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def local_links(document: Path) -> list[str]:
    targets = LINK.findall(document.read_text())
    return [t for t in targets if not re.match(r"[a-z]+:|#", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_points_to_a_file_in_the_repository(document):
    for target in local_links(document):
        path = (document.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{document.name} links outside the repository: {target}"
        assert path.exists(), f"{document.name} links to a missing file: {target}"


def test_the_readme_names_no_path_outside_the_repository():
    assert "../" not in (ROOT / "README.md").read_text()


def test_the_file_format_document_covers_every_format_the_engine_reads_and_writes():
    from matching.engine.instance import FORMAT

    text = (ROOT / "docs" / "matching-instance.md").read_text()
    for needle in (FORMAT, "rematch-result/1", "## Instance", "### Forecast", "## Result"):
        assert needle in text
