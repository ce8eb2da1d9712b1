"""One word for one thing, in every catalogue.

A refugee reading the offers in Ukrainian must see one word for the municipality that takes
them in: "муніципалітет". The catalogue once said "громада" in about half of the places, and
"громада" is also its word for a community (the Ukrainian diaspora, migrant organisations), so
a reader could not tell whether a message meant the town hall or the community. In German a
matching run is a "Lauf", never a "Durchlauf".

The catalogues are read with the small parser below (no dependency): it knows msgid,
msgid_plural, msgstr and msgstr[n], continued strings and the "#~" obsolete entries (skipped).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# msgids that mention a municipality whose good Ukrainian translation does not need the word
# "муніципал…". Each one needs a comment saying why. Keep it empty if at all possible.
ALLOWED_WITHOUT_MUNICIPALITY: frozenset[str] = frozenset()


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstrs: list[str] = field(default_factory=list)

    @property
    def ids(self) -> str:
        return f"{self.msgid}\n{self.msgid_plural}"


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (empty msgid) and obsolete entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: str | None = None

    def finish() -> None:
        if current is not None and current.msgid:
            entries.append(current)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, text = match.group(1), ast.literal_eval(match.group(2))
            starts_entry = keyword == "msgctxt" or (
                keyword == "msgid" and (current is None or bool(current.msgstrs))
            )
            if starts_entry:
                finish()
                current = Entry()
            assert current is not None, f"{path}:{number}: {keyword} outside an entry"
            if keyword == "msgctxt":
                current.msgctxt = text
            elif keyword == "msgid":
                current.msgid = text
            elif keyword == "msgid_plural":
                current.msgid_plural = text
            else:
                current.msgstrs.append(text)
            target = keyword
        elif line.startswith('"') and target is not None and current is not None:
            text = ast.literal_eval(line)
            if target == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + text
            elif target == "msgid":
                current.msgid += text
            elif target == "msgid_plural":
                current.msgid_plural += text
            else:
                current.msgstrs[-1] += text
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def catalogue(language: str) -> list[Entry]:
    return parse_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")


def _listing(entries: list[tuple[str, str]]) -> str:
    return "\n  ".join(f"{msgid[:80]!r} -> {msgstr[:80]!r}" for msgid, msgstr in entries)


def test_the_parser_reads_contexts_plurals_continued_and_obsolete_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: uk\\n"\n\n'
        '#: a.py:1\nmsgctxt "menu"\nmsgid "Open"\nmsgstr "Від"\n"крити"\n\n'
        'msgid ""\n"%(n)s municipality"\nmsgid_plural "%(n)s municipalities"\n'
        'msgstr[0] "%(n)s муніципалітет"\nmsgstr[1] "%(n)s муніципалітети"\n'
        'msgstr[2] "%(n)s муніципалітетів"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Старе"\n',
        encoding="utf-8",
    )
    first, second = parse_po(po)
    assert (first.msgctxt, first.msgid, first.msgstrs) == ("menu", "Open", ["Відкрити"])
    assert second.msgid_plural == "%(n)s municipalities"
    assert len(second.msgstrs) == 3


def test_the_parser_reads_the_whole_ukrainian_catalogue():
    entries = catalogue("uk")
    assert len(entries) > 2000
    assert all(entry.msgstrs for entry in entries)
    plural = [entry for entry in entries if entry.msgid_plural]
    assert plural
    assert all(len(entry.msgstrs) == 3 for entry in plural)


def test_ukrainian_never_calls_a_municipality_a_community():
    offending = [
        (entry.msgid, msgstr)
        for entry in catalogue("uk")
        if "municipal" in entry.ids.lower()
        for msgstr in entry.msgstrs
        if "громад" in msgstr.lower()
    ]
    assert not offending, (
        "A municipality is a 'муніципалітет'; 'громада' means a community (the diaspora). "
        "Fix these msgstr in locale/uk/LC_MESSAGES/django.po:\n  " + _listing(offending)
    )


def test_ukrainian_names_the_municipality_wherever_english_does():
    missing = [
        (entry.msgid, msgstr)
        for entry in catalogue("uk")
        if "municipalit" in entry.ids.lower() and entry.msgid not in ALLOWED_WITHOUT_MUNICIPALITY
        for msgstr in entry.msgstrs
        if "муніципал" not in msgstr.lower()
    ]
    assert not missing, (
        "Each form of these translations must say 'муніципалітет' (in its case and number):\n  "
        + _listing(missing)
    )


def test_german_calls_a_matching_run_a_lauf():
    offending = [
        (entry.msgid, msgstr)
        for entry in catalogue("de")
        for msgstr in entry.msgstrs
        if "durchlauf" in msgstr.lower()
    ]
    assert not offending, "A matching run is a 'Lauf', not a 'Durchlauf':\n  " + _listing(offending)


def test_ukrainian_writes_one_apostrophe():
    """Ukrainian words with an apostrophe ("зобов’язання", "ім’я") used the typographic one in
    137 places and the typewriter one in 50, so one page could show both."""
    offending = [
        (entry.msgid, msgstr)
        for entry in catalogue("uk")
        for msgstr in entry.msgstrs
        if re.search(r"[\u0400-\u04ff]'[\u0400-\u04ff]", msgstr)
    ]
    assert not offending, "Write ’ (U+2019) in these msgstr:\n  " + _listing(offending)
