"""Reference data: the lists the organisation supplies (refugees, political targeting, country context,
interstate disputes, the reviewer roster, the member countries, the offence classification), loaded from
CSV and read by screening, by the workflows (the members a broadcast goes to) and by the API (who may
request, and to whom; which codes a charge's category may carry).

Loading validates the whole file first and writes nothing when any row is bad: every problem is
reported by line number and column, so the file can be fixed in one go. A load replaces that list in
one transaction; the same content loaded again changes nothing (compared by a hash of the parsed
rows, so line endings and surrounding spaces do not count as changes).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pycountry
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, insert, or_, select, text

import registry.rescreen as rescreen
from models.activities import LoadReport, ReferenceProblem
from models.reference import (
    CountryContextRecord,
    DuplicateCandidate,
    InterstateDisputeRecord,
    KnownName,
    Member,
    NcbLanguage,
    OffenceCode,
    PoliticalTargetRecord,
    ReferenceKind,
    RefugeeRecord,
    RefugeeStatus,
    ReviewerRole,
)
from models.request import PartialDate
from models.rescreen import RESCREEN_KINDS
from registry.audit import append_audit, canonical_json
from registry.database import Database, dialect_of, in_chunks
from registry.pending_names import PendingNames
from registry.published_names import PublishedNames
from registry.tables import (
    NOT_PENDING_STAGES,
    REFERENCE_TABLES,
    REQUEST_ALIASES,
    CountryContextRow,
    InterstateDisputeRow,
    MemberRow,
    NoticeRow,
    OffenceClassificationRow,
    PoliticalTargetingRow,
    ReferenceVersionRow,
    RefugeeRow,
    RequestRow,
    alias_names,
    name_tokens,
)
from screening.vocabulary import NameVocabulary

logger = logging.getLogger(__name__)

REFERENCE_LOCK_KEY = 0x4E44_5446_5245_4600
"""Advisory lock base for loads on PostgreSQL (one per kind: base + index of the kind)."""

CONTEXT_KINDS = ("unrest", "regime_change", "armed_conflict", "election", "coup")
REFUGEE_STATUSES = tuple(status.value for status in RefugeeStatus)
REFUGEE_STATUS_SYNONYMS = {"recognised": RefugeeStatus.GRANTED.value, "recognized": RefugeeStatus.GRANTED.value}
"""How files may also write a status: a recognised refugee is ``granted``, as files before asylum seekers
wrote it (so their content, and its hash, stay the same)."""
ENTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,59}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
FIRST_MEMBERSHIP_YEAR = 1923
"""The International Criminal Police Commission, the organisation's forerunner, was founded in 1923."""
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
OFFENCE_CODE = re.compile(r"^\d{2}(?:\d{2}(?:\d{1,2})?)?$")
"""A code of the offence classification (ICCS): section 07, division 0701, group 07011, class 070111."""
OFFENCE_LABEL_CHARS = 200
_partial_date = TypeAdapter(PartialDate)


REFUGEE_COLUMNS = (
    RefugeeRow.family_name,
    RefugeeRow.forenames,
    RefugeeRow.date_of_birth,
    RefugeeRow.nationalities,
    RefugeeRow.granted_by,
    RefugeeRow.persecution_country,
    RefugeeRow.status,
    RefugeeRow.decided_on,
    RefugeeRow.applied_on,
    RefugeeRow.confirmed_on,
    RefugeeRow.entry_id,
)
TARGET_COLUMNS = (
    PoliticalTargetingRow.family_name,
    PoliticalTargetingRow.forenames,
    PoliticalTargetingRow.date_of_birth,
    PoliticalTargetingRow.nationalities,
    PoliticalTargetingRow.country,
    PoliticalTargetingRow.kind,
    PoliticalTargetingRow.note,
    PoliticalTargetingRow.entry_id,
)
"""Plain columns for the lists the screening index holds: no ORM objects for a million rows."""


CANDIDATE_COLUMNS = (
    RequestRow.request_id,
    RequestRow.requesting_ncb,
    RequestRow.stage,
    RequestRow.family_name,
    RequestRow.forenames,
    RequestRow.date_of_birth,
    RequestRow.nationalities,
)
"""What a pending request's duplicate candidate carries, with its aliases (``REQUEST_ALIASES``)."""


def _candidate(row: Any, stage: str, aliases: Any) -> DuplicateCandidate:
    """A candidate with every name on file: the row's subject, and ``aliases`` as ``REQUEST_ALIASES`` reads them."""
    return DuplicateCandidate(
        request_id=row.request_id,
        notice_id=row.notice_id if isinstance(row, NoticeRow) else "",
        requesting_ncb=row.requesting_ncb,
        stage=stage,
        family_name=row.family_name,
        forenames=row.forenames,
        date_of_birth=row.date_of_birth or "",
        nationalities=list(row.nationalities),
        aliases=[KnownName(family_name=family, forenames=forenames) for family, forenames in alias_names(aliases)],
    )


def _holders(wanted: set[str], vocabularies: Sequence[NameVocabulary]) -> set[str]:
    """Every holder of a name token one of the wanted tokens accepts, in any of the vocabularies."""
    return {holder for vocabulary in vocabularies for token in wanted for holder in vocabulary.holding_any(token)}


def iso_countries() -> list[str]:
    """Every ISO 3166-1 alpha-2 code: what stands for the member list while none is loaded
    (``ReferenceStore.member_ncbs``)."""
    return sorted(country.alpha_2 for country in pycountry.countries)


class ReferenceDataError(Exception):
    """A reference file that cannot be loaded; ``problems`` lists every bad cell by line and column."""

    def __init__(self, kind: ReferenceKind, problems: list[ReferenceProblem]) -> None:
        self.kind = kind
        self.problems = problems
        shown = "; ".join(f"line {p.line}, {p.field}: {p.message}" for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{kind.value}: {len(problems)} problem(s), nothing loaded: {shown}{more}")


# --- parsing one cell ----------------------------------------------------------------------------


def _required(value: str) -> str:
    if not value:
        raise ValueError("is required")
    return value


def _optional(value: str) -> str:
    return value


def _country(value: str) -> str:
    code = value.upper()
    if not code:
        raise ValueError("is required")
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


def _countries(value: str) -> list[str]:
    codes = [part.strip().upper() for part in value.split(";") if part.strip()]
    bad = [code for code in codes if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None]
    if bad:
        raise ValueError(f"not ISO 3166-1 alpha-2 country codes: {', '.join(bad)}")
    return list(dict.fromkeys(codes))


def _partial(value: str) -> str:
    if not value:
        return ""
    try:
        return _partial_date.validate_python(value)
    except ValidationError as error:
        raise ValueError(error.errors()[0]["msg"]) from None


def _iso_date(value: str) -> str:
    if not _ISO_DATE.match(value):
        raise ValueError(f"'{value}' is not a date of the form YYYY-MM-DD" if value else "is required")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a real calendar date") from None
    return value


def _optional_iso_date(value: str) -> str | None:
    return _iso_date(value) if value else None


def _year_or_date(value: str) -> str:
    """A year (YYYY) or an ISO date, from 1923 to today."""
    if _YEAR.match(value):
        year = int(value)
    elif _ISO_DATE.match(value):
        year = date.fromisoformat(_iso_date(value)).year
    else:
        raise ValueError(f"'{value}' is not a year (YYYY) or a date (YYYY-MM-DD)" if value else "is required")
    if value > date.today().isoformat()[: len(value)]:
        raise ValueError(f"'{value}' is in the future")
    if year < FIRST_MEMBERSHIP_YEAR:
        raise ValueError(f"'{value}' is before the organisation existed ({FIRST_MEMBERSHIP_YEAR})")
    return value


def _language(value: str) -> str:
    """An NCB's working language; English when left empty."""
    if not value:
        return NcbLanguage.ENGLISH.value
    allowed = [language.value for language in NcbLanguage]
    if value.lower() not in allowed:
        raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
    return value.lower()


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.lower() not in allowed:
            raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
        return value.lower()

    return parse


def _refugee_status(value: str) -> str:
    status = REFUGEE_STATUS_SYNONYMS.get(value.lower(), value.lower())
    if status not in REFUGEE_STATUSES:
        raise ValueError(f"'{value}' is not one of {', '.join(REFUGEE_STATUSES)} (or recognised, for granted)")
    return status


def _entry_id(value: str) -> str:
    """The file's own id for an entry; empty when it gives none."""
    if value and not ENTRY_ID.match(value):
        raise ValueError(f"'{value}' is not an entry id (letters, digits, '.', '_', ':', '-'; at most 60)")
    return value


def _refugee_check(parsed: dict[str, Any]) -> list[tuple[str, str]]:
    """Dates in the order the procedure takes: applied, decided, confirmed; an asylum seeker is not yet
    decided on."""
    problems: list[tuple[str, str]] = []
    applied, decided, confirmed = parsed["applied_on"], parsed["decided_on"], parsed["confirmed_on"]
    if applied and decided and decided < applied:
        problems.append(("decided_on", f"is before the application ({applied})"))
    if confirmed and decided and confirmed < decided:
        problems.append(("confirmed_on", f"is before the decision ({decided})"))
    if parsed["status"] == RefugeeStatus.ASYLUM_SEEKER.value and confirmed:
        problems.append(("confirmed_on", "an asylum seeker's status is not confirmed yet (status confirmed?)"))
    return problems


def _slug(value: str) -> str:
    slug = value.strip().lower().replace(" ", "_").replace("-", "_")
    if not _SLUG.match(slug):
        raise ValueError("is required (a word such as activist, journalist, opposition, art3_refusal)")
    return slug


def _roles(value: str) -> list[str]:
    roles = [part.strip().lower() for part in value.split(";") if part.strip()]
    allowed = [role.value for role in ReviewerRole]
    bad = [role for role in roles if role not in allowed]
    if bad:
        raise ValueError(f"unknown role(s) {', '.join(bad)}; roles are {', '.join(allowed)}")
    if not roles:
        raise ValueError(f"at least one role is required ({', '.join(allowed)})")
    return list(dict.fromkeys(roles))


def _offence_code(value: str) -> str:
    """A code of the offence classification: 2 digits (section), 4 (division), 5 (group) or 6 (class)."""
    if not value:
        raise ValueError("is required")
    if not OFFENCE_CODE.match(value):
        raise ValueError(f"'{value}' is not a classification code (2, 4, 5 or 6 digits, such as 07, 0701, 07011)")
    return value


def _parent_code(value: str) -> str:
    return _offence_code(value) if value else ""


def _label(value: str) -> str:
    if not value:
        raise ValueError("is required")
    if len(value) > OFFENCE_LABEL_CHARS:
        raise ValueError(f"is at most {OFFENCE_LABEL_CHARS} characters (got {len(value)})")
    return value


def _classification_check(parsed: dict[str, Any]) -> list[tuple[str, str]]:
    """A section has no parent; any other code lies directly under its parent (0701 under 07, 07011 under
    0701, 070111 under 07011)."""
    code, parent = parsed["code"], parsed["parent"]
    if len(code) == 2:
        return [("parent", f"a section ({code}) has no parent (found {parent})")] if parent else []
    expected = {4: code[:2], 5: code[:4], 6: code[:5]}[len(code)]
    if parent != expected:
        return [("parent", f"the parent of {code} is {expected}" + (f" (found {parent})" if parent else ""))]
    return []


def _parents_listed(rows: list[tuple[int, dict[str, Any]]]) -> list[ReferenceProblem]:
    codes = {parsed["code"] for _line, parsed in rows}
    return [
        ReferenceProblem(line=line, field="parent", message=f"parent {parsed['parent']} is not listed in the file")
        for line, parsed in rows
        if parsed["parent"] and parsed["parent"] not in codes
    ]


# --- what each file looks like -------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    columns: dict[str, Callable[[str], Any]]
    """CSV column -> parser; the header must list exactly these, in this order (then any ``optional``)."""
    to_row: Callable[[dict[str, Any]], dict[str, Any]]
    """Parsed cells -> table columns."""
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] = lambda _row: []
    """Cross-column checks once every cell parsed: (field, message) pairs."""
    optional: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    """Columns the header may add after ``columns`` (each once, in any order); a file without one
    gets what its parser makes of an empty cell."""
    key: tuple[str, str] | None = None
    """(column, what a row is) when a value may appear on one row only, e.g. ("reviewer_id", "reviewer")."""
    at_least_one: bool = False
    """A file with no row is refused (a list that cannot be empty)."""
    file_check: Callable[[list[tuple[int, dict[str, Any]]]], list[ReferenceProblem]] = lambda _rows: []
    """Checks across rows once every row parsed (line, parsed cells): e.g. a parent listed in the file."""


def _period_check(parsed: dict[str, Any]) -> list[tuple[str, str]]:
    if parsed["to"] and parsed["to"] < parsed["from"]:
        return [("to", f"ends ({parsed['to']}) before it starts ({parsed['from']})")]
    return []


def _dispute_check(parsed: dict[str, Any]) -> list[tuple[str, str]]:
    problems = _period_check(parsed)
    if parsed["country_a"] == parsed["country_b"]:
        problems.append(("country_b", "a dispute needs two different countries"))
    return problems


def _period_row(parsed: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in parsed.items() if k not in ("from", "to")}
    return {**row, "from_date": parsed["from"], "to_date": parsed["to"]}


FORMATS: dict[ReferenceKind, _Format] = {
    ReferenceKind.REFUGEES: _Format(
        columns={
            "family_name": _required,
            "forenames": _optional,
            "date_of_birth": _partial,
            "nationalities": _countries,
            "granted_by": _country,
            "persecution_country": _country,
            "status": _refugee_status,
            "decided_on": _optional_iso_date,
        },
        optional={"applied_on": _optional_iso_date, "confirmed_on": _optional_iso_date, "entry_id": _entry_id},
        to_row=lambda parsed: dict(parsed),
        check=_refugee_check,
    ),
    ReferenceKind.POLITICAL_TARGETING: _Format(
        columns={
            "family_name": _required,
            "forenames": _optional,
            "date_of_birth": _partial,
            "nationalities": _countries,
            "country": _country,
            "kind": _slug,
            "note": _optional,
        },
        optional={"entry_id": _entry_id},
        to_row=lambda parsed: dict(parsed),
    ),
    ReferenceKind.COUNTRY_CONTEXT: _Format(
        columns={
            "country": _country,
            "kind": _one_of(*CONTEXT_KINDS),
            "from": _iso_date,
            "to": _optional_iso_date,
            "note": _optional,
        },
        to_row=_period_row,
        check=_period_check,
    ),
    ReferenceKind.INTERSTATE_DISPUTES: _Format(
        columns={
            "country_a": _country,
            "country_b": _country,
            "from": _iso_date,
            "to": _optional_iso_date,
            "note": _optional,
        },
        to_row=_period_row,
        check=_dispute_check,
    ),
    ReferenceKind.REVIEWERS: _Format(
        columns={"reviewer_id": _required, "name": _required, "roles": _roles},
        to_row=lambda parsed: dict(parsed),
        key=("reviewer_id", "reviewer"),
    ),
    ReferenceKind.MEMBERS: _Format(
        columns={"country": _country, "name": _required, "joined": _year_or_date},
        optional={"language": _language},
        to_row=lambda parsed: dict(parsed),
        key=("country", "member"),
        at_least_one=True,
    ),
    ReferenceKind.OFFENCE_CLASSIFICATION: _Format(
        columns={"code": _offence_code, "label": _label, "parent": _parent_code},
        to_row=lambda parsed: dict(parsed),
        check=_classification_check,
        key=("code", "code"),
        at_least_one=True,
        file_check=_parents_listed,
    ),
}


def parse_reference_csv(kind: ReferenceKind, content: str) -> list[dict[str, Any]]:
    """Validate a whole file; the table rows when every line is good, else ReferenceDataError."""
    spec = FORMATS[kind]
    required = list(spec.columns)
    reader = csv.reader(io.StringIO(content.removeprefix("\ufeff"), newline=""))
    problems: list[ReferenceProblem] = []
    try:
        header = next(reader, None)
    except csv.Error as error:
        problem = ReferenceProblem(line=1, field="header", message=str(error))
        raise ReferenceDataError(kind, [problem]) from None
    names = [column.strip() for column in header] if header is not None else []
    extra = names[len(required):]
    if (
        header is None
        or names[: len(required)] != required
        or any(column not in spec.optional for column in extra)
        or len(set(extra)) != len(extra)
    ):
        found = ",".join(names) if header else "an empty file"
        allowed = f", optionally followed by {','.join(spec.optional)}" if spec.optional else ""
        message = f"the header must be exactly {','.join(required)}{allowed} (found {found})"
        raise ReferenceDataError(kind, [ReferenceProblem(line=1, field="header", message=message)])
    expected = names
    parsers = {**spec.columns, **spec.optional}
    absent = [column for column in spec.optional if column not in expected]
    rows: list[dict[str, Any]] = []
    keys_seen: dict[str, int] = {}
    good: list[tuple[int, dict[str, Any]]] = []
    line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(ReferenceProblem(line=reader.line_num, field="row", message=str(error)))
            break
        first_line, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(expected):
            message = f"has {len(cells)} columns, the header has {len(expected)}"
            problems.append(ReferenceProblem(line=first_line, field="row", message=message))
            continue
        parsed: dict[str, Any] = {}
        row_problems: list[ReferenceProblem] = []
        for column, cell in zip(expected, cells, strict=True):
            try:
                parsed[column] = parsers[column](cell.strip())
            except ValueError as error:
                row_problems.append(ReferenceProblem(line=first_line, field=column, message=str(error)))
        for column in absent:
            parsed[column] = spec.optional[column]("")
        if not row_problems:
            row_problems = [
                ReferenceProblem(line=first_line, field=field, message=message)
                for field, message in spec.check(parsed)
            ]
        if spec.key is not None and spec.key[0] in parsed:
            key_column, what = spec.key
            earlier = keys_seen.setdefault(parsed[key_column], first_line)
            if earlier != first_line:
                message = f"{what} '{parsed[key_column]}' is already listed on line {earlier}"
                row_problems.append(ReferenceProblem(line=first_line, field=key_column, message=message))
        problems.extend(row_problems)
        if not row_problems:
            rows.append(spec.to_row(parsed))
            good.append((first_line, parsed))
    if not problems:
        problems.extend(spec.file_check(good))
    if spec.at_least_one and not rows and not problems:
        problems.append(ReferenceProblem(line=2, field="row", message=f"the {kind.value} list needs at least one row"))
    if problems:
        raise ReferenceDataError(kind, problems)
    return rows


def _as_hashed(kind: ReferenceKind, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the content hash reads them: an optional column left empty is as if the file had not
    got it, so a file that only gains one (``entry_id``, ``applied_on``) is the same content."""
    optional = FORMATS[kind].optional
    return [{k: v for k, v in row.items() if k not in optional or v not in (None, "")} for row in rows]


def _start(value: str) -> date:
    return date.fromisoformat(value)


def _end(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class ReferenceStore:
    """Reads reference data for screening and loads new versions of it (``ndtf data load``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._published_names = PublishedNames()
        self._pending_names = PendingNames()
        self._names_lock = asyncio.Lock()

    # --- reading ----------------------------------------------------------------------------

    async def country_context(self, countries: Sequence[str]) -> list[CountryContextRecord]:
        codes = sorted({code.upper() for code in countries})
        if not codes:
            return []
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(CountryContextRow)
                .where(CountryContextRow.country.in_(codes))
                .order_by(CountryContextRow.country, CountryContextRow.from_date)
            )
            return [
                CountryContextRecord(
                    country=row.country,
                    kind=row.kind,
                    start=_start(row.from_date),
                    end=_end(row.to_date),
                    note=row.note,
                )
                for row in rows
            ]

    async def interstate_disputes(self, countries: Sequence[str]) -> list[InterstateDisputeRecord]:
        codes = sorted({code.upper() for code in countries})
        if not codes:
            return []
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(InterstateDisputeRow)
                .where(
                    or_(InterstateDisputeRow.country_a.in_(codes), InterstateDisputeRow.country_b.in_(codes))
                )
                .order_by(InterstateDisputeRow.from_date)
            )
            return [
                InterstateDisputeRecord(
                    country_a=row.country_a,
                    country_b=row.country_b,
                    start=_start(row.from_date),
                    end=_end(row.to_date),
                    note=row.note,
                )
                for row in rows
            ]

    async def all_refugees(self) -> list[RefugeeRecord]:
        async with self.db.transaction() as session:
            rows = await session.execute(select(*REFUGEE_COLUMNS).order_by(RefugeeRow.id))
            return [
                RefugeeRecord(
                    family_name=row.family_name,
                    forenames=row.forenames,
                    date_of_birth=row.date_of_birth,
                    nationalities=tuple(row.nationalities),
                    granted_by=row.granted_by,
                    persecution_country=row.persecution_country,
                    status=row.status,
                    decided_on=_end(row.decided_on),
                    applied_on=_end(row.applied_on),
                    confirmed_on=_end(row.confirmed_on),
                    entry_id=row.entry_id,
                )
                for row in rows
            ]

    async def all_political_targets(self) -> list[PoliticalTargetRecord]:
        async with self.db.transaction() as session:
            rows = await session.execute(select(*TARGET_COLUMNS).order_by(PoliticalTargetingRow.id))
            return [
                PoliticalTargetRecord(
                    family_name=row.family_name,
                    forenames=row.forenames,
                    date_of_birth=row.date_of_birth,
                    nationalities=tuple(row.nationalities),
                    country=row.country,
                    kind=row.kind,
                    note=row.note,
                    entry_id=row.entry_id,
                )
                for row in rows
            ]

    async def members(self) -> list[Member] | None:
        """The member countries as loaded, by code; None while the list was never loaded."""
        async with self.db.transaction() as session:
            loaded = await session.get(ReferenceVersionRow, ReferenceKind.MEMBERS.value)
            if loaded is None:
                return None
            rows = await session.scalars(select(MemberRow).order_by(MemberRow.country))
            return [
                Member(country=row.country, name=row.name, joined=row.joined, language=NcbLanguage(row.language))
                for row in rows
            ]

    async def member_codes(self) -> frozenset[str] | None:
        """The members' codes, for a membership check; None while the list was never loaded."""
        async with self.db.transaction() as session:
            loaded = await session.get(ReferenceVersionRow, ReferenceKind.MEMBERS.value)
            if loaded is None:
                return None
            return frozenset(await session.scalars(select(MemberRow.country)))

    async def member_ncbs(self) -> list[str]:
        """The NCBs a broadcast reaches (publication, corrective action, expiry): the members as loaded.
        While no member list is loaded, every ISO 3166-1 country stands for it (with a warning)."""
        codes = await self.member_codes()
        if codes is None:
            logger.warning(
                "no members list is loaded (ndtf data load members FILE): broadcasting to every ISO 3166-1 country"
            )
            return iso_countries()
        return sorted(codes)

    async def member_languages(self) -> dict[str, str]:
        """Each member NCB's working language (ar, en, fr, es), by code: what a message to it is written
        in. Empty while no member list is loaded (every NCB is then written to in English)."""
        async with self.db.transaction() as session:
            rows = await session.execute(select(MemberRow.country, MemberRow.language))
            return {country: language for country, language in rows}

    async def offence_classification(self) -> dict[str, OffenceCode] | None:
        """The offence classification as loaded, by code; None while it was never loaded (then a charge's
        category is not checked against it)."""
        async with self.db.transaction() as session:
            loaded = await session.get(ReferenceVersionRow, ReferenceKind.OFFENCE_CLASSIFICATION.value)
            if loaded is None:
                return None
            rows = await session.scalars(select(OffenceClassificationRow).order_by(OffenceClassificationRow.code))
            return {row.code: OffenceCode(code=row.code, label=row.label, parent=row.parent) for row in rows}

    async def version(self, kind: ReferenceKind | str) -> int:
        """The loaded version of a list (0 when it was never loaded): screening records it as evidence."""
        async with self.db.transaction() as session:
            found = await session.get(ReferenceVersionRow, ReferenceKind(kind).value)
        return found.version if found else 0

    async def duplicate_candidates(self, request_id: str, names: Sequence[str | None]) -> list[DuplicateCandidate]:
        """Pending requests and published notices that hold a name token one of these names (the
        subject's family name, forenames and aliases) would accept: the same token, or one it begins, a
        near spelling of it, or one that sounds like it, transliterated (``activities.name_search``).
        The tokens held are those of every name on file for the other case: its subject's and its
        aliases' (``subject.aliases`` of its request), and each candidate carries all those names.

        A prefilter: the person matcher scores what it returns. Taking every name on both sides catches
        a duplicate filed with family name and forenames swapped, in another script, with a typo, or
        under an alias.
        """
        wanted = {token for name in names if name for token in name_tokens(name)}
        if not wanted:
            return []
        pending_stages = list(NOT_PENDING_STAGES)
        async with self._names_lock:
            async with self.db.reading() as session:
                published, published_aliases = await self._published_names.refreshed_with_aliases(session)
                pending = await self._pending_names.refreshed(session)
            # the fuzzy lookups are CPU work: off the event loop, under the lock that keeps refreshes out
            found = await asyncio.to_thread(_holders, wanted, (published, published_aliases, pending))
        matched = sorted(found - {request_id})
        candidates: dict[str, DuplicateCandidate] = {}
        async with self.db.reading() as session:
            for chunk in in_chunks(matched):
                notices = await session.execute(
                    select(NoticeRow, REQUEST_ALIASES)
                    .outerjoin(RequestRow, RequestRow.request_id == NoticeRow.request_id)
                    .where(NoticeRow.request_id.in_(chunk), NoticeRow.status == "published")
                )
                for notice, aliases in notices:
                    candidates[notice.request_id] = _candidate(notice, notice.status, aliases)
                requests = await session.execute(
                    select(*CANDIDATE_COLUMNS, REQUEST_ALIASES)
                    .where(RequestRow.request_id.in_(chunk), RequestRow.stage.not_in(pending_stages))
                )
                for request in requests:  # columns, not the whole request: hundreds of candidates for common names
                    candidates.setdefault(request.request_id, _candidate(request, request.stage, request[-1]))
        return [candidates[other] for other in matched if other in candidates]

    # --- loading ----------------------------------------------------------------------------

    async def load_csv(self, kind: ReferenceKind | str, path: str | Path, actor: str = "ndtf") -> LoadReport:
        """``ndtf data load KIND FILE``: all of the file or none of it; ReferenceDataError lists why."""
        kind = ReferenceKind(kind)
        try:
            content = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
        except UnicodeDecodeError as error:
            problem = ReferenceProblem(line=1, field="file", message=f"is not UTF-8 text ({error.reason})")
            raise ReferenceDataError(kind, [problem]) from None
        return await self.load_text(kind, content, actor)

    async def load_text(self, kind: ReferenceKind | str, content: str, actor: str = "ndtf") -> LoadReport:
        """Replace one list with the rows of a CSV text, unless the same content is already loaded."""
        kind = ReferenceKind(kind)
        rows = parse_reference_csv(kind, content)
        content_hash = hashlib.sha256(canonical_json(_as_hashed(kind, rows)).encode()).hexdigest()
        table = REFERENCE_TABLES[kind.value]
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            if dialect_of(session) == "postgresql":
                lock = REFERENCE_LOCK_KEY + list(ReferenceKind).index(kind)
                await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
            current = await session.get(ReferenceVersionRow, kind.value)
            if current is not None and current.content_hash == content_hash:
                return LoadReport(
                    kind=kind, rows=current.rows, changed=False, version=current.version, content_hash=content_hash
                )
            before = await rescreen.rows_loaded(session, kind) if kind in RESCREEN_KINDS and current else []
            await session.execute(delete(table))
            if rows:
                await session.execute(insert(table), rows)
            version = (current.version if current else 0) + 1
            # The first load of a list is made when the service is set up: nothing was screened against it.
            changed_entries = await rescreen.record_changes(session, kind, version, before, rows) if current else 0
            if current is None:
                session.add(
                    ReferenceVersionRow(
                        kind=kind.value,
                        version=version,
                        content_hash=content_hash,
                        loaded_at=now,
                        rows=len(rows),
                    )
                )
            else:
                current.version, current.content_hash = version, content_hash
                current.loaded_at, current.rows = now, len(rows)
            await append_audit(
                session,
                event_key=f"reference:{kind.value}:{version}",
                actor=actor,
                action="reference_loaded",
                subject_type="reference",
                subject_id=kind.value,
                at=now,
                detail={"version": version, "rows": len(rows), "content_hash": content_hash},
            )
        return LoadReport(
            kind=kind,
            rows=len(rows),
            changed=True,
            version=version,
            entries_changed=changed_entries,
            content_hash=content_hash,
        )
