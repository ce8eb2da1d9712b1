"""Calendar files as RFC 5545 wants them: escaping, folding at 75 octets, CRLF, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from core.ics import Event, calendar_bytes, escape_text, fold

NOW = datetime(2027, 8, 1, 9, 0, tzinfo=UTC)


def _event(**extra) -> Event:
    fields = {
        "uid": "workshop-1@rematch.example",
        "starts_at": datetime(2027, 9, 23, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        "ends_at": datetime(2027, 9, 23, 16, 0, tzinfo=timezone(timedelta(hours=2))),
        "summary": "Evaluationsworkshop",
    }
    return Event(**{**fields, **extra})


def test_text_escapes_backslash_semicolon_comma_and_newlines():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "Україна, " * 20
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line  # unfolds back
    assert fold("SUMMARY:short") == "SUMMARY:short"


def test_a_calendar_file_has_crlf_lines_utc_times_and_the_required_properties():
    content = calendar_bytes(
        _event(location="Rathaus, Saal 2; 1. OG", description="Bitte\nmitbringen: Fragen"),
        now=NOW,
    ).decode("utf-8")
    assert content.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert content.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert "\n" not in content.replace("\r\n", "")
    assert "DTSTART:20270923T080000Z\r\n" in content
    assert "DTEND:20270923T140000Z\r\n" in content
    assert "DTSTAMP:20270801T090000Z\r\n" in content
    assert "UID:workshop-1@rematch.example\r\n" in content
    assert "LOCATION:Rathaus\\, Saal 2\\; 1. OG\r\n" in content
    assert "DESCRIPTION:Bitte\\nmitbringen: Fragen\r\n" in content
