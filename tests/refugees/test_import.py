"""Bulk import of households: parsing, every kind of row error, all or nothing, the portal's
upload-preview-confirm flow and its permissions."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from refugees import importing
from refugees.models import Household, HouseholdStatus
from refugees.services import bulk
from tests.factories import import_csv, import_rows, import_xlsx

pytestmark = pytest.mark.django_db


def _report(content: bytes, name: str = "households.csv"):
    return importing.parse(importing.read_rows(io.BytesIO(content), name, len(content)))


def _errors(rows) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in _report(import_csv(rows)).errors}


def test_a_valid_file_creates_every_household_with_one_audit_event_each(caseworker):
    content = import_csv(import_rows(2))
    report = importing.import_file(
        upload=io.BytesIO(content), filename="x.csv", size=len(content), by=caseworker, save=True
    )
    assert not report.errors
    assert len(report.saved) == 2
    household = Household.objects.get(reference=report.saved[0])
    assert household.organisation == caseworker.organisation
    assert household.caseworker == caseworker
    assert household.status == HouseholdStatus.READY
    members = list(household.members.order_by("date_of_birth"))
    assert [m.relation for m in members] == ["contact", "child"]
    assert members[0].languages == [
        {"code": "uk", "level": "native"},
        {"code": "de", "level": "A2"},
    ]
    assert members[0].sector == "84"
    assert household.needs.psychotherapy is True
    assert household.needs.specialist_care == ["cardiology"]
    assert household.preferences.wished_states == ["BE", "HH"]
    assert household.preferences.weight_housing == 5
    assert household.has_valid_consent
    events = AuditEvent.objects.filter(action__startswith="refugees.")
    assert sorted(events.values_list("action", "target_id")) == sorted(
        ("refugees.household.imported", str(h.pk)) for h in Household.objects.all()
    )
    event = events.get(target_id=str(household.pk))
    assert event.actor == caseworker
    assert event.target_label == household.reference
    assert event.changes == {"members": 2, "relatives": 0, "consents": 1, "rounds": 0}


def test_comma_separated_utf8_without_bom_and_german_headers_are_read(caseworker):
    content = import_csv(import_rows(1), delimiter=",", bom=False).decode()
    german = {c.key: c.german for c in importing.COLUMNS}
    header, rest = content.split("\n", 1)
    header = ",".join(german[name] for name in header.strip().split(","))
    report = _report((header + "\n" + rest).encode())
    assert not report.errors
    assert report.member_count == 2


def test_an_xlsx_file_is_read_like_a_csv(caseworker):
    report = _report(import_xlsx(import_rows(3)), "households.xlsx")
    assert not report.errors
    assert len(report.households) == 3


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"full_name": ""}, "full_name"),
        ({"date_of_birth": "31.02.1990"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"sex": "x"}, "sex"),
        ({"relation": "cousin"}, "relation"),
        ({"languages": "klingon:C2"}, "languages"),
        ({"education": "phd"}, "education"),
        ({"sector": "99"}, "sector"),
        ({"work_experience_years": "200"}, "work_experience_years"),
        ({"wheelchair": "maybe"}, "wheelchair"),
        ({"specialist_care": "magic"}, "specialist_care"),
        ({"wished_states": "XX"}, "wished_states"),
        ({"excluded_states": "BE"}, "excluded_states"),  # wished and excluded at once
        ({"weight_work": "9"}, "weight_work"),
        ({"status": "matched"}, "status"),
        ({"consent_version": "1999-1"}, "consent_version"),
        ({"consent_date": "01.01.2999"}, "consent_date"),
        ({"consent_date": ""}, "consent_date"),
        ({"consent_version": "", "consent_date": ""}, "status"),  # ready without consent
    ],
)
def test_each_kind_of_row_error_is_reported_with_row_and_column(overrides, column):
    assert (2, column) in _errors(import_rows(1, **overrides))


def test_household_columns_on_a_members_row_are_refused():
    rows = import_rows(1)
    rows[1]["wheelchair"] = "yes"
    assert (3, "wheelchair") in _errors(rows)


def test_a_household_needs_exactly_one_contact_person():
    rows = import_rows(2)
    rows[1]["relation"] = "contact"  # K0 has two contacts
    rows[2]["relation"] = "partner"  # K1 has none
    errors = _errors(rows)
    assert (3, "relation") in errors
    assert (4, "relation") in errors


def test_every_error_of_the_file_is_reported_not_only_the_first():
    rows = import_rows(3)
    rows[0]["sex"] = "x"
    rows[3]["date_of_birth"] = "soon"
    rows[5]["languages"] = "uk"
    assert _errors(rows) == {(2, "sex"), (5, "date_of_birth"), (7, "languages")}


def test_nothing_is_saved_when_one_row_of_many_is_invalid(caseworker):
    rows = import_rows(20)
    rows[-1]["date_of_birth"] = "yesterday"
    content = import_csv(rows)
    report = importing.import_file(
        upload=io.BytesIO(content), filename="x.csv", size=len(content), by=caseworker, save=True
    )
    assert len(report.errors) == 1
    assert not Household.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="refugees.").exists()


def test_a_failure_while_saving_rolls_back_every_household(caseworker, monkeypatch):
    report = _report(import_csv(import_rows(3)))
    monkeypatch.setattr(bulk, "BATCH_SIZE", 1)  # households 1 and 2 are saved when 3 fails
    calls = {"n": 0}
    original = bulk.audit_log_many

    def fail_on_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValidationError("boom")
        return original(**kwargs)

    monkeypatch.setattr(bulk, "audit_log_many", fail_on_third)
    with pytest.raises(ValidationError):
        importing.households_import(report=report, by=caseworker)
    assert calls["n"] == 3
    assert not Household.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "x.csv", "empty"),
        (b"PK\x03\x04rest", "x.csv", "Excel"),
        (b"a;b\n", "x.xlsx", "Excel"),
        (b"household_key;x\n", "x.txt", ".csv or .xlsx"),
        ("household_key;name\n".encode("utf-16"), "x.csv", "UTF-8"),
        (b"household_key;relation;name;geburtsdatum;sex;shoe_size\n", "x.csv", "shoe_size"),
        (b"household_key;relation\n", "x.csv", "missing"),
        (b"PK\x03\x04not-a-zip", "x.xlsx", "cannot be read"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(settings, content, name, message):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(importing.ImportFileError) as error:
        _report(content, name)
    assert message in " ".join(error.value.messages)


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.REMATCH_IMPORT_MAX_BYTES = 100
    with pytest.raises(importing.ImportFileError):
        _report(import_csv(import_rows(5)))


def test_only_caseworkers_import(coordinator):
    content = import_csv(import_rows(1))
    with pytest.raises(PermissionDenied):
        importing.import_file(
            upload=io.BytesIO(content),
            filename="x.csv",
            size=len(content),
            by=coordinator,
            save=True,
        )


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_is_itself_a_valid_import_file(language, kind):
    build = importing.template_csv if kind == "csv" else importing.template_xlsx
    report = _report(build(language), f"template.{kind}")
    assert not report.errors
    assert len(report.households) == 1
    assert report.member_count == 2


# --- Portal -------------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "households.csv"):
    return client.post(
        "/households/import/",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_upload_preview_and_confirm_in_the_portal(as_caseworker, caseworker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = _upload(as_caseworker, import_xlsx(import_rows(2)), "households.xlsx")
    assert response.status_code == 200
    assert "Import 2 households" in response.content.decode()
    assert not Household.objects.exists()
    pending = as_caseworker.session["household_import"]["path"]
    assert (tmp_path / pending).exists()
    response = as_caseworker.post("/households/import/confirm/")
    assert response.status_code == 302
    assert Household.objects.filter(organisation=caseworker.organisation).count() == 2
    assert not (tmp_path / pending).exists()
    assert "household_import" not in as_caseworker.session


def test_an_invalid_file_shows_every_error_and_saves_nothing(as_caseworker):
    rows = import_rows(2)
    rows[2]["sex"] = "x"
    response = _upload(as_caseworker, import_csv(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "<code>sex</code>" in page
    assert not Household.objects.exists()


def test_a_wrong_file_type_is_shown_next_to_the_field(as_caseworker):
    response = _upload(as_caseworker, b"hello", "notes.txt")
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not Household.objects.exists()


def test_cancelling_deletes_the_waiting_file(as_caseworker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _upload(as_caseworker, import_csv(import_rows(1)))
    pending = as_caseworker.session["household_import"]["path"]
    response = as_caseworker.post("/households/import/cancel/")
    assert response.status_code == 302
    assert not (tmp_path / pending).exists()
    assert as_caseworker.post("/households/import/confirm/").status_code == 302
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("coordinator", 403), ("staff", 403), ("caseworker", 200), ("refugee", 403)],
)
def test_who_may_open_the_import_page(request, persona, expected):
    client = request.getfixturevalue(f"as_{persona}")
    assert client.get("/households/import/").status_code == expected


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get("/households/import/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/households/import/confirm/", "/households/import/cancel/"])
def test_other_roles_cannot_confirm_or_cancel(as_coordinator, as_staff, url):
    assert as_coordinator.post(url).status_code == 403
    assert as_staff.post(url).status_code == 403


def test_templates_download_in_german_and_english(as_caseworker):
    german = as_caseworker.get("/households/import/template.de.csv")
    assert german.status_code == 200
    assert german.content.decode("utf-8-sig").startswith("haushalt;beziehung")
    assert german["Content-Disposition"] == 'attachment; filename="rematch-households-de.csv"'
    assert german["Content-Type"] == "text/csv; charset=utf-8"
    english = as_caseworker.get("/households/import/template.en.xlsx")
    assert english.status_code == 200
    assert english.content[:4] == b"PK\x03\x04"
    assert as_caseworker.get("/households/import/template.fr.csv").status_code == 404
