"""Example content for the public programme page of the demo. It says on the page that it is an
example, names no real person and quotes no one: the quotes are marked as examples too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from portal.models import PhaseKind, ProgrammeContent, Quote, TimelinePhase

YEAR = 2027

TEXTS: dict[str, dict[str, Any]] = {
    "de": {
        "title": "Beispielprogramm 2027 (Beispieltext)",
        "summary": (
            "Dies ist ein Beispieltext der Demo-Installation. Hier beschreibt die "
            "Koordinierungsstelle ihr Programm: Kommunen nehmen freiwillig Schutzsuchende auf, "
            "und Re:Match schlägt vor, wer wo am besten ankommen kann.\n\n"
            "Die Koordinierungsstelle ersetzt diesen Text unter „Öffentliche Seiten“."
        ),
        "operator": "Hier steht, wer das Programm trägt und wer die Plattform betreibt (Beispiel).",
        "commitments": (
            "Eine Zusage für eine Zahl von Personen im Programmjahr\n"
            "Den Fragebogen zu Wohnraum, Schul- und Kitaplätzen und Versorgung ausfüllen\n"
            "Die Teilnahme an der Evaluation (Fragebogen und Workshop)"
        ),
        "benefits": (
            "Vorschläge von Haushalten, die zu dem passen, was die Kommune bietet\n"
            "Begleitung durch die Koordinierungsstelle\n"
            "Die Ergebnisse der Evaluation"
        ),
        "contact_name": "Koordinierungsstelle (Beispiel)",
        "contact_role": "Ansprechstelle für Kommunen",
        "contact_organisation": "Beispielorganisation",
        "contact_email": "koordination@rematch.example",
        "quotes": [
            (
                "Beispielzitat: Hier steht, was eine teilnehmende Kommune über das Programm sagt.",
                "Beispielperson",
                "Funktion in einer Beispielkommune",
            )
        ],
    },
    "en": {
        "title": "Example programme 2027 (example text)",
        "summary": (
            "This is example text of the demo installation. Here the coordination office "
            "describes its programme: municipalities volunteer to receive people seeking "
            "protection, and Re:Match proposes who can settle best where.\n\n"
            "The coordination office replaces this text under “Public pages”."
        ),
        "operator": "This says who runs the programme and who operates the platform (example).",
        "commitments": (
            "A pledge of a number of people for the programme year\n"
            "Filling in the questionnaire on housing, school and Kita places and care\n"
            "Taking part in the evaluation (questionnaire and workshop)"
        ),
        "benefits": (
            "Proposals of households that fit what the municipality offers\n"
            "Support from the coordination office\n"
            "The results of the evaluation"
        ),
        "contact_name": "Coordination office (example)",
        "contact_role": "Contact for municipalities",
        "contact_organisation": "Example organisation",
        "contact_email": "koordination@rematch.example",
        "quotes": [
            (
                "Example quote: this is where a participating municipality says what it thinks "
                "of the programme.",
                "Example person",
                "Role in an example municipality",
            )
        ],
    },
    "uk": {
        "title": "Приклад програми 2027 (приклад тексту)",
        "summary": (
            "Це приклад тексту демонстраційної версії. Тут координаційний офіс описує свою "
            "програму: муніципалітети добровільно приймають людей, які шукають захисту, а Re:Match "
            "пропонує, хто де найкраще зможе облаштуватися.\n\n"
            "Координаційний офіс замінює цей текст у розділі «Публічні сторінки»."
        ),
        "operator": "Тут зазначено, хто проводить програму і хто керує платформою (приклад).",
        "commitments": (
            "Зобов'язання прийняти певну кількість людей протягом року програми\n"
            "Заповнення анкети про житло, місця в школах і дитсадках та медичне забезпечення\n"
            "Участь в оцінюванні (анкета та семінар)"
        ),
        "benefits": (
            "Пропозиції домогосподарств, які відповідають можливостям муніципалітету\n"
            "Супровід координаційного офісу\n"
            "Результати оцінювання"
        ),
        "contact_name": "Координаційний офіс (приклад)",
        "contact_role": "Контакт для муніципалітетів",
        "contact_organisation": "Приклад організації",
        "contact_email": "koordination@rematch.example",
        "quotes": [
            (
                "Приклад цитати: тут муніципалітет-учасник розповідає, що він думає про програму.",
                "Приклад особи",
                "Посада в муніципалітеті-прикладі",
            )
        ],
    },
}

PHASES = [
    (PhaseKind.APPLICATION, date(YEAR, 1, 15), date(YEAR, 3, 31)),
    (PhaseKind.QUESTIONNAIRE, date(YEAR, 5, 1), date(YEAR, 7, 31)),
    (PhaseKind.RECEPTION, date(YEAR, 6, 1), date(YEAR, 7, 31)),
    (PhaseKind.EVALUATION_SURVEY, date(YEAR, 8, 1), date(YEAR, 9, 30)),
    (PhaseKind.WORKSHOP, date(YEAR, 9, 23), date(YEAR, 9, 23)),
]


def _workshop() -> None:
    """An example evaluation workshop for the open demo round, so staff can register."""
    from zoneinfo import ZoneInfo

    from evaluation.models import Workshop
    from rounds.models import Round, RoundStatus

    round_ = Round.objects.exclude(status=RoundStatus.CLOSED).order_by("created_at").first()
    if round_ is None or Workshop.objects.filter(round=round_).exists():
        return
    berlin = ZoneInfo("Europe/Berlin")
    Workshop.objects.create(
        round=round_,
        title="Evaluationsworkshop (Beispiel)",
        starts_at=datetime(YEAR, 9, 23, 10, 0, tzinfo=berlin),
        ends_at=datetime(YEAR, 9, 23, 16, 0, tzinfo=berlin),
        place="Beispielort (Beispiel)",
        online_url="https://meet.rematch.example/workshop",
        capacity=20,
        description="Beispiel: Rückblick auf die Aufnahme, Ergebnisse der Befragung.",
    )


def seed(*, scale: str, stdout: Any) -> None:
    _workshop()
    for language, text in TEXTS.items():
        fields = {k: v for k, v in text.items() if k != "quotes"}
        content, created = ProgrammeContent.objects.get_or_create(
            language=language, defaults={**fields, "is_example": True}
        )
        if created:
            Quote.objects.bulk_create(
                Quote(content=content, text=t, speaker_name=n, speaker_role=r, position=i)
                for i, (t, n, r) in enumerate(text["quotes"])
            )
    if not TimelinePhase.objects.exists():
        TimelinePhase.objects.bulk_create(
            TimelinePhase(year=YEAR, kind=kind, starts_on=start, ends_on=end)
            for kind, start, end in PHASES
        )
