"""Health-related needs are encrypted at rest; code reading them through the ORM sees plain
values, SQL filters on them are refused, keys rotate."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from refugees.fields import check_encryption_keys, check_encryption_keys_set
from refugees.models import Needs
from tests.factories import NeedsFactory

HEALTH_COLUMNS = "wheelchair, psychotherapy, specialist_care, care_needs"


def raw_row(needs: Needs) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {HEALTH_COLUMNS} FROM refugees_needs WHERE id = %s",  # noqa: S608
            [needs.pk],
        )
        return cursor.fetchone()


@pytest.fixture
def needs(household):
    return NeedsFactory(
        household=household,
        wheelchair=True,
        psychotherapy=True,
        care_needs=False,
        specialist_care=["dialysis", "oncology"],
    )


def test_the_database_holds_no_plaintext_of_health_needs(needs):
    row = raw_row(needs)
    for value in row:
        assert isinstance(value, str)
        assert value.startswith("gAAAAA")  # a Fernet token
        assert "dialysis" not in value
        assert "true" not in value
        assert "false" not in value
    assert row[0] != row[1]  # equal values, different tokens (random IV)


def test_the_orm_reads_plain_values_including_values_list(needs):
    needs.refresh_from_db()
    assert (needs.wheelchair, needs.psychotherapy, needs.care_needs) == (True, True, False)
    assert needs.specialist_care == ["dialysis", "oncology"]
    rows = list(
        Needs.objects.filter(household_id=needs.household_id).values_list(
            "household_id", "wheelchair", "psychotherapy", "specialist_care"
        )
    )
    assert rows == [(needs.household_id, True, True, ["dialysis", "oncology"])]


def test_bulk_create_encrypts_too(household):
    Needs.objects.bulk_create([Needs(household=household, wheelchair=True, specialist_care=[])])
    assert raw_row(Needs.objects.get(household=household))[0].startswith("gAAAAA")
    assert Needs.objects.get(household=household).wheelchair is True


def test_filtering_on_an_encrypted_field_is_refused_instead_of_silently_wrong(needs):
    with pytest.raises(FieldError, match="encrypted"):
        list(Needs.objects.filter(wheelchair=True))


def test_a_rotated_key_still_reads_old_rows_and_rotation_reencrypts(needs, settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    needs.save()
    old_token = raw_row(needs)[0]
    assert Fernet(old_key.encode()).decrypt(old_token.encode()) == b"true"

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("encryption_rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    new_token = raw_row(needs)[0]
    assert Fernet(new_key.encode()).decrypt(new_token.encode()) == b"true"

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    needs.refresh_from_db()
    assert needs.wheelchair is True
    assert needs.specialist_care == ["dialysis", "oncology"]


def test_production_without_keys_gets_a_deploy_warning(settings):
    settings.DEBUG, settings.FIELD_ENCRYPTION_KEYS = False, []
    assert [m.id for m in check_encryption_keys_set()] == ["rematch.W001"]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert check_encryption_keys_set() == []
    settings.DEBUG, settings.FIELD_ENCRYPTION_KEYS = True, []
    assert check_encryption_keys_set() == []


def test_an_invalid_key_is_an_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["change-me"]
    assert [m.id for m in check_encryption_keys()] == ["rematch.E001"]
