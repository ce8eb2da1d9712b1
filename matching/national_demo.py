"""``seed_demo --scale national``: a synthetic national round, 400 districts and about 40,000
households (100,000 persons), written with bulk inserts. Deterministic (seeded)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from accounts.demo import organisation
from matching.services.instance import SECTORS, SETTLEMENTS, SPECIALIST, STATES
from municipalities.models import (
    AGS_STATE_PREFIX,
    HousingUnit,
    Municipality,
    Questionnaire,
    RoundMunicipality,
)
from refugees.models import RoundHousehold
from rounds.models import Round, RoundStatus

ROUND_NAME = "Nationale Runde (synthetisch)"
DISTRICTS = 400
HOUSEHOLDS = 40_000
SIZE_PROBABILITIES = [0.24, 0.25, 0.21, 0.15, 0.08, 0.04, 0.02, 0.01]  # 1..8 persons
BATCH = 5_000
ARRIVAL = date(2027, 6, 1)


def seed_national(*, stdout: Any, households: int = HOUSEHOLDS, districts: int = DISTRICTS):
    if Round.objects.filter(name=ROUND_NAME).exists():
        stdout.write(f"{ROUND_NAME}: exists already\n")
        return
    rng = np.random.default_rng(2026)
    with transaction.atomic():
        round_ = Round.objects.create(
            name=ROUND_NAME,
            status=RoundStatus.QUESTIONNAIRE,
            arrival_date=ARRIVAL,
            questionnaire_opens=ARRIVAL - timedelta(days=90),
            questionnaire_deadline=ARRIVAL - timedelta(days=30),
        )
        persons = _households(round_, rng, households)
        _districts(round_, rng, districts, persons)
    stdout.write(
        f"{ROUND_NAME}: {districts} districts, {households} households, {persons} persons\n"
    )


def _districts(round_: Round, rng: np.random.Generator, n: int, persons: int) -> None:
    states = sorted(AGS_STATE_PREFIX.items())
    weight = rng.lognormal(0, 0.8, n)
    share = weight / weight.sum()
    municipalities = [
        Municipality(
            name=f"Landkreis {i + 1:03d}",
            slug=f"kreis-{i + 1:03d}",
            ags=f"{states[i % 16][0]}{900 + i // 16:03d}000",
            federal_state=states[i % 16][1],
            settlement_type=SETTLEMENTS[int(rng.integers(0, len(SETTLEMENTS)))],
            population=int(40_000 + share[i] * 40_000_000),
        )
        for i in range(n)
    ]
    Municipality.objects.bulk_create(municipalities, batch_size=BATCH)
    RoundMunicipality.objects.bulk_create(
        RoundMunicipality(round=round_, municipality=m, pledged_persons=int(s * persons * 1.05))
        for m, s in zip(municipalities, share, strict=True)
    )
    questionnaires = [
        _questionnaire(round_, m, rng, int(s * persons * 1.05))
        for m, s in zip(municipalities, share, strict=True)
    ]
    Questionnaire.objects.bulk_create(questionnaires, batch_size=BATCH)
    HousingUnit.objects.bulk_create(
        [
            HousingUnit(
                questionnaire=q,
                kind="flat",
                beds=int(b),
                wheelchair_accessible=bool(a),
                pets_allowed=bool(p),
            )
            for q in questionnaires
            for b, a, p in zip(
                rng.integers(2, 7, 4), rng.random(4) < 0.3, rng.random(4) < 0.5, strict=True
            )
        ],
        batch_size=BATCH,
    )


def _questionnaire(round_, municipality, rng, places: int) -> Questionnaire:
    def some(p: float) -> list[str]:
        return [c for c in SECTORS if rng.random() < p]

    return Questionnaire(
        round=round_,
        municipality=municipality,
        status="submitted",
        submitted_at=timezone.now(),
        aggregate_places=max(0, places - 16),
        school_places_primary=int(places * 0.12),
        school_places_secondary=int(places * 0.10),
        kita_places_under3=int(places * 0.03),
        kita_places_3to6=int(places * 0.06),
        integration_course_seats=int(places * 0.2),
        course_waiting_weeks=int(rng.integers(0, 20)),
        gp_availability=str(rng.choice(["good", "limited", "none"], p=[0.5, 0.4, 0.1])),
        paediatrics_availability=str(rng.choice(["good", "limited", "none"], p=[0.4, 0.4, 0.2])),
        psychotherapy_places=int(places * 0.02) + 1,
        specialist_care=[c for c in SPECIALIST if rng.random() < 0.6],
        sectors_in_demand=some(0.25),
        ukrainian_community=str(rng.choice(["none", "small", "large"], p=[0.3, 0.5, 0.2])),
        migrant_organisations=int(rng.integers(0, 6)),
        public_transport=str(rng.choice(["poor", "fair", "good"])),
        completed_sections=[],
    )


def _households(round_: Round, rng: np.random.Generator, n: int) -> int:
    from refugees.models import (
        CURRENT_CONSENT_VERSION,
        Consent,
        Household,
        Member,
        Needs,
        Preferences,
    )

    org = organisation()
    sizes = rng.choice(np.arange(1, 9), size=n, p=SIZE_PROBABILITIES)
    now = timezone.now()
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        households = Household.objects.bulk_create(
            Household(reference=f"NAT-{i + 1:06d}", organisation=org, status="ready")
            for i in range(start, stop)
        )
        members, needs, prefs = [], [], []
        for household, size in zip(households, sizes[start:stop], strict=True):
            members += _members(household, int(size), rng)
            needs.append(
                Needs(
                    household=household,
                    wheelchair=bool(rng.random() < 0.03),
                    psychotherapy=bool(rng.random() < 0.06),
                    specialist_care=[str(rng.choice(SPECIALIST))] if rng.random() < 0.015 else [],
                )
            )
            prefs.append(_preferences(household, rng))
        Member.objects.bulk_create(members, batch_size=BATCH)
        Needs.objects.bulk_create(needs, batch_size=BATCH)
        Preferences.objects.bulk_create(prefs, batch_size=BATCH)
        Consent.objects.bulk_create(
            Consent(household=h, text_version=CURRENT_CONSENT_VERSION, given_at=now)
            for h in households
        )
        RoundHousehold.objects.bulk_create(
            RoundHousehold(round=round_, household=h) for h in households
        )
    return int(sizes.sum())


def _members(household, size: int, rng: np.random.Generator) -> list:
    from refugees.models import Member

    adult_age = int(rng.integers(20, 76))
    rows = [
        Member(
            household=household,
            full_name=f"Person {household.reference}-1",
            date_of_birth=ARRIVAL - timedelta(days=365 * adult_age + 100),
            sex=str(rng.choice(["f", "m"], p=[0.8, 0.2])),
            relation="contact",
            sector=str(rng.choice(SECTORS)) if adult_age < 67 else "",
        )
    ]
    for k in range(1, size):
        age = int(rng.integers(0, 18)) if rng.random() < 0.75 else int(rng.integers(18, 80))
        rows.append(
            Member(
                household=household,
                full_name=f"Person {household.reference}-{k + 1}",
                date_of_birth=ARRIVAL - timedelta(days=365 * age + 100),
                sex=str(rng.choice(["f", "m"])),
                relation="child" if age < 18 else "other_relative",
                sector=str(rng.choice(SECTORS)) if 18 <= age < 67 else "",
            )
        )
    return rows


def _preferences(household, rng: np.random.Generator):
    from refugees.models import Preferences

    wished = [s for s in SETTLEMENTS if rng.random() < 0.2]
    excluded = [str(rng.choice(STATES))] if rng.random() < 0.05 else []
    return Preferences(
        household=household,
        settlement_types=wished,
        excluded_states=excluded,
        wished_states=[str(rng.choice(STATES))] if rng.random() < 0.1 else [],
        has_pets=bool(rng.random() < 0.05),
        **{
            f"weight_{w}": int(rng.integers(1, 6))
            for w in ("housing", "work", "education", "medical", "community", "city_size")
        },
    )
