"""Bulk import of households from CSV or XLSX, through the portal and the API.

One row per member, grouped by the household key column; the household's needs, preferences,
consent and status are on the contact person's row. The file is validated as a whole first
(every row and column in error is reported) and saved only when every row is valid, in one
transaction, by the bulk service refugees.services.households_import: the rules of the guided
form's services, one INSERT per table and thousand rows, one audit event per household.

The template and its columns are documented in docs/import-template.md."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.spreadsheets import Sheet, csv_bytes, xlsx_bytes
from municipalities.choices import Sector, SpecialistCare
from municipalities.models import FederalState, SettlementType
from refugees import duplicates, services
from refugees.models import (
    CASEWORKER_STATUSES,
    LANGUAGE_LEVELS,
    LANGUAGES,
    ConsentText,
    Education,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    Relation,
    Sex,
    consent_given_at,
    valid_consent_versions,
)
from refugees.services.create import HouseholdData

if TYPE_CHECKING:
    from accounts.models import User

XLSX_MAGIC = b"PK\x03\x04"
MAX_ROWS = 20_000
# Physical rows (empty ones included) and columns read from a file at most: a sparse workbook
# claiming a million rows, or a row 16,384 cells wide, is refused before it costs a minute of CPU.
MAX_PHYSICAL_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 200
# The longest text a cell may hold (the longest field, notes, allows 2,000 characters).
MAX_CELL_CHARS = 5_000
WEIGHTS = ("housing", "work", "education", "medical", "community", "city_size")


@dataclass(frozen=True)
class Column:
    key: str
    german: str
    help: Any  # lazy text for the template's second sheet and the documentation
    household_level: bool = False
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "household_key",
        "haushalt",
        gettext_lazy("Your own key grouping the rows of one household (any text)."),
        example="A1",
    ),
    Column(
        "relation",
        "beziehung",
        gettext_lazy(
            "Relation to the contact person: contact, partner, child, parent, grandparent, sibling, other_relative, other. Exactly one contact per household."  # noqa: E501
        ),
        example="contact",
    ),
    Column("full_name", "name", gettext_lazy("Full name."), example="Olena Kovalenko"),
    Column(
        "date_of_birth",
        "geburtsdatum",
        gettext_lazy("Date of birth: YYYY-MM-DD or DD.MM.YYYY."),
        example="1988-03-04",
    ),
    Column("sex", "geschlecht", gettext_lazy("f (female), m (male), d (diverse)."), example="f"),
    Column(
        "languages",
        "sprachen",
        gettext_lazy(
            "Languages with level, separated by ';': uk:native; de:A2. Codes: uk, ru, de, en, pl, crh; levels A1–C2, native."  # noqa: E501
        ),
        example="uk:native; de:A2",
    ),
    Column(
        "education",
        "bildung",
        gettext_lazy(
            "none, school, secondary, vocational, bachelor, master, doctorate (optional)."
        ),
        example="bachelor",
    ),
    Column("occupation", "beruf", gettext_lazy("Occupation (optional)."), example="Teacher"),
    Column(
        "sector",
        "branche",
        gettext_lazy("KldB 2010 main group, two digits, e.g. 84 (optional)."),
        example="84",
    ),
    Column(
        "work_experience_years",
        "berufserfahrung_jahre",
        gettext_lazy("Years of work experience, 0–70 (optional)."),
        example="10",
    ),
    Column("notes", "notizen", gettext_lazy("Notes for the matching. No diagnoses."), True),
    Column(
        "status",
        "status",
        gettext_lazy("draft (default) or ready (ready for matching: needs consent)."),
        True,
        "ready",
    ),
    Column(
        "wheelchair",
        "rollstuhl",
        gettext_lazy("Wheelchair-accessible housing needed: yes/no."),
        True,
        "no",
    ),
    Column(
        "psychotherapy",
        "psychotherapie",
        gettext_lazy("Access to psychotherapy needed: yes/no."),
        True,
        "no",
    ),
    Column(
        "care_needs", "pflegebedarf", gettext_lazy("Long-term care needed: yes/no."), True, "no"
    ),
    Column(
        "specialist_care",
        "fachversorgung",
        gettext_lazy(
            "Specialist care, separated by ';': dialysis, oncology, cardiology, diabetology, neurology, paediatric_specialist, orthopaedics, infectiology."  # noqa: E501
        ),
        True,
    ),
    Column(
        "settlement_types",
        "siedlungstypen",
        gettext_lazy(
            "Wished settlement types, separated by ';': big_city, medium_town, small_town, rural."
        ),
        True,
        "big_city; medium_town",
    ),
    Column(
        "wished_states",
        "wunsch_bundeslaender",
        gettext_lazy("Wished federal states, two-letter codes separated by ';', e.g. BE; HH."),
        True,
    ),
    Column(
        "excluded_states",
        "ausgeschlossene_bundeslaender",
        gettext_lazy("Excluded federal states, two-letter codes separated by ';'."),
        True,
    ),
    Column("has_pets", "haustiere", gettext_lazy("The household has pets: yes/no."), True, "no"),
    *(
        Column(
            f"weight_{w}",
            f"gewicht_{g}",
            gettext_lazy("How much this matters, 0–5 (default 3)."),
            True,
            "3",
        )  # noqa: E501
        for w, g in zip(
            WEIGHTS,
            ("wohnen", "arbeit", "bildung", "medizin", "gemeinschaft", "ortsgroesse"),
            strict=True,
        )  # noqa: E501
    ),
    Column(
        "consent_version",
        "einwilligung_version",
        gettext_lazy("Version of the consent text the household agreed to, e.g. 2026-1."),
        True,
        "2026-1",
    ),
    Column(
        "consent_date",
        "einwilligung_datum",
        gettext_lazy("Date the consent was given."),
        True,
        "2026-01-15",
    ),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
REQUIRED = ("household_key", "relation", "full_name", "date_of_birth", "sex")
HOUSEHOLD_COLUMNS = tuple(c.key for c in COLUMNS if c.household_level)
_HEADER_ALIASES = {
    **{c.key: c.key for c in COLUMNS},
    **{c.german: c.key for c in COLUMNS},
}
TRUE = {"yes", "ja", "y", "j", "x", "1", "true", "wahr", "так"}
FALSE = {"no", "nein", "n", "0", "false", "falsch", "", "ні"}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass(kw_only=True)
class HouseholdRecord(HouseholdData):
    """One household of the file (its relatives are not in the template yet)."""

    key: str
    first_row: int
    contact_row: int | None = None
    # References of the organisation's households that share a person with this one: a likely
    # duplicate, skipped unless the caseworker chooses to import it anyway.
    duplicates: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: int = 0
    households: list[HouseholdRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)  # references of the saved households
    skipped: list[str] = field(default_factory=list)  # keys of the duplicates left out

    @property
    def duplicates(self) -> list[HouseholdRecord]:
        return [record for record in self.households if record.duplicates]

    @property
    def new_count(self) -> int:
        return len(self.households) - len(self.duplicates)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.households)

    @property
    def member_count(self) -> int:
        return sum(len(h.members) for h in self.households)

    def error(self, row: int, column: str, message: Any) -> None:
        self.errors.append(RowError(row, column, str(message)))


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (size, type, encoding, header)."""

    def __init__(self, message: Any) -> None:
        super().__init__({"file": [message]}, code="invalid_file")


# --- Reading the file -------------------------------------------------------------------------


def read_rows(upload: IO[bytes], filename: str, size: int | None = None) -> Iterator[list[Any]]:
    """The rows of a CSV or XLSX upload, header first. Type is checked by extension and
    content; the size against REMATCH_IMPORT_MAX_BYTES."""
    limit = settings.REMATCH_IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    head = upload.read(4)
    upload.seek(0)
    if extension == "xlsx":
        if head != XLSX_MAGIC:
            raise ImportFileError(_("This is not an Excel workbook (.xlsx)."))
        return _xlsx_rows(upload)
    if extension == "csv":
        if head.startswith(XLSX_MAGIC):
            raise ImportFileError(_("This looks like an Excel workbook: name it .xlsx."))
        return _csv_rows(upload, limit)
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(n)s rows. Split it into several files.") % {"n": MAX_ROWS}
    )


def _unreadable_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook cannot be read. Open it in your spreadsheet program, save it again "
            "as .xlsx and try once more."
        )
    )


# What openpyxl raises for a damaged workbook (a missing shared string, broken XML, bad zip).
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
)


def _xlsx_rows(upload: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The dimension the file declares; a lie is caught by the row cap while reading.
        declared = sheet.max_row or 0
    except _XLSX_ERRORS as error:
        raise _unreadable_workbook() from error
    if declared > MAX_PHYSICAL_ROWS:
        workbook.close()
        raise _too_many_rows()

    def rows() -> Iterator[list[Any]]:
        try:
            for number, values in enumerate(
                sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
            ):
                if number > MAX_PHYSICAL_ROWS:
                    raise _too_many_rows()
                yield list(values)
        except _XLSX_ERRORS as error:
            raise _unreadable_workbook() from error
        finally:
            workbook.close()

    return rows()


def _csv_rows(upload: IO[bytes], limit: int) -> Iterator[list[Any]]:
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode text" from spreadsheet programs
        raise ImportFileError(
            _("The file is UTF-16 encoded. Save it as 'CSV UTF-8' and try again.")
        )
    if b"\x00" in raw:
        raise ImportFileError(_("This is not a text (CSV) file."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 encoded. Save it as 'CSV UTF-8' and try again.")
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    return _csv_records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _csv_records(reader: Iterator[list[str]]) -> Iterator[list[Any]]:
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            if number > MAX_PHYSICAL_ROWS:
                raise _too_many_rows()
            yield values[:MAX_COLUMNS]
    except csv.Error as error:  # a cell over the csv module's 131,072 characters, a stray quote
        raise ImportFileError(
            _(
                "Line %(n)s of the file cannot be read: a cell is far too long or a quote is "
                "not closed."
            )
            % {"n": number + 1}
        ) from error


# --- Validating ---------------------------------------------------------------------------------


def parse(rows: Iterator[list[Any]]) -> ImportReport:
    """Validate every row; nothing touches the database except reading reference data."""
    report = ImportReport()
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    columns = _map_header(header)
    by_key: dict[str, HouseholdRecord] = {}
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(n)s rows. Split it into several files.")
                % {"n": MAX_ROWS}
            )
        cells = {key: values[i] if i < len(values) else None for i, key in columns.items()}
        if _cells_too_long(report, number, cells):
            continue
        _parse_row(report, by_key, number, cells)
    for record in by_key.values():
        _check_household(report, record)
    report.households = list(by_key.values())
    if not report.rows:
        report.error(1, "", _("The file has no data rows."))
    report.errors.sort(
        key=lambda e: (e.row, COLUMN_KEYS.index(e.column) if e.column in COLUMN_KEYS else -1)
    )
    return report


def _cells_too_long(report: ImportReport, number: int, cells: dict[str, Any]) -> bool:
    long = [
        key
        for key, value in cells.items()
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS
    ]
    for key in long:
        report.error(number, key, _("Longer than %(n)s characters.") % {"n": MAX_CELL_CHARS})
    return bool(long)


def _map_header(header: list[Any]) -> dict[int, str]:
    columns: dict[int, str] = {}
    unknown = []
    for index, title in enumerate(header):
        name = _normalise(title)
        if not name:
            continue
        key = _HEADER_ALIASES.get(name)
        if key is None:
            unknown.append(str(title))
        elif key in columns.values():
            raise ImportFileError(_("The column %(c)s appears twice.") % {"c": title})
        else:
            columns[index] = key
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(cols)s. Use the template's column names.")
            % {"cols": ", ".join(unknown)}
        )
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    return columns


def _normalise(value: Any) -> str:
    text = str(value or "").strip().lower()
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[\s\-]+", "_", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_row(report, by_key, number: int, cells: dict[str, Any]) -> None:
    key = _text(cells.get("household_key"))
    if not key:
        report.error(number, "household_key", _("This field is required."))
        return
    record = by_key.setdefault(key, HouseholdRecord(key=key, first_row=number))
    member = _member(report, number, cells)
    record.members.append((number, member))
    if member.get("relation") == Relation.CONTACT:
        if record.contact_row is not None:
            report.error(
                number,
                "relation",
                _("Household %(key)s has two contact persons (rows %(a)s and %(b)s).")
                % {"key": key, "a": record.contact_row, "b": number},
            )
        else:
            record.contact_row = number
            _household_columns(report, record, number, cells)
    else:
        for column in HOUSEHOLD_COLUMNS:
            if _text(cells.get(column)):
                report.error(number, column, _("Only on the contact person's row."))


def _member(report: ImportReport, number: int, cells: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in REQUIRED[1:]:
        if not _text(cells.get(column)):
            report.error(number, column, _("This field is required."))
    data["full_name"] = _text(cells.get("full_name"))[:150]
    data["relation"] = _choice(report, number, cells, "relation", Relation)
    data["sex"] = _choice(report, number, cells, "sex", Sex)
    data["education"] = _choice(report, number, cells, "education", Education)
    data["sector"] = _sector(report, number, cells)
    data["occupation"] = _text(cells.get("occupation"))
    data["work_experience_years"] = _int(report, number, cells, "work_experience_years", 0, 70, 0)
    born = _date(report, number, cells, "date_of_birth")
    data["date_of_birth"] = born
    data["languages"] = _languages(report, number, cells)
    if born is not None and all(data.get(k) for k in ("relation", "sex")) and data["full_name"]:
        member = Member(**data)
        _model_errors(report, number, member, exclude=["household"])
    return data


def _household_columns(report, record: HouseholdRecord, number: int, cells) -> None:
    record.household = {"notes": _text(cells.get("notes"))}
    status = _text(cells.get("status")).lower() or HouseholdStatus.DRAFT
    if status not in CASEWORKER_STATUSES:
        report.error(number, "status", _("Use draft or ready."))
    record.household["status"] = status
    record.needs = {
        "wheelchair": _bool(report, number, cells, "wheelchair"),
        "psychotherapy": _bool(report, number, cells, "psychotherapy"),
        "care_needs": _bool(report, number, cells, "care_needs"),
        "specialist_care": _codes(report, number, cells, "specialist_care", SpecialistCare),
    }
    record.preferences = {
        "settlement_types": _codes(report, number, cells, "settlement_types", SettlementType),
        "wished_states": _codes(report, number, cells, "wished_states", FederalState, upper=True),
        "excluded_states": _codes(
            report, number, cells, "excluded_states", FederalState, upper=True
        ),
        "has_pets": _bool(report, number, cells, "has_pets"),
        **{f"weight_{w}": _int(report, number, cells, f"weight_{w}", 0, 5, 3) for w in WEIGHTS},
    }
    _model_errors(report, number, Needs(**record.needs), exclude=["household"])
    _model_errors(report, number, Preferences(**record.preferences), exclude=["household"])
    record.consent = _consent(report, number, cells)


def _consent(report, number: int, cells) -> dict[str, Any] | None:
    version = _text(cells.get("consent_version"))
    given = _date(report, number, cells, "consent_date")
    if not version and given is None:
        return None
    if not version:
        report.error(number, "consent_version", _("Give the version with the consent date."))
        return None
    if given is None:
        if _text(cells.get("consent_date")) == "":
            report.error(number, "consent_date", _("Give the date with the consent version."))
        return None
    if version not in valid_consent_versions():
        valid = ", ".join(sorted(valid_consent_versions()))
        report.error(
            number,
            "consent_version",
            _("This version of the consent text is not valid. Valid: %(v)s.") % {"v": valid},
        )
        return None
    try:
        consent_given_at(given)
    except ValidationError as error:
        report.error(number, "consent_date", " ".join(error.messages))
        return None
    return {"text_version": version, "given_on": given}


def _check_household(report: ImportReport, record: HouseholdRecord) -> None:
    if record.contact_row is None:
        report.error(
            record.first_row,
            "relation",
            _("Household %(key)s has no contact person (relation 'contact').")
            % {"key": record.key},
        )
        return
    if record.household.get("status") == HouseholdStatus.READY and record.consent is None:
        report.error(
            record.contact_row,
            "status",
            _("A household is ready for matching only with a consent."),
        )


def _model_errors(report, number: int, instance, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = name if name in COLUMN_KEYS else ""
            # A column already reported for this row (e.g. an unknown code) is not repeated.
            reported = {e.column for e in reversed(report.errors[-20:]) if e.row == number}
            if column in reported:
                continue
            for message in messages:
                report.error(number, column, message)


def _choice(report, number: int, cells, column: str, choices) -> str:
    value = _text(cells.get(column)).lower()
    if not value:
        return ""
    if value not in choices.values:
        report.error(
            number,
            column,
            _("Unknown value %(v)s. Allowed: %(allowed)s.")
            % {"v": value, "allowed": ", ".join(choices.values)},
        )
        return ""
    return value


def _sector(report, number: int, cells) -> str:
    value = _text(cells.get("sector"))
    if value.isdigit() and len(value) == 1:
        value = "0" + value
    if value and value not in Sector.values:
        report.error(
            number,
            "sector",
            _("Unknown sector %(v)s: use a two-digit KldB 2010 main group.") % {"v": value},
        )
        return ""
    return value


def _int(report, number: int, cells, column: str, low: int, high: int, default: int) -> int:
    raw = _text(cells.get(column))
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        report.error(number, column, _("Enter a whole number."))
        return default
    if not low <= value <= high:
        report.error(
            number,
            column,
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
        )
        return default
    return value


def _bool(report, number: int, cells, column: str) -> bool:
    raw = cells.get(column)
    if isinstance(raw, bool):
        return raw
    value = _text(raw).lower()
    if value in TRUE:
        return True
    if value not in FALSE:
        report.error(number, column, _("Use yes or no."))
    return False


def _codes(report, number: int, cells, column: str, choices, upper: bool = False) -> list[str]:
    raw = _text(cells.get(column))
    values = [v.strip() for v in re.split(r"[;,]", raw) if v.strip()]
    values = [v.upper() if upper else v.lower() for v in values]
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        report.error(number, column, _("Unknown value(s): %(v)s.") % {"v": ", ".join(unknown)})
        return []
    return list(dict.fromkeys(values))


def _date(report, number: int, cells, column: str) -> date | None:
    raw = cells.get(column)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    value = _text(raw)
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    report.error(number, column, _("Enter a date as YYYY-MM-DD or DD.MM.YYYY."))
    return None


def _languages(report, number: int, cells) -> list[dict[str, str]]:
    raw = _text(cells.get("languages"))
    codes = {c for c, _label in LANGUAGES}
    levels = {level.lower(): level for level, _label in LANGUAGE_LEVELS}
    result = []
    for item in (p.strip() for p in raw.split(";")):
        if not item:
            continue
        code, _sep, level = (part.strip() for part in item.partition(":"))
        if code.lower() not in codes or level.lower() not in levels:
            report.error(
                number, "languages", _("Write languages as code:level, e.g. uk:native; de:A2.")
            )
            return []
        result.append({"code": code.lower(), "level": levels[level.lower()]})
    return result


# --- Saving -------------------------------------------------------------------------------------


def may_import(user: User) -> bool:
    return bool(user.is_authenticated and user.is_caseworker and user.organisation_id)


def mark_duplicates(report: ImportReport, by: User) -> None:
    """Find, for each household of the file, the households of the caseworker's organisation
    that share a person with it (refugees.duplicates); one query for the whole file."""
    if by.organisation_id is None:  # only caseworkers of an organisation import
        raise PermissionDenied
    people = {
        record.key: duplicates.people_of(data for _row, data in record.members)
        for record in report.households
    }
    found = duplicates.likely_duplicates(by.organisation_id, people)
    for record in report.households:
        record.duplicates = found.get(record.key, [])


def households_import(
    *, report: ImportReport, by: User, import_anyway: Collection[str] = ()
) -> list[Household]:
    """Save the households of a valid report; all or nothing (one transaction). A likely
    duplicate of a household recorded already is left out (``report.skipped``) unless its key
    is in ``import_anyway``: importing the same file twice creates nothing the second time."""
    if not may_import(by):
        raise PermissionDenied
    if not report.is_valid:
        raise ValidationError(_("The file has errors; nothing was saved."))
    mark_duplicates(report, by)
    chosen = {
        record.key: record
        for record in report.households
        if not record.duplicates or record.key in import_anyway
    }
    report.skipped = [r.key for r in report.households if r.key not in chosen]
    if not chosen:
        report.saved = []
        return []
    households = services.households_create(
        by=by, households=chosen, save_anyway=set(import_anyway)
    )
    report.saved = [h.reference for h in households]
    return households


def import_file(
    *,
    upload: IO[bytes],
    filename: str,
    size: int | None,
    by: User,
    save: bool,
    import_anyway: Collection[str] = (),
) -> ImportReport:
    """Read, validate, look for duplicates and (when ``save`` and valid) save a file: the one
    call views make. Likely duplicates are saved only when their key is in ``import_anyway``."""
    if not may_import(by):
        raise PermissionDenied
    report = parse(read_rows(upload, filename, size))
    if report.is_valid:
        if save:
            households_import(report=report, by=by, import_anyway=import_anyway)
        else:
            mark_duplicates(report, by)
    return report


# --- The template -------------------------------------------------------------------------------


def template_rows(language: str) -> tuple[list[str], list[list[str]]]:
    header = [c.german if language == "de" else c.key for c in COLUMNS]
    contact = [c.example for c in COLUMNS]
    child = {
        "household_key": "A1",
        "relation": "child",
        "full_name": "Maksym Kovalenko",
        "date_of_birth": "2017-05-01",
        "sex": "m",
        "languages": "uk:native",
    }
    return header, [contact, [child.get(c.key, "") for c in COLUMNS]]


def template_csv(language: str) -> bytes:
    return csv_bytes(*template_rows(language))


def template_xlsx(language: str) -> bytes:
    header, rows = template_rows(language)
    with translation.override(language):
        guide = [
            [title, _("yes") if column.household_level else "", str(column.help)]
            for column, title in zip(COLUMNS, header, strict=True)
        ]
        guide.append([])
        guide.append([_("Valid consent versions"), "", ", ".join(sorted(valid_consent_versions()))])
        guide.append([_("All consent versions"), "", ", ".join(ConsentText.values)])
        guide_header = [_("Column"), _("Contact person's row only"), _("Meaning and values")]
        return xlsx_bytes(
            [Sheet(_("Households"), header, rows), Sheet(_("Columns"), guide_header, guide)]
        )
