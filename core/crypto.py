"""Symmetric encryption at rest with the installation's Fernet keys (AES-128-CBC + HMAC-SHA256).

Keys come from ``settings.FIELD_ENCRYPTION_KEYS``: the first encrypts, all decrypt, so a new key
is put in front and ``manage.py encryption_rotate`` re-encrypts before the old key is dropped.
Used for health-related fields (refugees.fields), TOTP secrets (accounts.adapter), import files
waiting for confirmation and run files (matching)."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def development_key(secret_key: str) -> str:
    """The key used when FIELD_ENCRYPTION_KEYS is unset: derived from SECRET_KEY, so the embedded
    default works without configuration. ``check --deploy`` warns when production relies on it."""
    digest = hashlib.sha256(b"rematch-field-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> tuple[str, ...]:
    """The configured keys, then the development key: rows written before FIELD_ENCRYPTION_KEYS
    was set stay readable until ``manage.py encryption_rotate`` re-encrypts them."""
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    fallback = development_key(settings.SECRET_KEY)
    return (*keys, fallback) if fallback not in keys else keys


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)"
        ) from error


def fernet() -> MultiFernet:
    return _fernet(configured_keys())


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return fernet().decrypt(token)
    except InvalidToken:
        raise ImproperlyConfigured(
            "Encrypted data cannot be decrypted with FIELD_ENCRYPTION_KEYS: "
            "was a key removed before its data was re-encrypted?"
        ) from None


def rotate_bytes(token: bytes) -> bytes:
    """The same data encrypted with the first key."""
    return fernet().rotate(token)


def is_encrypted(token: str | bytes) -> bool:
    try:
        fernet().decrypt(token if isinstance(token, bytes) else token.encode())
    except (InvalidToken, TypeError, ValueError):
        return False
    return True


def encrypt_value(value: Any) -> str:
    return encrypt_bytes(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_value(token: str) -> Any:
    return json.loads(decrypt_bytes(token.encode()))
