"""The register's spreadsheet columns in each language.

A column is named by its code (``household_no``): the English export writes the codes, as
every import so far reads them. A Chinese export writes each column's Chinese name (户号),
and the importer reads any of the spellings (the code, the English name, the Chinese name),
so an export in either language imports back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache

from gridgov.errors import ValidationFailed
from gridgov.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Message, gettext
from gridgov.registry.spreadsheets import TableRows

# Each column's name for people (a message id: the catalogs hold the other languages).
COLUMN_NAMES = {
    "village_code": N_("Village code"),
    "household_no": N_("Household number"),
    "address": N_("Address"),
    "unit_code": N_("Unit code"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "name": N_("Full name"),
    "sex": N_("Sex"),
    "birth_date": N_("Date of birth"),
    "id_number": N_("ID number"),
    "phone": N_("Phone"),
    "relation_to_head": N_("Relation to the head of household"),
    "residence_status": N_("Residence status"),
    "key_groups": N_("Key groups"),
}


def header_of(columns: Sequence[str], language: str) -> tuple[str, ...]:
    """The header an export in ``language`` writes: the codes in English, the columns'
    names in another language."""
    if language == SOURCE_LANGUAGE:
        return tuple(columns)
    return tuple(gettext(language, COLUMN_NAMES[column]) for column in columns)


@cache
def _spellings() -> dict[str, str]:
    """Every accepted spelling of a column (case-insensitive) -> its code."""
    spellings: dict[str, str] = {}
    for code, name in COLUMN_NAMES.items():
        spellings[code.casefold()] = code
        for language in LANGUAGES:
            spellings[gettext(language, name).casefold()] = code
    return spellings


def column_code(spelling: str) -> str:
    """The code a header cell names, or the cell as it is (an unknown column, reported as
    such by the importer)."""
    return _spellings().get(spelling.strip().casefold(), spelling)


def with_column_codes(rows: TableRows) -> TableRows:
    """The table with its columns named by their codes, whatever language its header is in.
    Two cells naming one column (``户号`` and ``household_no``) are refused."""
    codes = tuple(column_code(column) for column in rows.columns)
    if codes == rows.columns:
        return rows
    seen: set[str] = set()
    for spelling, code in zip(rows.columns, codes, strict=True):
        if code in seen and code:
            raise ValidationFailed.field(
                spelling, Message("this column appears twice in the header")
            )
        seen.add(code)
    renames = dict(zip(rows.columns, codes, strict=True))

    def renamed() -> Iterator[tuple[int, dict[str, str]]]:
        for line, row in rows:
            yield line, {renames.get(name, name): text for name, text in row.items()}

    return TableRows(codes, renamed(), rows.size_hint)
