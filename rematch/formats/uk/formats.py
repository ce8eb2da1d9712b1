"""Ukrainian dates without Django's trailing "р.": in a sentence it met the full stop ("до
3 грудня 2026 р..") and read as an abbreviation. The month stays in the genitive (E)."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
