"""The request contract an NCB submits (see shared/DESIGN.md): field names here are a public contract.

Checks made at submission (nothing in the future, the limits below, no control character in a text) run
only when a validation context carries ``today`` (``parse_request``, ``merge_amendments``): the workflow
re-reads stored requests long after submission, and replays requests stored before a limit existed, and
must not refuse them then.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, PydanticCustomError, core_schema

# pycountry reads its data files on first use; read them now, at import, because a workflow sandbox
# (which validates this contract when it decodes a payload) forbids opening files.
pycountry.countries.get(alpha_2="FR")


# --- limits ------------------------------------------------------------------------------------

NAME_CHARS = 100
"""A family name, forenames (the subject's, an alias's), an occupation, an officer's name."""
SHORT_TEXT_CHARS = 50
"""A colour, a document type or number, a charge's category."""
PLACE_CHARS = 200
"""A place (of birth, of the offence), a law, an issuing authority."""
REFERENCE_CHARS = 200
"""A warrant's or a court decision's reference."""
EMAIL_CHARS = 254
"""An e-mail address (RFC 5321's limit on a path)."""
DESCRIPTION_CHARS = 1_000
"""A charge's offence (what the person is charged with), distinguishing marks."""
FACTS_SUMMARY_CHARS = 4_000
"""The summary of facts: the RPD asks for a succinct one (the examples run to about 230 characters)."""
STATEMENT_CHARS = 4_000
"""What a person writes into the record: an answer, a question, a summary, a basis, a reason."""
NCB_REFERENCE_CHARS = 64
"""The NCB's own reference (checked always, not only at submission: it identifies the request)."""
ALIASES = 20
NATIONALITIES = 10
IDENTITY_DOCUMENTS = 10
CHARGES = 20
DIFFUSION_RECIPIENTS = 196
"""Every member country but the requesting one is at most 195; 196 is INTERPOL's membership."""
ARTICLES = 20
"""Articles (of the Constitution, of the RPD) an assessment cites."""
ARTICLE_CHARS = 200

LIMITS: dict[str, tuple[int, str]] = {
    "subject.family_name, subject.forenames, subject.aliases[].family_name, subject.aliases[].forenames": (
        NAME_CHARS,
        "characters",
    ),
    "subject.occupation, contact.officer": (NAME_CHARS, "characters"),
    "subject.place_of_birth, judicial.offence_place": (PLACE_CHARS, "characters"),
    "subject.physical_description.eye_colour, subject.physical_description.hair_colour": (
        SHORT_TEXT_CHARS,
        "characters",
    ),
    "subject.physical_description.distinguishing_marks": (DESCRIPTION_CHARS, "characters"),
    "subject.identity_documents[].type, subject.identity_documents[].number": (SHORT_TEXT_CHARS, "characters"),
    "subject.nationalities": (NATIONALITIES, "entries"),
    "subject.aliases": (ALIASES, "entries"),
    "subject.identity_documents": (IDENTITY_DOCUMENTS, "entries"),
    "judicial.facts_summary": (FACTS_SUMMARY_CHARS, "characters"),
    "judicial.charges": (CHARGES, "entries"),
    "judicial.charges[].offence": (DESCRIPTION_CHARS, "characters"),
    "judicial.charges[].law": (PLACE_CHARS, "characters"),
    "judicial.charges[].category": (SHORT_TEXT_CHARS, "characters"),
    "judicial.arrest_warrant.reference, judicial.court_decision.reference": (REFERENCE_CHARS, "characters"),
    "judicial.arrest_warrant.issuing_authority, judicial.court_decision.issuing_authority": (
        PLACE_CHARS,
        "characters",
    ),
    "diffusion_recipients": (DIFFUSION_RECIPIENTS, "entries"),
    "contact.email": (EMAIL_CHARS, "characters"),
    "ncb_reference": (NCB_REFERENCE_CHARS, "characters"),
    "messages: answer, question, summary, basis, reason, override_justification": (STATEMENT_CHARS, "characters"),
    "messages: articles": (ARTICLES, "entries"),
    "messages: articles[]": (ARTICLE_CHARS, "characters"),
}
"""Every limit of the request contract and of the messages, by field (``[]``: each entry of a list): the
README's "Limits" table is this one and the schema's ``maxLength`` / ``maxItems`` say the same numbers
(``tests/models/test_limits.py`` checks both), which the errors quote.

A request is held to them when it is submitted or amended (a validation context carrying ``today``);
a request already stored (the workflow decoding its input, replaying a history recorded before a limit
existed) is not. A message's text is held to ``STATEMENT_CHARS`` where the API reads it
(``models.case.Statement``); the workflow takes the messages of its history as they are
(``models.case.RecordedStatement``)."""

LIMIT_ERROR = "too_long"
"""The pydantic error type of a value over its limit."""
CONTROL_ERROR = "control_character"
"""The pydantic error type of a text holding a control character (a line break in a text of one line)."""
SUBMISSION_ERRORS = frozenset({LIMIT_ERROR, CONTROL_ERROR})
"""The checks made only at submission (and on what an amendment changes)."""

_LINE_BREAKS = frozenset("\n\r\u2028\u2029")
_ALLOWED_IN_LINES = frozenset("\n\r\t")


def control_character(text: str, lines: bool) -> str | None:
    """The first character a text may not hold, as U+XXXX; None when it is plain text.

    A text of one line (a name, a place, a reference) holds no control character and no line break: it
    goes into mail subjects, log lines and terminal tables, where a CR/LF starts a forged header or line
    and an ESC sequence rewrites the screen. A text of several lines (facts, a statement) may break
    lines and hold tabs, nothing else of the kind. NUL, which PostgreSQL refuses in text and JSON, is
    refused everywhere."""
    for char in text:
        if lines and char in _ALLOWED_IN_LINES:
            continue
        if char in _LINE_BREAKS or unicodedata.category(char) == "Cc":
            return f"U+{ord(char):04X}"
    return None


def at_submission(info: ValidationInfo) -> bool:
    """Whether a validation is a submission's (or an amendment's): its context carries ``today``."""
    context = info.context
    if not isinstance(context, dict) or not isinstance(context.get("today"), date):
        return False
    return bool(context.get("limits", True))


@dataclass(frozen=True)
class Bounded:
    """``Annotated[str | list[...], Bounded(n)]``: at most ``n`` characters or entries, at submission
    (or, with ``always``, at every validation), said in the schema as ``maxLength`` / ``maxItems``."""

    maximum: int
    always: bool = False
    lines: bool = False
    """A text that may run over several lines (facts, a statement): line breaks and tabs allowed."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.with_info_wrap_validator_function(self._validate, handler(source))

    def _validate(self, value: Any, inner: core_schema.ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        if isinstance(value, list | tuple):
            # A list is counted before its entries are validated: 10,000 aliases are refused at once.
            self._check(value, info)
        result = inner(value)
        if isinstance(result, str):
            # A text is measured as it is kept, once its whitespace is stripped.
            self._check(result, info)
            self._plain(result, info)
        return result

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        target["maxItems" if target.get("type") == "array" else "maxLength"] = self.maximum
        return json_schema

    def _plain(self, text: str, info: ValidationInfo) -> None:
        if not (self.always or (at_submission(info) and (info.context or {}).get("plain_text"))):
            return
        found = control_character(text, self.lines)
        if found is not None:
            raise PydanticCustomError(
                CONTROL_ERROR,
                "{what}: no control character ({found} found)",
                {"what": "plain text" if self.lines else "one line of plain text", "found": found},
            )

    def _check(self, value: Sized, info: ValidationInfo) -> None:
        if len(value) > self.maximum and (self.always or at_submission(info)):
            raise PydanticCustomError(
                LIMIT_ERROR,
                "at most {maximum} {unit} (got {actual})",
                {
                    "maximum": f"{self.maximum:,}",
                    "unit": "characters" if isinstance(value, str) else "entries",
                    "actual": f"{len(value):,}",
                },
            )


class NoticeKind(StrEnum):
    RED_NOTICE = "red_notice"
    WANTED_PERSON_DIFFUSION = "wanted_person_diffusion"


class Purpose(StrEnum):
    PROSECUTION = "prosecution"
    SERVE_SENTENCE = "serve_sentence"


def _country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise PydanticCustomError(
            "unknown_country", "'{value}' is not an ISO 3166-1 alpha-2 member country code", {"value": value}
        )
    return code


CountryCode = Annotated[str, AfterValidator(_country)]
"""An ISO 3166-1 alpha-2 code, normalised to upper case."""

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _partial_date(value: str) -> str:
    match = _PARTIAL_DATE.match(value)
    if not match:
        raise PydanticCustomError(
            "partial_date", "'{value}' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD", {"value": value}
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date(year or 1, month or 1, day or 1)
    except ValueError:
        raise PydanticCustomError("partial_date", "'{value}' is not a real calendar date", {"value": value}) from None
    if year is not None and year < 1900:
        raise PydanticCustomError("partial_date", "year {year} is before 1900", {"year": year})
    return value


PartialDate = Annotated[str, AfterValidator(_partial_date)]
"""A birth date known to the year, the month or the day."""


def partial_date_bounds(value: str) -> tuple[date, date]:
    """The earliest and latest real dates a partial date can stand for."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        exact = date(parts[0], parts[1], parts[2])
        return exact, exact
    if len(parts) == 2:
        year, month = parts
        next_month = date(year + (month == 12), month % 12 + 1, 1)
        return date(year, month, 1), date.fromordinal(next_month.toordinal() - 1)
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


NonEmpty = Annotated[str, Field(min_length=1)]


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Alias(_Contract):
    family_name: Annotated[NonEmpty, Bounded(NAME_CHARS)]
    forenames: Annotated[str, Bounded(NAME_CHARS)] | None = None


class IdentityDocument(_Contract):
    type: Annotated[NonEmpty, Bounded(SHORT_TEXT_CHARS)]
    number: Annotated[NonEmpty, Bounded(SHORT_TEXT_CHARS)]
    issuing_country: CountryCode


class PhysicalDescription(_Contract):
    height_cm: int | None = Field(default=None, ge=40, le=260)
    eye_colour: Annotated[str, Bounded(SHORT_TEXT_CHARS)] | None = None
    hair_colour: Annotated[str, Bounded(SHORT_TEXT_CHARS)] | None = None
    distinguishing_marks: Annotated[str, Bounded(DESCRIPTION_CHARS, lines=True)] | None = None

    def has_content(self) -> bool:
        return any(v not in (None, "") for v in self.model_dump().values())


class Subject(_Contract):
    family_name: Annotated[NonEmpty, Bounded(NAME_CHARS)]
    forenames: Annotated[str, Bounded(NAME_CHARS)] | None = None
    sex: str | None = Field(default=None, pattern=r"^[MFX]$")
    date_of_birth: PartialDate | None = None
    place_of_birth: Annotated[str, Bounded(PLACE_CHARS)] | None = None
    nationalities: Annotated[list[CountryCode], Bounded(NATIONALITIES)] = Field(default_factory=list)
    aliases: Annotated[list[Alias], Bounded(ALIASES)] = Field(default_factory=list)
    identity_documents: Annotated[list[IdentityDocument], Bounded(IDENTITY_DOCUMENTS)] = Field(default_factory=list)
    physical_description: PhysicalDescription | None = None
    photo_available: bool = False
    fingerprints_available: bool = False
    dna_profile_available: bool = False
    occupation: Annotated[str, Bounded(NAME_CHARS)] | None = None


class Charge(_Contract):
    offence: Annotated[NonEmpty, Bounded(DESCRIPTION_CHARS, lines=True)]
    law: Annotated[str, Bounded(PLACE_CHARS)] | None = None
    max_penalty_months: int | None = Field(default=None, ge=0)
    category: Annotated[str, Bounded(SHORT_TEXT_CHARS)] = Field(
        default="other",
        pattern=r"^(?:\d{2}(?:\d{2}(?:\d{1,2})?)?|[a-z][a-z_]*)$",
        description="The offence's code in the offence classification (UNODC's ICCS, e.g. 0701 for fraud), which "
        "the API checks against the loaded ``offence_classification`` list. Free text (fraud, "
        "drug_trafficking...) is the form of requests made before it, accepted only while no classification "
        "is loaded.",
    )
    death_penalty_possible: bool = False


class ArrestWarrant(_Contract):
    reference: Annotated[NonEmpty, Bounded(REFERENCE_CHARS)]
    issued_on: date
    issuing_authority: Annotated[NonEmpty, Bounded(PLACE_CHARS)]
    valid_until: date | None = None


class CourtDecision(_Contract):
    """The judicial decision a sentence rests on (serve_sentence requests)."""

    reference: Annotated[NonEmpty, Bounded(REFERENCE_CHARS)]
    issued_on: date
    issuing_authority: Annotated[NonEmpty, Bounded(PLACE_CHARS)]
    in_absentia: bool = False


class Sentence(_Contract):
    imposed_months: int | None = Field(default=None, ge=0)
    remaining_months: int | None = Field(default=None, ge=0)


class Judicial(_Contract):
    facts_summary: Annotated[NonEmpty, Bounded(FACTS_SUMMARY_CHARS, lines=True)]
    offence_date: date | None = None
    offence_place: Annotated[str, Bounded(PLACE_CHARS)] | None = None
    charges: Annotated[list[Charge], Bounded(CHARGES)] = Field(min_length=1)
    arrest_warrant: ArrestWarrant | None = None
    court_decision: CourtDecision | None = None
    sentence: Sentence | None = None
    trial_in_absentia: bool = False


class Contact(_Contract):
    officer: Annotated[NonEmpty, Bounded(NAME_CHARS)]
    email: Annotated[str, Bounded(EMAIL_CHARS)] = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NoticeRequest(_Contract):
    kind: NoticeKind
    requesting_ncb: CountryCode
    ncb_reference: str = Field(min_length=1, max_length=NCB_REFERENCE_CHARS, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    purpose: Purpose
    diffusion_recipients: Annotated[list[CountryCode], Bounded(DIFFUSION_RECIPIENTS)] = Field(default_factory=list)
    subject: Subject
    judicial: Judicial
    extradition_assurance: bool | None = None
    contact: Contact

    @field_validator("diffusion_recipients")
    @classmethod
    def _distinct_recipients(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("duplicate_recipient", "a recipient NCB is listed more than once")
        return value

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> NoticeRequest:
        problems: list[tuple[str, str]] = []
        if self.kind is NoticeKind.WANTED_PERSON_DIFFUSION and not self.diffusion_recipients:
            problems.append(("diffusion_recipients", "a wanted person diffusion needs at least one recipient NCB"))
        if self.kind is NoticeKind.RED_NOTICE and self.diffusion_recipients:
            problems.append(("diffusion_recipients", "a red notice goes to every NCB; recipients are for diffusions"))
        if self.requesting_ncb in self.diffusion_recipients:
            problems.append(("diffusion_recipients", "the requesting NCB cannot be its own recipient"))
        today = (info.context or {}).get("today") if info.context else None
        if isinstance(today, date):
            problems.extend(_future_dates(self, today))
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))
        return self


def _future_dates(request: NoticeRequest, today: date) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    dob = request.subject.date_of_birth
    if dob and partial_date_bounds(dob)[0] > today:
        found.append(("subject.date_of_birth", f"{dob} is in the future"))
    judicial = request.judicial
    dated: list[tuple[str, date | None]] = [
        ("judicial.offence_date", judicial.offence_date),
        ("judicial.arrest_warrant.issued_on", judicial.arrest_warrant.issued_on if judicial.arrest_warrant else None),
        ("judicial.court_decision.issued_on", judicial.court_decision.issued_on if judicial.court_decision else None),
    ]
    for field, value in dated:
        if value and value > today:
            found.append((field, f"{value.isoformat()} is in the future"))
    return found


class RequestProblem(BaseModel):
    """One thing wrong with a submitted request, named by its field."""

    field: str
    message: str


class InvalidRequest(Exception):
    """A request that does not validate: every problem, by field."""

    def __init__(self, problems: list[RequestProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def _problems(errors: Iterable[ErrorDetails]) -> list[RequestProblem]:
    problems: list[RequestProblem] = []
    for item in errors:
        field = ".".join(str(part) for part in item["loc"])
        message = item["msg"]
        if item["type"] == "value_error":
            # Our cross-field check packs "field: message; field: message".
            for piece in message.removeprefix("Value error, ").split("; "):
                name, _, text = piece.partition(": ")
                problems.append(RequestProblem(field=name if text else field or "request", message=text or name))
            continue
        if item["type"] == "extra_forbidden":
            message = "is not a field of the request contract"
        problems.append(RequestProblem(field=field or "request", message=message))
    return problems


def parse_request(data: Any, today: date | None = None) -> NoticeRequest:
    """Validate a submission; raise InvalidRequest listing every problem by field."""
    try:
        return NoticeRequest.model_validate(data, context={"today": today or date.today(), "plain_text": True})
    except ValidationError as error:
        raise InvalidRequest(_problems(error.errors())) from None


def merge_amendments(
    request: NoticeRequest,
    amendments: dict[str, Any],
    today: date | None = None,
    *,
    limits: bool = True,
    plain_text: bool = False,
) -> NoticeRequest:
    """Apply an NCB's amendments (request fields in the request's own shape) and validate the result.

    The identity of a request (NCB, reference, kind) cannot be amended. What the amendments change is
    held to the limits (``LIMITS``); a field they leave alone is not, so a request stored before a limit
    existed can still be amended (and a reply recorded then replays as it ran). ``limits=False`` is for a
    workflow replaying a reply it accepted before the limits. ``plain_text``: what the amendments change
    holds no control character (``control_character``); the update's validator asks it, the handler does
    not, so a reply accepted before the check replays as it ran.
    """
    frozen = {"requesting_ncb", "ncb_reference", "kind"} & amendments.keys()
    if frozen:
        raise InvalidRequest(
            [
                RequestProblem(field=f"amendments.{name}", message="identifies the request and cannot be amended")
                for name in sorted(frozen)
            ]
        )
    merged = _deep_merge(request.model_dump(mode="json"), amendments)
    context: dict[str, Any] = {"today": today or date.today(), "limits": limits, "plain_text": plain_text}
    try:
        return NoticeRequest.model_validate(merged, context=context)
    except ValidationError as error:
        changed = set(_paths(amendments))
        problems = [
            item
            for item in error.errors()
            if item["type"] not in SUBMISSION_ERRORS or _under(item["loc"], changed)
        ]
        if problems:
            raise InvalidRequest(_problems(problems)) from None
    try:
        return NoticeRequest.model_validate(merged, context={**context, "limits": False})
    except ValidationError as error:  # the cross-field checks, which run once every field validates
        raise InvalidRequest(_problems(error.errors())) from None


def _paths(changes: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    """The paths an amendment sets: each key down to a value that is not an object."""
    for key, value in changes.items():
        if isinstance(value, dict) and value:
            yield from _paths(value, (*prefix, key))
        else:
            yield (*prefix, key)


def _under(location: tuple[int | str, ...], changed: set[tuple[str, ...]]) -> bool:
    path = tuple(str(part) for part in location)
    return any(path[: len(prefix)] == prefix for prefix in changed)


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
