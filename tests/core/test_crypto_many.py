"""Encrypting and decrypting many values at once makes and reads the same Fernet tokens as
one value at a time."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from core import crypto

VALUES = [True, False, None, [], ["neurology", "oncology"], {"persons": 3, "school": 1}, "ä" * 40]


def test_many_tokens_are_fernet_tokens_of_the_first_key():
    tokens = crypto.encrypt_values(VALUES)
    assert [crypto.decrypt_value(token) for token in tokens] == VALUES
    first = Fernet(crypto.configured_keys()[0])
    assert first.decrypt(tokens[0].encode()) == b"true"


def test_many_tokens_decrypt_tokens_made_one_at_a_time():
    tokens = [crypto.encrypt_value(value) for value in VALUES]
    assert crypto.decrypt_values(tokens) == VALUES
    assert crypto.decrypt_values([None, tokens[0]]) == [None, True]
    assert crypto.decrypt_values([]) == []


def test_every_length_round_trips():
    texts = [b"x" * n for n in range(0, 70)]
    assert crypto.decrypt_many(crypto.encrypt_many(texts)) == texts


def test_a_token_of_an_older_key_still_decrypts(settings):
    old = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt_value(["a"])
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert crypto.decrypt_values([token, crypto.encrypt_value(1)]) == [["a"], 1]


@pytest.mark.parametrize("change", [0, 30, -1])
def test_a_tampered_token_is_refused(change):
    import base64

    raw = bytearray(base64.urlsafe_b64decode(crypto.encrypt_value({"persons": 2})))
    raw[change] ^= 1
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_values([base64.urlsafe_b64encode(bytes(raw)).decode()])


def test_a_token_of_an_unknown_key_is_refused():
    foreign = Fernet(Fernet.generate_key()).encrypt(b"true").decode()
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_values([foreign])
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_values(["not a token"])
