"""The request contract an NCB submits (see shared/DESIGN.md): field names here are a public contract.

Checks that need today's date (nothing in the future) run only when a validation context carries
``today``: the workflow re-reads stored requests long after submission and must not refuse them then.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# pycountry reads its data files on first use; read them now, at import, because a workflow sandbox
# (which validates this contract when it decodes a payload) forbids opening files.
pycountry.countries.get(alpha_2="FR")


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
    family_name: NonEmpty
    forenames: str | None = None


class IdentityDocument(_Contract):
    type: NonEmpty
    number: NonEmpty
    issuing_country: CountryCode


class PhysicalDescription(_Contract):
    height_cm: int | None = Field(default=None, ge=40, le=260)
    eye_colour: str | None = None
    hair_colour: str | None = None
    distinguishing_marks: str | None = None

    def has_content(self) -> bool:
        return any(v not in (None, "") for v in self.model_dump().values())


class Subject(_Contract):
    family_name: NonEmpty
    forenames: str | None = None
    sex: str | None = Field(default=None, pattern=r"^[MFX]$")
    date_of_birth: PartialDate | None = None
    place_of_birth: str | None = None
    nationalities: list[CountryCode] = Field(default_factory=list)
    aliases: list[Alias] = Field(default_factory=list)
    identity_documents: list[IdentityDocument] = Field(default_factory=list)
    physical_description: PhysicalDescription | None = None
    photo_available: bool = False
    fingerprints_available: bool = False
    dna_profile_available: bool = False
    occupation: str | None = None


class Charge(_Contract):
    offence: NonEmpty
    law: str | None = None
    max_penalty_months: int | None = Field(default=None, ge=0)
    category: str = Field(default="other", pattern=r"^[a-z][a-z_]*$")
    death_penalty_possible: bool = False


class ArrestWarrant(_Contract):
    reference: NonEmpty
    issued_on: date
    issuing_authority: NonEmpty
    valid_until: date | None = None


class CourtDecision(_Contract):
    """The judicial decision a sentence rests on (serve_sentence requests)."""

    reference: NonEmpty
    issued_on: date
    issuing_authority: NonEmpty
    in_absentia: bool = False


class Sentence(_Contract):
    imposed_months: int | None = Field(default=None, ge=0)
    remaining_months: int | None = Field(default=None, ge=0)


class Judicial(_Contract):
    facts_summary: NonEmpty
    offence_date: date | None = None
    offence_place: str | None = None
    charges: list[Charge] = Field(min_length=1)
    arrest_warrant: ArrestWarrant | None = None
    court_decision: CourtDecision | None = None
    sentence: Sentence | None = None
    trial_in_absentia: bool = False


class Contact(_Contract):
    officer: NonEmpty
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NoticeRequest(_Contract):
    kind: NoticeKind
    requesting_ncb: CountryCode
    ncb_reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    purpose: Purpose
    diffusion_recipients: list[CountryCode] = Field(default_factory=list)
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


def _problems(error: ValidationError) -> list[RequestProblem]:
    problems: list[RequestProblem] = []
    for item in error.errors():
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
        return NoticeRequest.model_validate(data, context={"today": today or date.today()})
    except ValidationError as error:
        raise InvalidRequest(_problems(error)) from None


def merge_amendments(request: NoticeRequest, amendments: dict[str, Any], today: date | None = None) -> NoticeRequest:
    """Apply an NCB's amendments (request fields in the request's own shape) and validate the result.

    The identity of a request (NCB, reference, kind) cannot be amended.
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
    return parse_request(merged, today)


def _deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
