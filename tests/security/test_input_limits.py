"""Limits on every input, each answered with a clear 4xx and nothing saved: request body size,
JSON nesting, members per household, import rows, cell sizes and damaged or sparse workbooks."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from refugees import importing
from refugees.models import MAX_MEMBERS, Household
from refugees.services.households import member_save
from tests.api.conftest import token_client
from tests.factories import IMPORT_HEADER, MemberFactory, import_csv, import_rows, import_xlsx

pytestmark = pytest.mark.django_db

MEMBER = {"full_name": "Olena K", "date_of_birth": "1988-03-04", "sex": "f", "relation": "contact"}
CHILD = {"full_name": "Kid K", "date_of_birth": "2015-01-01", "sex": "m", "relation": "child"}


@pytest.fixture
def api(caseworker):
    return token_client(caseworker)


def _report(content: bytes, name: str):
    return importing.parse(importing.read_rows(io.BytesIO(content), name, len(content)))


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [MAX_MEMBERS + 1, 10_000])
def test_a_household_with_too_many_members_is_refused(api, count):
    body = {"members": [MEMBER] + [CHILD] * (count - 1)}
    response = api.post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "members"
    assert str(MAX_MEMBERS) in response.json()["errors"][0]["message"]
    assert not Household.objects.exists()


def test_the_largest_household_allowed_is_saved(api):
    body = {"members": [MEMBER] + [CHILD] * (MAX_MEMBERS - 1)}
    response = api.post("/api/v1/households/", body, format="json")
    assert response.status_code == 201
    assert Household.objects.get().members.count() == MAX_MEMBERS


def test_adding_one_member_too_many_is_refused(api, household):
    MemberFactory.create_batch(MAX_MEMBERS, household=household, relation="child")
    response = api.post(f"/api/v1/households/{household.pk}/members/", CHILD, format="json")
    assert response.status_code == 400
    assert "at most" in response.json()["detail"]
    assert household.members.count() == MAX_MEMBERS


def test_the_member_service_refuses_the_member_after_the_last(household, caseworker):
    from django.core.exceptions import ValidationError

    MemberFactory.create_batch(MAX_MEMBERS, household=household, relation="child")
    with pytest.raises(ValidationError, match="at most"):
        member_save(household=household, by=caseworker, version=None, data=CHILD)


def test_a_body_over_the_limit_is_413_before_it_is_parsed(api, settings):
    settings.REMATCH_API_MAX_BODY_BYTES = 1000
    body = json.dumps({"members": [MEMBER], "notes": "x" * 2000})
    response = api.post("/api/v1/households/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["type"] == "urn:rematch:problem:too-large"
    assert "1000\xa0bytes" in response.json()["detail"]
    assert not Household.objects.exists()


@pytest.mark.parametrize("depth", [25, 100_000])
def test_deeply_nested_json_is_a_400_not_a_500(api, depth):
    body = "[" * depth + "]" * depth
    response = api.post("/api/v1/households/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_broken_json_is_a_400_in_the_error_shape(api):
    response = api.post("/api/v1/households/", "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "urn:rematch:problem:validation-error"


# --- The import ---------------------------------------------------------------------------------


def test_an_import_household_with_too_many_members_is_refused(caseworker):
    rows = import_rows(1)
    child = rows[1]
    rows += [dict(child) for _ in range(MAX_MEMBERS)]
    report = _report(import_csv(rows), "h.csv")
    if not report.errors:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="at most"):
            importing.households_import(report=report, by=caseworker)
    else:
        assert any("at most" in e.message for e in report.errors)
    assert not Household.objects.exists()


def test_a_csv_cell_over_the_csv_modules_limit_is_refused_as_a_whole():
    rows = import_rows(1)
    rows[0]["notes"] = "x" * 140_000
    with pytest.raises(importing.ImportFileError, match="Line 2"):
        _report(import_csv(rows), "h.csv")


def test_a_long_cell_is_reported_at_its_row_and_column():
    rows = import_rows(1)
    rows[0]["occupation"] = "x" * (importing.MAX_CELL_CHARS + 1)
    report = _report(import_csv(rows), "h.csv")
    assert ("occupation", 2) in {(e.column, e.row) for e in report.errors}


def _upload(client, content: bytes, name: str):
    return client.post(
        "/households/import/",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_portal_shows_a_message_for_a_giant_cell(as_caseworker):
    rows = import_rows(1)
    rows[0]["notes"] = "x" * 140_000
    response = _upload(as_caseworker, import_csv(rows), "h.csv")
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()


def _broken_shared_strings(content: bytes) -> bytes:
    """The workbook with every shared-string reference pointing past the end of the table."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<c r="A2" t="inlineStr"><is><t>K0</t></is></c>',
                    b'<c r="A2" t="s"><v>99999</v></c>',
                )
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_with_a_missing_shared_string_is_refused_not_a_500(as_caseworker):
    content = _broken_shared_strings(import_xlsx(import_rows(2)))
    with pytest.raises(importing.ImportFileError, match="cannot be read"):
        _report(content, "h.xlsx")
    response = _upload(as_caseworker, content, "h.xlsx")
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()


def _sparse_workbook(last_row: int) -> bytes:
    """A small file whose sheet has a header and one cell a million rows further down."""
    book = Workbook()
    book.active.append(IMPORT_HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                far = f'<row r="{last_row}"><c r="A{last_row}" t="n"><v>1</v></c></row>'
                data = data.replace(b"</sheetData>", far.encode() + b"</sheetData>")
                declared = f'<dimension ref="A1:AF{last_row}"'.encode()
                data = re.sub(rb'<dimension ref="[^"]*"', declared, data)
            target.writestr(item, data)
    return out.getvalue()


def test_a_sparse_workbook_of_a_million_rows_is_refused():
    # Read in full, this 1,000,000-row file cost a minute of CPU before the row limit applied.
    content = _sparse_workbook(1_000_000)
    assert len(content) < 20_000
    with pytest.raises(importing.ImportFileError, match="more than 20000 rows"):
        _report(content, "h.xlsx")
