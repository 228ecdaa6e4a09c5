"""The years a text can be dated to: read by the metadata of ingest and the year filters of the index."""
from datetime import date

# The founding of the PRC: the work-safety texts here are its laws, rules and speeches, and an
# earlier four-digit number in a text is an amount or a code, not its year.
FIRST_YEAR = 1949


def plausible_year(year: int) -> bool:
    return FIRST_YEAR <= year <= date.today().year + 1
