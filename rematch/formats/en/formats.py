"""English as it is read in Europe: day before month and the 24-hour clock. Django's default
(US) ends a time with "p.m.", which met a sentence's full stop ("by 5 p.m..") and put the month
first in short dates."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = "j F"
