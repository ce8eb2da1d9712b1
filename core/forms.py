"""Form helpers every app uses."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def add_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
