from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import give_totp
from tests.factories import UserFactory


@pytest.fixture
def support(db):
    """A support person with access to the Django admin (superuser, second factor set up), and
    a client signed in as them."""
    user = UserFactory(email="support@rematch.example", is_staff=True, is_superuser=True)
    give_totp(user)
    client = Client()
    client.force_login(user)
    return user, client
