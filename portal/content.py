"""Reading and changing the programme's own words (see :mod:`portal.models`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.audit import audit_log, changes_between
from accounts.models import User
from portal.models import ProgrammeContent, Quote, TimelinePhase

CONTENT_FIELDS = (
    "title",
    "summary",
    "operator",
    "commitments",
    "benefits",
    "contact_name",
    "contact_role",
    "contact_organisation",
    "contact_email",
    "contact_phone",
    "is_example",
)
QUOTE_FIELDS = ("text", "speaker_name", "speaker_role")


@dataclass
class Programme:
    """What the programme page shows: the content in the reader's language (or the fallback
    language, named so the page can mark it), its quotes, and the current year's timeline."""

    content: ProgrammeContent | None
    quotes: list[Quote] = field(default_factory=list)
    year: int | None = None
    phases: list[TimelinePhase] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.content.language if self.content else settings.LANGUAGE_CODE


def content_for(language: str) -> ProgrammeContent | None:
    """The content in ``language``, else in the default language, else in any language."""
    by_language = {c.language: c for c in ProgrammeContent.objects.all()}
    for code in (language, settings.LANGUAGE_CODE, *sorted(by_language)):
        if code in by_language:
            return by_language[code]
    return None


def current_year(today: date | None = None) -> int | None:
    """The programme year that has not ended yet (the earliest such), else the latest one."""
    today = today or timezone.localdate()
    phases = TimelinePhase.objects.order_by("year")
    running = phases.filter(ends_on__gte=today).values_list("year", flat=True).first()
    return running or phases.reverse().values_list("year", flat=True).first()


def programme_for(language: str) -> Programme:
    content = content_for(language)
    year = current_year()
    return Programme(
        content=content,
        quotes=list(content.quotes.all()) if content else [],
        year=year,
        phases=list(TimelinePhase.objects.filter(year=year)) if year else [],
    )


def _check(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDenied


@transaction.atomic
def programme_content_save(
    *, language: str, data: dict[str, Any], quotes: list[dict[str, Any]], by: User
) -> ProgrammeContent:
    """Publish one language version of the programme page with its quotes, in this order."""
    _check(by)
    content, created = ProgrammeContent.objects.select_for_update().get_or_create(
        language=language, defaults={k: data[k] for k in CONTENT_FIELDS if k in data}
    )
    before = {} if created else model_to_dict(content, fields=CONTENT_FIELDS)
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(content, name, data[name])
    content.updated_at, content.updated_by = timezone.now(), by
    content.full_clean()
    content.save()
    old_quotes = list(content.quotes.values(*QUOTE_FIELDS))
    content.quotes.all().delete()
    new_quotes = [Quote(content=content, position=i, **q) for i, q in enumerate(quotes)]
    for quote in new_quotes:
        quote.full_clean()
    Quote.objects.bulk_create(new_quotes)
    changes = changes_between(before, model_to_dict(content, fields=CONTENT_FIELDS))
    if old_quotes != [{k: q[k] for k in QUOTE_FIELDS} for q in quotes]:
        changes["quotes"] = [len(old_quotes), len(new_quotes)]
    audit_log(actor=by, action="portal.content.saved", target=content, changes=changes)
    return content


@transaction.atomic
def timeline_save(*, phases: list[dict[str, Any]], by: User) -> list[TimelinePhase]:
    """Replace the timeline with ``phases`` (every year at once, as the form shows them)."""
    _check(by)
    rows = [TimelinePhase(**phase) for phase in phases]
    for row in rows:
        row.full_clean()
    before = TimelinePhase.objects.count()
    TimelinePhase.objects.all().delete()
    TimelinePhase.objects.bulk_create(rows)
    audit_log(
        actor=by,
        action="portal.timeline.saved",
        changes={"phases": [before, len(rows)]},
        label="timeline",
    )
    return rows
