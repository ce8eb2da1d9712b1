"""Wording defects found by reading the pages as their users do."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_selects_start_with_a_translated_placeholder_not_djangos_english_one(as_caseworker):
    from refugees.forms import MemberForm

    html = str(MemberForm())
    assert "Select an option" not in html
    assert "Please choose" in html
    response = as_caseworker.get(reverse("household_create"), HTTP_ACCEPT_LANGUAGE="de")
    assert "Select an option" not in response.content.decode()


def test_the_household_steps_are_numbered_once_and_translated(as_caseworker, household):
    html = as_caseworker.get(
        reverse("household_members", args=[household.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "1. " not in html[html.index("<ol") : html.index("</ol>")]
    assert "Angehörige in Deutschland" in html
    assert "Relatives in Germany" not in html


def test_methods_are_named_for_people_not_by_code():
    from matching.forms import RunStartForm

    field = RunStartForm().fields["method"]
    assert isinstance(field, forms.ChoiceField)
    labels = dict(list(field.choices))  # type: ignore[arg-type]
    assert labels["hungarian"] == "Exact assignment (Hungarian method)"
    assert all(code != label for code, label in labels.items())


PROJECT_APPS = (
    "accounts",
    "rounds",
    "municipalities",
    "refugees",
    "matching",
    "evaluation",
    "portal",
    "api",
)


def test_every_stored_field_has_a_name_that_is_translated():
    """Pages built from the models (the records of processing, a household's data export, forms
    and the admin) name a field by its verbose name. Without one Django makes it from the
    attribute, in English whatever the reader's language: the Ukrainian export of a household
    said "household answered at". A link named after the record it points to is fine: those
    pages use the linked model's (translated) name."""
    from django.apps import apps
    from django.db import models
    from django.utils.functional import Promise

    unnamed = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                automatic = field.name.replace("_", " ")
                linked = field.related_model is not None and field.verbose_name == automatic
                if isinstance(field, models.AutoField) or linked:
                    continue
                if not isinstance(field.verbose_name, Promise):
                    unnamed.append(f"{model._meta.label}.{field.name}")
    assert unnamed == []
