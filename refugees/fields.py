"""Field-level encryption for health-related needs (GDPR Art. 9 data, encrypted at rest).

Each value is stored as a Fernet token (AES-128-CBC + HMAC-SHA256) of its JSON form in a text
column. Keys come from ``settings.FIELD_ENCRYPTION_KEYS``: the first encrypts, all decrypt, so a
new key is put in front and ``manage.py encryption_rotate`` re-encrypts the rows before the old
key is dropped. Tokens use a random IV, so two equal values never look alike in the database –
which also means encrypted columns cannot be filtered in SQL: lookups other than ``isnull`` raise.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.functions import Cast

from core.crypto import (  # noqa: F401 - re-exported: the key handling lives in core.crypto
    configured_keys,
    decrypt_value,
    decrypt_values,
    development_key,
    encrypt_value,
    encrypt_values,
    fernet,
)


class EncryptedMixin:
    """Stores the value encrypted in a text column; Python code sees the plain value."""

    encrypted = True

    def get_internal_type(self) -> str:
        return "TextField"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        return encrypt_value(self.to_python(value))  # type: ignore[attr-defined]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else decrypt_value(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)  # type: ignore[misc]
        raise FieldError(
            f"{self.name} is encrypted and cannot be filtered in the database "  # type: ignore[attr-defined]
            "(filter in Python after loading)"
        )

    def get_transform(self, lookup_name: str) -> Any:
        return None


def stored_token(field_name: str) -> Cast:
    """The stored token of an encrypted column, not decrypted on the way: for reading many
    rows at once and decrypting them together with ``decrypt_values`` (a national round
    reads 120,000 of them)."""
    return Cast(field_name, models.TextField())


class EncryptedBooleanField(EncryptedMixin, models.BooleanField):
    """A yes/no value, encrypted. Forms, the admin and serializers treat it as a BooleanField."""


class EncryptedJSONField(EncryptedMixin, models.Field):
    """A JSON-serialisable value (here: lists of codes), encrypted."""

    description = "JSON value, encrypted at rest"

    def to_python(self, value: Any) -> Any:
        return value

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


@checks.register(checks.Tags.security)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        fernet()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="rematch.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or settings.DEBUG:
        return []
    return [
        checks.Warning(
            "FIELD_ENCRYPTION_KEYS is not set: health-related needs are encrypted with a key "
            "derived from SECRET_KEY.",
            hint='Generate a key with `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"`, set FIELD_ENCRYPTION_KEYS and run '
            "`manage.py encryption_rotate` to re-encrypt the rows written so far.",
            id="rematch.W001",
        )
    ]
