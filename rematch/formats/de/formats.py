"""German dates as the other languages write them: a comma between the date and the time."""

DATETIME_FORMAT = "j. F Y, H:i"
