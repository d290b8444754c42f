"""Reference data the organisation supplies (CSV, see shared/DESIGN.md), as screening reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class ReferenceKind(StrEnum):
    REFUGEES = "refugees"
    POLITICAL_TARGETING = "political_targeting"
    COUNTRY_CONTEXT = "country_context"
    INTERSTATE_DISPUTES = "interstate_disputes"
    REVIEWERS = "reviewers"
    MEMBERS = "members"
    OFFENCE_CLASSIFICATION = "offence_classification"


class RefugeeStatus(StrEnum):
    """Where a person of the refugees list stands (the list's ``status``)."""

    ASYLUM_SEEKER = "asylum_seeker"
    """Asylum applied for in ``granted_by`` (``applied_on``), not decided yet."""
    GRANTED = "granted"
    """Refugee status recognised by ``granted_by`` (``decided_on``); files may also write ``recognised``."""
    CONFIRMED = "confirmed"
    """Refugee status recognised and confirmed by ``granted_by`` to the General Secretariat (``confirmed_on``):
    the refugee policy then requires action on any notice the persecuting country requested."""
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefugeeRecord:
    """One entry of the refugees list, as the screening index holds it in memory.

    A slotted dataclass, not a pydantic model: a worker keeps the whole list (up to a million
    entries), and these take about an eighth of the memory. Rows are validated when loaded.
    """

    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    """Partial date (YYYY, YYYY-MM, YYYY-MM-DD) or empty."""
    nationalities: tuple[str, ...] = ()
    granted_by: str
    persecution_country: str
    status: str
    """A ``RefugeeStatus``: asylum_seeker, granted, confirmed or revoked."""
    decided_on: date | None = None
    applied_on: date | None = None
    """When asylum was applied for."""
    confirmed_on: date | None = None
    """When the granting country confirmed the status."""
    entry_id: str = ""
    """The entry's id on the list (the file's own, or derived from who it is)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PoliticalTargetRecord:
    """One entry of the political-targeting list, held in memory like ``RefugeeRecord``."""

    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: tuple[str, ...] = ()
    country: str
    kind: str
    note: str = ""
    entry_id: str = ""
    """The entry's id on the list (the file's own, or derived from who it is)."""


class CountryContextRecord(BaseModel):
    country: str
    kind: str
    """unrest, regime_change, armed_conflict, election, coup."""
    start: date
    end: date | None = None
    note: str = ""


class InterstateDisputeRecord(BaseModel):
    country_a: str
    country_b: str
    start: date
    end: date | None = None
    note: str = ""


class ReviewerRole(StrEnum):
    LEGAL = "legal"
    POLICE = "police"
    OPERATIONS = "operations"
    SUPERVISOR = "supervisor"


class Reviewer(BaseModel):
    reviewer_id: str
    name: str
    roles: list[ReviewerRole] = Field(default_factory=list)


class NcbLanguage(StrEnum):
    """The working language an NCB is written to in (INTERPOL's four working languages)."""

    ARABIC = "ar"
    ENGLISH = "en"
    FRENCH = "fr"
    SPANISH = "es"


class Member(BaseModel):
    """A member country of the organisation, as the ``members`` list holds it: its NCB is the one
    requests may come from and diffusions and broadcasts go to."""

    country: str
    """ISO 3166-1 alpha-2 code, which is also the NCB's code."""
    name: str
    joined: str
    """The year (YYYY) or the date (YYYY-MM-DD) it joined."""
    language: NcbLanguage = NcbLanguage.ENGLISH


class OffenceCode(BaseModel):
    """One code of the offence classification (UNODC's ICCS) a charge's ``category`` is checked against."""

    code: str
    """2 digits for a section, 4 for a division, 5 for a group, 6 for a class."""
    label: str
    parent: str = ""
    """The code it lies under (empty for a section)."""


class KnownName(BaseModel):
    """Another name a person is on file under (an alias of a request's subject)."""

    family_name: str
    forenames: str = ""


class DuplicateCandidate(BaseModel):
    """Another pending request or published notice that may concern the same person.

    Every name on file for that case is here: the subject's, and each alias of the subject (compared
    with the subject's birth date and nationalities, as the new request's aliases are).
    """

    request_id: str
    notice_id: str = ""
    """The notice's id when the other case is a published notice, else empty."""
    requesting_ncb: str
    stage: str
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: list[str] = Field(default_factory=list)
    aliases: list[KnownName] = Field(default_factory=list)
