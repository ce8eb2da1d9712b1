"""The message catalogues ship complete: every msgid of the project has a German and a
Ukrainian translation, none of them a fuzzy guess. Eight developers add strings in parallel,
so a failure names the msgids that are missing and where they come from."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)


def _missing(catalogue: Path) -> list[str]:
    """Each untranslated or fuzzy msgid with its first source reference (msgattrib)."""
    found = []
    for option in ("--untranslated", "--only-fuzzy"):
        listing = _run("msgattrib", option, "--no-wrap", str(catalogue)).stdout
        for block in listing.split("\n\n"):
            msgid = re.search(r'^msgid "(.+)"$', block, re.M)
            where = re.search(r"^#: (\S+)", block, re.M)
            if msgid:
                kind = option.lstrip("-").replace("only-", "")
                found.append(
                    f"{kind}: {msgid.group(1)[:90]!r} ({where.group(1) if where else '?'})"
                )
    return found


@pytest.mark.parametrize("language", ["de", "uk"])
def test_msgfmt_reports_no_untranslated_and_no_fuzzy_message(language):
    if not shutil.which("msgfmt"):
        pytest.skip("gettext is not installed")
    catalogue = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = _run("msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue))
    assert result.returncode == 0, result.stderr
    assert not re.search(r"untranslated|fuzzy", result.stderr), (
        f"{language}: {result.stderr.strip()}\nRun `make messages`, fill in these msgstr in "
        f"locale/{language}/LC_MESSAGES/django.po and remove the fuzzy marks:\n  "
        + "\n  ".join(_missing(catalogue))
    )


def test_the_product_speaks_formal_german_in_allauths_messages():
    from django.utils import translation

    with translation.override("de"):
        assert translation.gettext("You have signed out.") == "Sie haben sich abgemeldet."
    with translation.override("uk"):
        assert translation.gettext("Enter Sign-In Code") == "Введіть код для входу"


INFORMAL = re.compile(
    r"\b(du|dich|dir|dein\w*|gib|hast|kannst|bist|musst|willst)\b"
    # an informal imperative after "Bitte" ("Bitte kontaktiere uns"; formal: "Bitte wenden Sie
    # sich"), and one before "uns"/"es" ("Versuche es erneut").
    r"|\bbitte (?!(die|eine|keine|diese|ihre|alle|beide|jede)\b)(?!\w+ sie\b)\w+e\b"
    r"|\b(?!sie\b)\w+e (uns|es) (?!sie\b)",
    re.I,
)
# allauth's features in use (accounts, codes, MFA); its social-login and OIDC pages are not.
ALLAUTH_IN_USE = ("account/", "mfa/", "core/", "templates/account/", "templates/mfa/")


def _shown_third_party_msgids():
    """(catalogue, msgid) of Django's own messages and of every installed library's catalogue
    a page of the product can show."""
    import django
    import polib
    from django.apps import apps

    site = Path(polib.__file__).resolve().parent
    catalogues = [(Path(django.__path__[0]) / "conf", "django")]
    for app in apps.get_app_configs():
        path = Path(app.path)
        if path.is_relative_to(site) and (path / "locale").is_dir():
            catalogues.append((path, app.name))
    for root, name in catalogues:
        po = root / "locale" / "de" / "LC_MESSAGES" / "django.po"
        if not po.exists():
            continue
        for entry in polib.pofile(str(po)):
            if entry.msgid_plural or entry.msgctxt or entry.obsolete:
                continue
            if name == "allauth" and not any(
                where.startswith(ALLAUTH_IN_USE) for where, _line in entry.occurrences
            ):
                continue
            yield name, entry.msgid


def test_no_library_speaks_informal_german_on_the_products_pages():
    """DRF's German catalogue comes before Django's and answers "Gib eine gültige E-Mail Adresse
    an." for Django's e-mail fields; allauth's speaks "du". The project's catalogue overrides each
    such msgid (core/framework_strings.py, accounts/allauth_strings.py)."""
    from django.utils import translation

    with translation.override("de"):
        informal = [
            (name, msgid, translation.gettext(msgid))
            for name, msgid in _shown_third_party_msgids()
            if INFORMAL.search(translation.gettext(msgid))
        ]
    assert informal == [], informal
    with translation.override("de"):
        assert translation.gettext("Enter a valid email address.") == (
            "Bitte geben Sie eine gültige E-Mail-Adresse ein."
        )
