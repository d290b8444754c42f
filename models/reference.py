"""Reference data the organisation supplies (CSV, see shared/DESIGN.md), as screening reads it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class ReferenceKind(StrEnum):
    REFUGEES = "refugees"
    POLITICAL_TARGETING = "political_targeting"
    COUNTRY_CONTEXT = "country_context"
    INTERSTATE_DISPUTES = "interstate_disputes"
    REVIEWERS = "reviewers"


class RefugeeRecord(BaseModel):
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    """Partial date (YYYY, YYYY-MM, YYYY-MM-DD) or empty."""
    nationalities: list[str] = Field(default_factory=list)
    granted_by: str
    persecution_country: str
    status: str
    """granted or revoked."""
    decided_on: date | None = None


class PoliticalTargetRecord(BaseModel):
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: list[str] = Field(default_factory=list)
    country: str
    kind: str
    note: str = ""


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


class ScreeningReferences(BaseModel):
    """The reference data one screening reads: context rows for the countries involved, and the
    candidate records of the refugee and political-targeting lists that the matcher kept."""

    country_context: list[CountryContextRecord] = Field(default_factory=list)
    interstate_disputes: list[InterstateDisputeRecord] = Field(default_factory=list)
    refugees: list[RefugeeRecord] = Field(default_factory=list)
    political_targeting: list[PoliticalTargetRecord] = Field(default_factory=list)
    duplicates: list[DuplicateCandidate] = Field(default_factory=list)


class DuplicateCandidate(BaseModel):
    """Another pending request or published notice that may concern the same person."""

    request_id: str
    requesting_ncb: str
    stage: str
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: list[str] = Field(default_factory=list)


ScreeningReferences.model_rebuild()
