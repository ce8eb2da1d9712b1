"""Demo households for the demo round: about 140 people in 61 households, deterministic
(random.Random(2026)) and idempotent (households are created once, by reference code).

Dates of birth are derived from the round's arrival date so that the school and Kita figures
stay the same whenever the demo is seeded."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.demo import ensure_user, organisation
from accounts.models import User
from accounts.roles import Role
from municipalities.models import Municipality
from refugees.models import (
    CURRENT_CONSENT_VERSION,
    Consent,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    Relative,
    RoundHousehold,
)
from rounds.demo import demo_round

CASEWORKER = "beratung@rematch.example"
WOMEN = [
    "Olena",
    "Iryna",
    "Natalia",
    "Oksana",
    "Tetiana",
    "Yulia",
    "Svitlana",
    "Kateryna",
    "Halyna",
    "Liudmyla",
    "Mariia",
    "Viktoriia",
    "Anastasiia",
    "Inna",
    "Larysa",
    "Nadiia",
    "Valentyna",
    "Khrystyna",
    "Alina",
    "Daryna",
    "Sofiia",
    "Polina",
    "Zoriana",
    "Lesia",
]
MEN = [
    "Oleksandr",
    "Mykola",
    "Petro",
    "Ivan",
    "Vasyl",
    "Andrii",
    "Serhii",
    "Yurii",
    "Bohdan",
    "Taras",
    "Dmytro",
    "Maksym",
    "Artem",
    "Danylo",
    "Mykhailo",
    "Roman",
]
SURNAMES = [
    "Kovalenko",
    "Shevchenko",
    "Bondarenko",
    "Tkachenko",
    "Kravchenko",
    "Melnyk",
    "Boiko",
    "Koval",
    "Oliinyk",
    "Lysenko",
    "Marchenko",
    "Savchuk",
    "Rudenko",
    "Polishchuk",
    "Moroz",
    "Pavlenko",
    "Levchenko",
    "Kharchenko",
    "Sydorenko",
    "Hnatiuk",
    "Romaniuk",
    "Tkachuk",
    "Zinchenko",
    "Ponomarenko",
    "Kostenko",
    "Vasylenko",
    "Honcharuk",
]
# (education, occupation as a woman's and as a man's, KldB main group, years of experience),
# in German as a caseworker in Germany types it
JOBS = [
    ("master", ("Lehrerin (Mathematik)", "Lehrer (Mathematik)"), "84", 12),
    ("bachelor", ("Krankenpflegerin", "Krankenpfleger"), "81", 9),
    ("vocational", ("Friseurin", "Friseur"), "82", 7),
    ("master", ("Buchhalterin", "Buchhalter"), "72", 15),
    ("bachelor", ("Softwaretesterin", "Softwaretester"), "43", 5),
    ("vocational", ("Verkäuferin", "Verkäufer"), "62", 10),
    ("vocational", ("Köchin", "Koch"), "63", 8),
    ("master", ("Ökonomin", "Ökonom"), "71", 11),
    ("bachelor", ("Erzieherin", "Erzieher"), "83", 14),
    ("vocational", ("Näherin", "Näher"), "28", 20),
    ("master", ("Ärztin (Allgemeinmedizin)", "Arzt (Allgemeinmedizin)"), "81", 16),
    ("secondary", ("Reinigungskraft", "Reinigungskraft"), "54", 6),
    ("vocational", ("Elektrikerin", "Elektriker"), "26", 25),
    ("master", ("Bauingenieurin", "Bauingenieur"), "31", 18),
    ("bachelor", ("Marketingassistentin", "Marketingassistent"), "92", 4),
    ("vocational", ("Busfahrerin", "Busfahrer"), "52", 22),
]
RELATIVE_PLACES = [
    "kiel",
    "braunschweig",
    "troisdorf",
    "salzgitter",
    "rottenburg",
    "duesseldorf",
    "erfurt",
    "goerlitz",
    "wittenberge",
]
RELATIONS = ["Schwester", "Bruder", "Cousine", "Freundin", "Tante", "Tochter"]


def seed(*, scale: str, stdout: Any) -> None:
    round_ = demo_round()
    caseworker = User.objects.filter(email=CASEWORKER).first()
    _olena(round_, caseworker)
    if Household.objects.filter(reference="HH-DEMO-061").exists():
        return  # seeded before: idempotent
    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible on purpose
    plans = _plans(rng)
    households = [_create(i + 2, plan, round_, caseworker, rng) for i, plan in enumerate(plans)]
    for a, b in ((0, 40), (1, 41), (2, 28), (3, 29), (30, 31)):  # relatives travelling separately
        households[a].linked_households.add(households[b])
    stdout.write(f"  refugees: {len(households) + 1} demo households in '{round_.name}'\n")


def _olena(round_, caseworker: User | None) -> None:
    """HH-DEMO-001: a mother with two children who wishes a big city and has a sister in Kiel."""
    org = organisation()
    household, _ = Household.objects.get_or_create(
        reference="HH-DEMO-001",
        defaults={"organisation": org, "status": HouseholdStatus.READY, "caseworker": caseworker},
    )
    refugee = ensure_user(
        "olena@rematch.example", "Olena Kovalenko", Role.REFUGEE, preferred_language="uk"
    )
    if household.contact_user_id is None:
        household.contact_user = refugee
        household.save(update_fields=["contact_user"])
    if household.members.exists():
        return
    arrival = round_.arrival_date
    Member.objects.bulk_create(
        [
            Member(
                household=household,
                full_name="Olena Kovalenko",
                sex="f",
                relation="contact",
                date_of_birth=_born(arrival, 36, 40),
                education="master",
                occupation="Lehrerin (Mathematik)",
                sector="84",
                work_experience_years=12,
                languages=[
                    {"code": "uk", "level": "native"},
                    {"code": "ru", "level": "C1"},
                    {"code": "en", "level": "B1"},
                    {"code": "de", "level": "A2"},
                ],
            ),
            Member(
                household=household,
                full_name="Maksym Kovalenko",
                sex="m",
                relation="child",
                date_of_birth=_born(arrival, 9, 100),
                education="school",
                languages=[{"code": "uk", "level": "native"}, {"code": "en", "level": "A2"}],
            ),
            Member(
                household=household,
                full_name="Sofiia Kovalenko",
                sex="f",
                relation="child",
                date_of_birth=_born(arrival, 4, 200),
                languages=[{"code": "uk", "level": "native"}],
            ),
        ]
    )
    Needs.objects.update_or_create(household=household, defaults={"recorded_at": timezone.now()})
    Preferences.objects.update_or_create(
        household=household,
        defaults={
            "settlement_types": ["big_city"],
            "weight_work": 5,
            "weight_education": 5,
            "weight_community": 4,
            "weight_city_size": 4,
            "recorded_at": timezone.now(),
        },
    )
    Relative.objects.create(
        household=household,
        municipality=Municipality.objects.filter(slug="kiel").first(),
        place="" if Municipality.objects.filter(slug="kiel").exists() else "Kiel",
        relation="Schwester",
    )
    _consent_and_round(household, round_, caseworker)
    household.status = HouseholdStatus.READY
    household.save(update_fields=["status"])


def _born(arrival: date, age: int, day_offset: int) -> date:
    """A birthday that makes the person exactly ``age`` on the arrival date."""
    born = arrival - timedelta(days=round(age * 365.25) + day_offset % 360 + 2)
    return born


def _plans(rng: random.Random) -> list[dict]:
    """61 households minus HH-DEMO-001: the composition is fixed, the details are random."""
    school = [rng.randint(6, 17) for _ in range(34)]
    kita = [rng.randint(1, 5) for _ in range(11)]
    kids = school + kita + [0, 0]
    rng.shuffle(kids)
    plans: list[dict] = []
    plans += [{"kind": "mother", "kids": [], "adult_child": i < 9} for i in range(28)]
    plans += [{"kind": "mother_grandmother", "kids": []} for _ in range(6)]
    plans += [{"kind": "parents", "kids": [kids.pop(), kids.pop(), kids.pop()]} for _ in range(3)]
    for plan in plans:
        if not plan["kids"]:
            plan["kids"].append(kids.pop())
    for plan in plans[: len(kids)]:
        if plan["kind"] != "parents":
            plan["kids"].append(kids.pop())
    plans += [{"kind": "older_single", "kids": []} for _ in range(7)]
    plans += [{"kind": "older_couple", "kids": []} for _ in range(6)]
    plans += [{"kind": "mother_adult_daughter", "kids": []} for _ in range(6)]
    plans += [{"kind": "single_woman", "kids": []} for _ in range(4)]
    _assign_needs(plans)
    return plans


def _assign_needs(plans: list[dict]) -> None:
    # Indices into the 60 plans: families 0-36, older singles 37-43, older couples 44-49,
    # mother and adult daughter 50-55, single women 56-59.
    for i in (37, 38, 44, 45, 12):
        plans[i]["wheelchair"] = True
    for i in (3, 8, 14, 21, 33, 50, 56, 39):
        plans[i]["psychotherapy"] = True
    for i, care in (
        (46, "dialysis"),
        (40, "oncology"),
        (47, "cardiology"),
        (5, "paediatric_specialist"),
    ):
        plans[i]["specialist_care"] = [care]
    for i in (37, 44, 41, 48):
        plans[i]["care_needs"] = True
    for i in (1, 6, 17, 25, 42, 51, 53, 57):
        plans[i]["pets"] = True
    for n, i in enumerate((2, 7, 11, 19, 24, 29, 36, 43, 52)):
        plans[i]["relative"] = RELATIVE_PLACES[n]
    settlements = {
        4: ["big_city"],
        9: ["medium_town", "small_town"],
        15: ["big_city"],
        43: ["small_town", "rural"],
        49: ["medium_town"],
        58: ["big_city"],
    }
    for i, types in settlements.items():
        plans[i]["settlement_types"] = types
    for i, states in ((10, ["BY"]), (22, ["SN", "TH"]), (46, ["MV"]), (55, ["BB"])):
        plans[i]["excluded_states"] = states
    for i, states in ((13, ["NW"]), (27, ["BE", "HH"]), (54, ["BW"])):
        plans[i]["wished_states"] = states


def _create(number: int, plan: dict, round_, caseworker, rng: random.Random) -> Household:
    household = Household.objects.create(
        reference=f"HH-DEMO-{number:03d}",
        organisation=organisation(),
        caseworker=caseworker,
        status=HouseholdStatus.READY,
    )
    arrival = round_.arrival_date
    surname = rng.choice(SURNAMES)
    members = [_adult(household, arrival, rng, surname, role) for role in _adults(plan)]
    members += [_child(household, arrival, rng, surname, age) for age in plan["kids"]]
    for member in members:
        member.full_clean(exclude=["household"])
    Member.objects.bulk_create(members)
    Needs.objects.create(
        household=household,
        wheelchair=plan.get("wheelchair", False),
        psychotherapy=plan.get("psychotherapy", False),
        care_needs=plan.get("care_needs", False),
        specialist_care=plan.get("specialist_care", []),
        recorded_at=timezone.now(),
    )
    Preferences.objects.create(
        household=household,
        settlement_types=plan.get("settlement_types", []),
        wished_states=plan.get("wished_states", []),
        excluded_states=plan.get("excluded_states", []),
        has_pets=plan.get("pets", False),
        recorded_at=timezone.now(),
        **{name: rng.randint(1, 5) for name, _label in Preferences.WEIGHT_FIELDS},
    )
    if plan.get("relative"):
        Relative.objects.create(
            household=household,
            relation=rng.choice(RELATIONS),
            municipality=Municipality.objects.filter(slug=plan["relative"]).first(),
            place=plan["relative"].capitalize(),
        )
    _consent_and_round(household, round_, caseworker)
    return household


def _adults(plan: dict) -> list[tuple[str, str, int, int]]:
    """(relation, sex, youngest age, oldest age) of the adults of a household."""
    kind = plan["kind"]
    oldest_child = max(plan["kids"], default=0)
    oldest = 40 if plan.get("adult_child") else oldest_child + 20
    mother = ("contact", "f", max(22, oldest), 46)
    adults = {
        "mother": [mother] + ([("child", "f", 18, 22)] if plan.get("adult_child") else []),
        "mother_grandmother": [mother, ("parent", "f", 62, 78)],
        "parents": [("contact", "f", 30, 42), ("partner", "m", 36, 48)],
        "older_single": [("contact", "f", 66, 86)],
        "older_couple": [("contact", "f", 64, 80), ("partner", "m", 66, 84)],
        "mother_adult_daughter": [("contact", "f", 45, 62), ("child", "f", 19, 28)],
        "single_woman": [("contact", "f", 24, 45)],
    }[kind]
    return [(rel, sex, lo, max(lo, hi)) for rel, sex, lo, hi in adults]


def _adult(household, arrival, rng, surname, role) -> Member:
    relation, sex, lo, hi = role
    age = rng.randint(lo, hi)
    education, (as_woman, as_man), sector, years = rng.choice(JOBS)
    occupation = as_woman if sex == "f" else as_man
    languages = [
        {"code": "uk", "level": "native"},
        {"code": "ru", "level": rng.choice(["B2", "C1", "native"])},
    ]
    if age < 60 and rng.random() < 0.5:
        languages.append({"code": "en", "level": rng.choice(["A2", "B1", "B2"])})
    if rng.random() < 0.3:
        languages.append({"code": "de", "level": rng.choice(["A1", "A2", "B1"])})
    return Member(
        household=household,
        full_name=f"{rng.choice(WOMEN if sex == 'f' else MEN)} {surname}",
        sex=sex,
        relation=relation,
        date_of_birth=_born(arrival, age, rng.randint(0, 359)),
        languages=languages,
        education=education if age >= 20 else "secondary",
        occupation=occupation if age >= 20 else "",
        sector=sector if age >= 20 else "",
        work_experience_years=min(years, max(0, age - 20)),
    )


def _child(household, arrival, rng, surname, age: int) -> Member:
    sex = rng.choice("fm")
    offset = rng.randint(90, 300) if age == 0 else rng.randint(0, 359)  # babies: born already
    languages = [{"code": "uk", "level": "native"}]
    if age >= 8:
        languages.append({"code": "en", "level": rng.choice(["A1", "A2"])})
    return Member(
        household=household,
        full_name=f"{rng.choice(WOMEN if sex == 'f' else MEN)} {surname}",
        sex=sex,
        relation="child",
        date_of_birth=_born(arrival, age, offset),
        languages=languages,
        education="school" if age >= 6 else "",
    )


def _consent_and_round(household: Household, round_, caseworker) -> None:
    if not household.consents.exists():
        Consent.objects.create(
            household=household,
            text_version=CURRENT_CONSENT_VERSION,
            given_at=timezone.now(),
            recorded_by=caseworker,
        )
    RoundHousehold.objects.get_or_create(
        round=round_, household=household, defaults={"added_by": caseworker}
    )
