from __future__ import annotations

from typing import Any

from accounts.demo import ensure_user
from accounts.roles import Role
from municipalities.models import Municipality, StaffMembership

# (slug, official name, AGS, state, settlement type, population)
PILOT = [
    ("kiel", "Kiel", "01002000", "SH", "big_city", 247_000),
    ("braunschweig", "Braunschweig", "03101000", "NI", "big_city", 251_000),
    ("troisdorf", "Troisdorf", "05382068", "NW", "medium_town", 77_000),
    ("salzgitter", "Salzgitter", "03102000", "NI", "big_city", 105_000),
    ("rottenburg", "Rottenburg am Neckar", "08416036", "BW", "medium_town", 44_000),
    ("duesseldorf", "Düsseldorf", "05111000", "NW", "big_city", 629_000),
]
MORE = [
    ("erfurt", "Erfurt", "16051000", "TH", "big_city", 214_000),
    ("goerlitz", "Görlitz", "14626110", "SN", "medium_town", 56_000),
    ("wittenberge", "Wittenberge", "12070424", "BB", "small_town", 17_000),
    ("fulda", "Fulda", "06631009", "HE", "medium_town", 70_000),
]


def seed(*, scale: str, stdout: Any) -> None:
    for slug, name, ags, state, settlement, population in PILOT + MORE:
        municipality, _ = Municipality.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name, "ags": ags, "federal_state": state,
                "settlement_type": settlement, "population": population,
                "contact_email": f"integration@{slug}.example",
            },
        )  # fmt: skip
        if (slug, name, ags, state, settlement, population) in PILOT:
            user = ensure_user(
                f"{slug}@rematch.example", f"Integrationsbüro {name}", Role.MUNICIPAL_STAFF
            )
            StaffMembership.objects.get_or_create(user=user, municipality=municipality)
