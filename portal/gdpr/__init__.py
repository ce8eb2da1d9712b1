"""GDPR duties for households: export (Art. 15, 20), erasure by anonymisation and the retention
job (Art. 5(1)(e), 17), key rotation for the encrypted needs, records of processing (Art. 30)."""

from portal.gdpr.erasure import (
    encrypted_fields_rotate,
    household_anonymise,
    households_anonymise_expired,
    households_due_for_anonymisation,
)
from portal.gdpr.export import household_export, household_export_data

__all__ = [
    "encrypted_fields_rotate",
    "household_anonymise",
    "household_export",
    "household_export_data",
    "households_anonymise_expired",
    "households_due_for_anonymisation",
]
