"""Choice lists shared by the municipal questionnaire and the household profile, so that the two
sides of a match speak the same vocabulary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    """Occupational sectors: the 37 main groups (Berufshauptgruppen) of the KldB 2010."""

    MILITARY = "01", _("Armed forces")
    AGRICULTURE = "11", _("Agriculture, forestry and animal husbandry")
    HORTICULTURE = "12", _("Horticulture and floristry")
    RAW_MATERIALS = "21", _("Raw materials, glass and ceramics")
    PLASTICS_WOOD = "22", _("Plastics and wood processing")
    PRINTING = "23", _("Paper, printing and media design")
    METAL = "24", _("Metal production, metalworking and construction")
    MACHINERY = "25", _("Mechanical and automotive engineering")
    ELECTRICAL = "26", _("Mechatronics, energy and electrical occupations")
    ENGINEERING = "27", _("Technical research, development and production control")
    TEXTILES = "28", _("Textile and leather occupations")
    FOOD = "29", _("Food production and processing")
    ARCHITECTURE = "31", _("Construction planning, architecture and surveying")
    CONSTRUCTION = "32", _("Building construction and civil engineering")
    INTERIOR = "33", _("Interior construction")
    BUILDING_SERVICES = "34", _("Building services engineering")
    SCIENCE = "41", _("Mathematics, biology, chemistry and physics")
    GEOSCIENCE = "42", _("Geology, geography and environmental protection")
    IT = "43", _("Computer science, information and communication technology")
    LOGISTICS = "51", _("Traffic and logistics (without vehicle driving)")
    DRIVERS = "52", _("Drivers and operators of vehicles")
    SECURITY = "53", _("Protection, security and surveillance")
    CLEANING = "54", _("Cleaning services")
    PURCHASING = "61", _("Purchasing, sales and trading")
    RETAIL = "62", _("Sales occupations (retail)")
    TOURISM = "63", _("Tourism, hotels and restaurants")
    MANAGEMENT = "71", _("Business management and organisation")
    FINANCE = "72", _("Financial services, accounting and tax consultancy")
    LAW_ADMINISTRATION = "73", _("Law and public administration")
    MEDICAL = "81", _("Medical health care (including nursing)")
    NON_MEDICAL_CARE = "82", _("Non-medical health care, body care, wellness, medical technology")
    EDUCATION_SOCIAL = "83", _("Education, social work, housekeeping, theology")
    TEACHING = "84", _("Teaching and training")
    HUMANITIES = "91", _("Philology, humanities, social sciences and economics")
    MARKETING = "92", _("Advertising, marketing, commercial and editorial media")
    DESIGN = "93", _("Product design, arts and crafts, fine arts, instrument making")
    PERFORMING_ARTS = "94", _("Performing arts and entertainment")


class SpecialistCare(models.TextChoices):
    """Specialist care a household may need and a municipality may reach (categories, not
    diagnoses)."""

    DIALYSIS = "dialysis", _("Dialysis")
    ONCOLOGY = "oncology", _("Oncology")
    CARDIOLOGY = "cardiology", _("Cardiology")
    DIABETOLOGY = "diabetology", _("Diabetology")
    NEUROLOGY = "neurology", _("Neurology")
    PAEDIATRIC_SPECIALIST = "paediatric_specialist", _("Paediatric specialist care")
    ORTHOPAEDICS = "orthopaedics", _("Orthopaedics and rehabilitation")
    HIV = "infectiology", _("Infectiology")


# The capacity dimensions passed to the matching engine (matching-instance.md).
DIMENSIONS = ("persons", "school", "kita", "accessible", "psychotherapy")

# Ages on the round's arrival date that create a demand for school or Kita places.
SCHOOL_AGES = range(6, 18)
KITA_AGES = range(1, 6)


def age_on(born: date, day: date) -> int:
    """Completed years on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def member_demand(born: date | None, arrival: date) -> dict[str, int]:
    """What one member needs on the arrival date, in DIMENSIONS: a place as a person, and a school
    or Kita place by age. Without a date of birth no age is guessed: a person, neither place."""
    demand = dict.fromkeys(DIMENSIONS, 0)
    demand["persons"] = 1
    if born is not None:
        age = age_on(born, arrival)
        demand["school"] = int(age in SCHOOL_AGES)
        demand["kita"] = int(age in KITA_AGES)
    return demand


def household_demand(
    birth_dates: Iterable[date | None], arrival: date, *, wheelchair: bool, psychotherapy: bool
) -> dict[str, int]:
    """The household demand rule, the one the caseworker's screen and the optimiser both use:
    the members' demands summed, plus an accessible flat and a psychotherapy place if needed."""
    total = dict.fromkeys(DIMENSIONS, 0)
    for born in birth_dates:
        for dimension, amount in member_demand(born, arrival).items():
            total[dimension] += amount
    total["accessible"] = int(wheelchair)
    total["psychotherapy"] = int(psychotherapy)
    return total
