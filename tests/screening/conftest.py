"""Fixtures for the pure screening tests: the shipped example requests and default reference data."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from models.reference import (
    CountryContextRecord,
    InterstateDisputeRecord,
    PoliticalTargetRecord,
    RefugeeRecord,
)
from models.request import NoticeRequest, parse_request
from screening import PersonIndex

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REFERENCE = ROOT / "data" / "reference"
TODAY = date(2026, 3, 1)
"""A fixed 'today' after every date in the examples."""


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def example_request(name: str, **changes: Any) -> NoticeRequest:
    return parse_request(example(name), TODAY).model_copy(update=changes)


def _rows(kind: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{kind}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _codes(value: str) -> list[str]:
    return [c for c in value.split(";") if c]


def load_refugees() -> list[RefugeeRecord]:
    return [
        RefugeeRecord(
            family_name=row["family_name"],
            forenames=row["forenames"],
            date_of_birth=row["date_of_birth"],
            nationalities=tuple(_codes(row["nationalities"])),
            granted_by=row["granted_by"],
            persecution_country=row["persecution_country"],
            status=row["status"],
            decided_on=date.fromisoformat(row["decided_on"]) if row["decided_on"] else None,
        )
        for row in _rows("refugees")
    ]


def load_political_targets() -> list[PoliticalTargetRecord]:
    return [
        PoliticalTargetRecord(
            family_name=row["family_name"],
            forenames=row["forenames"],
            date_of_birth=row["date_of_birth"],
            nationalities=tuple(_codes(row["nationalities"])),
            country=row["country"],
            kind=row["kind"],
            note=row.get("note", ""),
        )
        for row in _rows("political_targeting")
    ]


def load_country_context() -> list[CountryContextRecord]:
    return [CountryContextRecord(country=r["country"], kind=r["kind"], start=r["from"], end=r["to"] or None,
                                 note=r["note"]) for r in _rows("country_context")]


def load_disputes() -> list[InterstateDisputeRecord]:
    return [InterstateDisputeRecord(country_a=r["country_a"], country_b=r["country_b"], start=r["from"],
                                    end=r["to"] or None, note=r["note"]) for r in _rows("interstate_disputes")]


@pytest.fixture(scope="session")
def refugee_index() -> PersonIndex[RefugeeRecord]:
    return PersonIndex.build(load_refugees())


@pytest.fixture(scope="session")
def targeting_index() -> PersonIndex[PoliticalTargetRecord]:
    return PersonIndex.build(load_political_targets())


def build(base: str = "red-notice-fraud", **changes: Any) -> NoticeRequest:
    """An example request with fields replaced by dotted path (``judicial__offence_date`` style keys).

    Validated without a 'today', so dates in the future are accepted here and left to the rules.
    """
    data = example(base)
    for dotted, value in changes.items():
        target = data
        parts = dotted.split("__")
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        last = parts[-1]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is _DROP:
            target.pop(last, None)
        else:
            target[last] = value
    return NoticeRequest.model_validate(data)


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


_DROP: Any = _Drop()
DROP: Any = _DROP
"""Pass as a value to ``build`` to remove a field."""
