"""Form helpers every app uses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseForm

from core.validators import localised


def add_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class CountField(forms.IntegerField):
    """A count whose limits are named as the reader writes numbers ("höchstens 10.000")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [localised(v) for v in self.validators]
