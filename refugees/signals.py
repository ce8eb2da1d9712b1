"""What the households app announces to the apps above it, which it must not import."""

from django.dispatch import Signal

# Sent inside the transaction that withdrew the consent, after the household left its rounds
# (arguments: household, by). The matching app closes the household's open offers.
consent_withdrawn = Signal()
