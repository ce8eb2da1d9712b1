"""Symmetric encryption at rest with the installation's Fernet keys (AES-128-CBC + HMAC-SHA256).

Keys come from ``settings.FIELD_ENCRYPTION_KEYS``: the first encrypts, all decrypt, so a new key
is put in front and ``manage.py encryption_rotate`` re-encrypts before the old key is dropped.
Used for health-related fields (refugees.fields), TOTP secrets (accounts.adapter), import files
waiting for confirmation and run files (matching)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import struct
import time
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def development_key(secret_key: str) -> str:
    """The key used when FIELD_ENCRYPTION_KEYS is unset: derived from SECRET_KEY, so the embedded
    default works without configuration. ``check --deploy`` warns when production relies on it."""
    digest = hashlib.sha256(b"rematch-field-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@cache
def _development_key(secret_key: str) -> str:
    return development_key(secret_key)


def configured_keys() -> tuple[str, ...]:
    """The configured keys, then the development key: rows written before FIELD_ENCRYPTION_KEYS
    was set stay readable until ``manage.py encryption_rotate`` re-encrypts them."""
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    fallback = _development_key(settings.SECRET_KEY)
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


# --- many values at once -----------------------------------------------------------------------
# A national round reads 120,000 encrypted needs and writes 40,000 encrypted demands. Fernet
# one token at a time costs about 25 us of Python per token (cipher and HMAC objects per call),
# seconds per iteration. The functions below make and read the very same Fernet tokens
# (version 0x80, timestamp, IV, AES-128-CBC with PKCS7, HMAC-SHA256 over all of it), but run
# AES once over the blocks of all tokens: CBC decryption is P_i = D(C_i) xor C_(i-1), so one
# ECB pass and one numpy xor decrypt every token; encryption runs one ECB pass per block
# position across the tokens. Each token's HMAC is checked before its plaintext is used.

_VERSION = b"\x80"
_HEADER = 25  # version (1) + timestamp (8) + IV (16)
_MAC = 32
_BLOCK = 16


@cache
def _key_parts(key: str) -> tuple[bytes, bytes]:
    raw = base64.urlsafe_b64decode(key)
    return raw[:16], raw[16:]  # signing key, encryption key


def _ecb(key: bytes, data: bytes, *, decrypt: bool) -> bytes:
    # ECB only as the raw AES block function of the CBC above: never as a mode of its own.
    cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305
    worker = cipher.decryptor() if decrypt else cipher.encryptor()
    return worker.update(data) + worker.finalize()


def _blocks(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, _BLOCK)


def encrypt_many(items: Sequence[bytes]) -> list[bytes]:
    """Fernet tokens of ``items`` with the first key, as ``encrypt_bytes`` makes them."""
    if not items:
        return []
    sign, enc = _key_parts(configured_keys()[0])
    stamp = _VERSION + struct.pack(">Q", int(time.time()))
    padded = [item + bytes([pad]) * pad for item in items for pad in [_BLOCK - len(item) % _BLOCK]]
    ivs = [os.urandom(_BLOCK) for _ in items]
    sizes = np.array([len(p) // _BLOCK for p in padded])
    plain = _blocks(b"".join(padded))
    cipher = np.empty_like(plain)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    previous = _blocks(b"".join(ivs)).copy()
    for k in range(int(sizes.max())):
        alive = np.flatnonzero(sizes > k)
        rows = starts[alive] + k
        mixed = np.bitwise_xor(plain[rows], previous[alive])
        out = _blocks(_ecb(enc, mixed.tobytes(), decrypt=False))
        cipher[rows] = out
        previous[alive] = out
    body = cipher.tobytes()
    tokens = []
    for iv, start, size in zip(ivs, starts.tolist(), sizes.tolist(), strict=True):
        signed = stamp + iv + body[start * _BLOCK : (start + size) * _BLOCK]
        mac = hmac.digest(sign, signed, "sha256")
        tokens.append(base64.urlsafe_b64encode(signed + mac))
    return tokens


def decrypt_many(tokens: Sequence[bytes | str]) -> list[bytes]:
    """The plaintexts of Fernet tokens made with any configured key, as ``decrypt_bytes``
    returns them; a token that fails its HMAC or padding raises as ``decrypt_bytes`` does."""
    if not tokens:
        return []
    keys = [_key_parts(key) for key in configured_keys()]
    raws: list[bytes] = []
    key_of = np.zeros(len(tokens), dtype=np.int64)
    for i, token in enumerate(tokens):
        raw = _token_bytes(token)
        key_of[i] = _signing_key_index(raw, keys)
        raws.append(raw)
    plains: list[bytes] = [b""] * len(tokens)
    for k in np.unique(key_of).tolist():
        chosen = np.flatnonzero(key_of == k).tolist()
        cipher = b"".join(raws[i][_HEADER:-_MAC] for i in chosen)
        previous = _blocks(b"".join(raws[i][9 : -_MAC - _BLOCK] for i in chosen))
        mixed = np.bitwise_xor(_blocks(_ecb(keys[k][1], cipher, decrypt=True)), previous)
        data = mixed.tobytes()
        offset = 0
        for i in chosen:
            size = len(raws[i]) - _HEADER - _MAC
            plains[i] = _unpad(data[offset : offset + size])
            offset += size
    return plains


def _token_bytes(token: bytes | str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token)
    except (TypeError, binascii.Error):
        raise _undecryptable() from None
    body = len(raw) - _HEADER - _MAC
    if raw[:1] != _VERSION or body <= 0 or body % _BLOCK:
        raise _undecryptable()
    return raw


def _signing_key_index(raw: bytes, keys: list[tuple[bytes, bytes]]) -> int:
    for index, (sign, _enc) in enumerate(keys):
        if hmac.compare_digest(hmac.digest(sign, raw[:-_MAC], "sha256"), raw[-_MAC:]):
            return index
    raise _undecryptable()


def _unpad(data: bytes) -> bytes:
    pad = data[-1]
    if not 1 <= pad <= _BLOCK or data[-pad:] != bytes([pad]) * pad:
        raise _undecryptable()
    return data[:-pad]


def _undecryptable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "Encrypted data cannot be decrypted with FIELD_ENCRYPTION_KEYS: "
        "was a key removed before its data was re-encrypted?"
    )


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def encrypt_values(values: Sequence[Any]) -> list[str]:
    """``encrypt_value`` of many values at once."""
    encode = _COMPACT.encode  # json.dumps(value, separators=(",", ":")), one encoder for all
    plain = [encode(value).encode() for value in values]
    return [token.decode() for token in encrypt_many(plain)]


def decrypt_values(tokens: Sequence[str | None]) -> list[Any]:
    """``decrypt_value`` of many tokens at once; None stays None (a NULL column)."""
    present = [i for i, token in enumerate(tokens) if token is not None]
    plain = decrypt_many([tokens[i] for i in present])  # type: ignore[misc]
    # Each plaintext is one JSON value (its HMAC checked): one array parses them all in C.
    decoded = json.loads(b"[" + b",".join(plain) + b"]") if plain else []
    values: list[Any] = [None] * len(tokens)
    for i, value in zip(present, decoded, strict=True):
        values[i] = value
    return values
