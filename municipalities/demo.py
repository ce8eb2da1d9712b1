from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.demo import ensure_user
from accounts.roles import Role
from municipalities.models import (
    HousingUnit,
    Municipality,
    Questionnaire,
    QuestionnaireStatus,
    RoundMunicipality,
    Section,
    StaffMembership,
)
from rounds.models import Round

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
                "name": name,
                "ags": ags,
                "federal_state": state,
                "settlement_type": settlement,
                "population": population,
                "contact_email": f"integration@{slug}.example",
            },
        )
        if (slug, name, ags, state, settlement, population) in PILOT:
            user = ensure_user(
                f"{slug}@rematch.example", f"Integrationsbüro {name}", Role.MUNICIPAL_STAFF
            )
            StaffMembership.objects.get_or_create(user=user, municipality=municipality)
    _seed_questionnaires(stdout)


# Capacity of the demo round, sized for the demo households (about 140 persons, 35 school-age
# and 12 Kita-age children, 5 wheelchair users, 8 needing psychotherapy): about 150 places,
# 40 school, 14 Kita, 6 accessible units and 8 psychotherapy places in total, more in the big
# cities, so that matching has real choices but not everyone fits everywhere.
# slug: (pledge, status, aggregate places, units as (kind, beds, accessible, pets, district),
#        school (primary, secondary, vocational), kita (under 3, 3-6), psychotherapy,
#        specialist care, sectors, GP, paediatrics, community, transport)
QUESTIONNAIRES: dict[str, dict[str, Any]] = {
    "duesseldorf": {
        "pledge": 30,
        "status": "submitted",
        "aggregate": 16,
        "units": [
            ("flat", 5, True, False, "Eller"),
            ("flat", 4, True, True, "Gerresheim"),
            ("flat", 4, False, False, "Benrath"),
            ("shared_flat", 3, False, False, "Bilk"),
        ],
        "school": (4, 3, 1),
        "kita": (1, 2),
        "psychotherapy": 2,
        "care": ["dialysis", "oncology", "cardiology", "neurology", "paediatric_specialist"],
        "sectors": ["43", "62", "63", "81", "52"],
        "gp": "limited",
        "paed": "limited",
        "community": "large",
        "transport": "good",
        "orgs": 14,
    },
    "braunschweig": {
        "pledge": 25,
        "status": "submitted",
        "aggregate": 6,
        "units": [
            ("flat", 4, True, False, "Weststadt"),
            ("flat", 4, False, True, "Heidberg"),
            ("flat", 3, False, False, "Östliches Ringgebiet"),
            ("shared_flat", 6, False, False, "Innenstadt"),
        ],
        "school": (3, 2, 1),
        "kita": (1, 1),
        "psychotherapy": 1,
        "care": ["oncology", "cardiology", "diabetology"],
        "sectors": ["25", "26", "27", "81"],
        "gp": "good",
        "paed": "limited",
        "community": "large",
        "transport": "good",
        "orgs": 8,
    },
    "kiel": {
        "pledge": 20,
        "status": "submitted",
        "aggregate": 10,
        "units": [
            ("flat", 5, True, True, "Gaarden"),
            ("flat", 4, False, False, "Mettenhof"),
            ("flat", 3, False, False, "Wik"),
        ],
        "school": (3, 2, 1),
        "kita": (1, 1),
        "psychotherapy": 2,
        "care": ["dialysis", "oncology", "cardiology", "infectiology"],
        "sectors": ["25", "52", "81", "63"],
        "gp": "good",
        "paed": "good",
        "community": "large",
        "transport": "good",
        "orgs": 9,
    },
    "erfurt": {
        "pledge": 18,
        "status": "submitted",
        "aggregate": 8,
        "units": [
            ("flat", 4, True, False, "Herrenberg"),
            ("flat", 3, False, True, "Krämpfervorstadt"),
            ("flat", 3, False, False, "Rieth"),
        ],
        "school": (3, 1, 1),
        "kita": (1, 1),
        "psychotherapy": 1,
        "care": ["cardiology", "neurology", "orthopaedics"],
        "sectors": ["51", "52", "81", "82"],
        "gp": "good",
        "paed": "good",
        "community": "small",
        "transport": "good",
        "orgs": 4,
    },
    "salzgitter": {
        "pledge": 20,
        "status": "submitted",
        "aggregate": 4,
        "units": [
            ("flat", 4, False, True, "Lebenstedt"),
            ("flat", 4, False, False, "Bad"),
            ("flat", 2, False, False, "Thiede"),
        ],
        "school": (2, 2, 0),
        "kita": (0, 1),
        "psychotherapy": 1,
        "care": ["cardiology", "diabetology"],
        "sectors": ["24", "25", "52", "54"],
        "gp": "limited",
        "paed": "limited",
        "community": "small",
        "transport": "fair",
        "orgs": 3,
    },
    "troisdorf": {
        "pledge": 12,
        "status": "submitted",
        "aggregate": 4,
        "units": [("flat", 4, True, False, "Sieglar"), ("flat", 3, False, True, "Spich")],
        "school": (2, 1, 0),
        "kita": (0, 1),
        "psychotherapy": 0,
        "care": ["cardiology"],
        "sectors": ["22", "51", "62"],
        "gp": "good",
        "paed": "limited",
        "community": "small",
        "transport": "good",
        "orgs": 2,
    },
    "fulda": {
        "pledge": 10,
        "status": "submitted",
        "aggregate": 2,
        "units": [
            ("flat", 5, False, True, "Ziehers-Nord"),
            ("flat", 3, False, False, "Aschenberg"),
        ],
        "school": (2, 1, 0),
        "kita": (1, 0),
        "psychotherapy": 1,
        "care": ["oncology", "orthopaedics"],
        "sectors": ["51", "29", "81"],
        "gp": "good",
        "paed": "good",
        "community": "small",
        "transport": "fair",
        "orgs": 2,
    },
    "goerlitz": {
        "pledge": 12,
        "status": "submitted",
        "aggregate": 0,
        "units": [
            ("flat", 4, False, True, "Rauschwalde"),
            ("flat", 4, False, False, "Innenstadt"),
            ("flat", 2, False, False, "Königshufen"),
        ],
        "school": (2, 1, 0),
        "kita": (0, 1),
        "psychotherapy": 0,
        "care": ["cardiology"],
        "sectors": ["25", "28", "54", "82"],
        "gp": "limited",
        "paed": "none",
        "community": "none",
        "transport": "fair",
        "orgs": 1,
    },
    # A pilot municipality still working on its answers.
    "rottenburg": {
        "pledge": 8,
        "status": "draft",
        "aggregate": 2,
        "units": [("flat", 4, False, True, "Kernstadt"), ("flat", 3, False, False, "Ergenzingen")],
        "school": (1, 1, 0),
        "kita": (0, 1),
        "psychotherapy": 0,
        "care": [],
        "sectors": ["11", "12", "32"],
        "gp": "good",
        "paed": "limited",
        "community": "small",
        "transport": "poor",
        "orgs": 1,
    },
    # Invited and pledged, but no questionnaire at all: "missing", later "late".
    "wittenberge": {"pledge": 6, "status": None},
}


def _seed_questionnaires(stdout: Any) -> None:
    from rounds.demo import demo_round

    round_ = demo_round()
    created = 0
    for offset, (slug, spec) in enumerate(QUESTIONNAIRES.items()):
        municipality = Municipality.objects.get(slug=slug)
        participation, _ = RoundMunicipality.objects.get_or_create(
            round=round_,
            municipality=municipality,
            defaults={"pledged_persons": spec["pledge"], "pledged_at": _at(round_, offset)},
        )
        if spec["status"] is None:
            continue
        if not Questionnaire.objects.filter(round=round_, municipality=municipality).exists():
            _questionnaire(round_, municipality, spec, offset)
            created += 1
    stdout.write(f"municipalities: {created} demo questionnaires created\n")


def _at(round_: Round, offset: int) -> datetime:
    day = round_.questionnaire_opens + timedelta(days=1 + offset % 5)
    return timezone.make_aware(datetime.combine(day, time(9 + offset, 15)))


def _questionnaire(round_: Round, municipality: Municipality, spec: dict, offset: int) -> None:
    primary, secondary, vocational = spec["school"]
    under3, three_to_six = spec["kita"]
    submitted = spec["status"] == "submitted"
    questionnaire = Questionnaire(
        round=round_,
        municipality=municipality,
        status=QuestionnaireStatus.SUBMITTED if submitted else QuestionnaireStatus.DRAFT,
        submitted_at=_at(round_, offset) if submitted else None,
        completed_sections=[s.value for s in Section]
        if submitted
        else ["accommodation", "education"],
        aggregate_places=spec["aggregate"],
        school_places_primary=primary,
        school_places_secondary=secondary,
        school_places_vocational=vocational,
        kita_places_under3=under3,
        kita_places_3to6=three_to_six,
        integration_course_seats=spec["pledge"],
        job_course_seats=spec["pledge"] // 3,
        course_waiting_weeks=4 + offset,
        gp_availability=spec["gp"],
        paediatrics_availability=spec["paed"],
        psychotherapy_places=spec["psychotherapy"],
        specialist_care=spec["care"],
        sectors_in_demand=spec["sectors"],
        apprenticeship_places=2 + offset % 4,
        recognition_counselling=offset % 3 != 2,
        ukrainian_community=spec["community"],
        migrant_organisations=spec["orgs"],
        public_transport=spec["transport"],
    )
    questionnaire.full_clean()
    questionnaire.save()
    for index, (kind, beds, accessible, pets, district) in enumerate(spec["units"]):
        unit = HousingUnit(
            questionnaire=questionnaire,
            kind=kind,
            beds=beds,
            wheelchair_accessible=accessible,
            pets_allowed=pets,
            district=district,
            available_from=round_.arrival_date - timedelta(days=7 * index) if index else None,
        )
        unit.full_clean()
        unit.save()
