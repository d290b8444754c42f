"""A reload of a reference list that has a bad row is refused, naming the row's line, and the list
loaded before stays what screening and the reviewer roster read: the same rows, the same version."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from activities.registry import RegistryActivities
from activities.screening import ScreeningActivities
from models.activities import ReviewerLookupInput, ScreenRequestInput
from models.reference import ReferenceKind, ReviewerRole
from models.request import NoticeRequest
from registry.database import Database
from registry.references import ReferenceDataError, ReferenceStore
from runtime.config import Settings
from screening.persons import REFUGEE_PERSECUTOR, REFUGEE_REVOKED
from tests.data.conftest import make_request

HEADER = "family_name,forenames,date_of_birth,nationalities,granted_by,persecution_country,status,decided_on\n"

REFUGEES = HEADER + """\
NÚÑEZ,Carlos,1980-05,VE,ES,VE,granted,2021-06-01
Okafor,Chidi,,NG;GB,GB,NG,revoked,
"""

REFUGEES_WITH_A_BAD_ROW = HEADER + """\
NÚÑEZ,Carlos,1980-05,VE,ES,VE,revoked,2024-01-15
Haddad,Samir,1975-02-11,SY,DE,SY,granted,2019-09-30
Bad,Status,1975,VE,ES,VE,pending,2020-01-01
"""
"""Two good rows that would change the list (one status revoked, one person added), then a bad one on line 4."""

REVIEWERS = """reviewer_id,name,roles
rev-legal,Ana Legal,legal
rev-super,Sam Super,supervisor;legal
"""

REVIEWERS_WITH_A_BAD_ROW = """reviewer_id,name,roles
rev-legal,Ana Legal,legal;supervisor
rev-new,Nia New,police
rev-judge,Jo Judge,judge
"""
"""Two good rows that would change the roster (a promotion, a newcomer), then a bad one on line 4."""


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _request(family_name: str, forenames: str, date_of_birth: str, nationality: str) -> NoticeRequest:
    reference = f"{nationality}-{uuid.uuid4().hex[:8]}"
    request = make_request(ncb=nationality, reference=reference, nationalities=[nationality])
    subject = request.subject.model_copy(
        update={"family_name": family_name, "forenames": forenames, "date_of_birth": date_of_birth}
    )
    return request.model_copy(update={"subject": subject})


async def _refugee_rules(screening: ScreeningActivities, request: NoticeRequest) -> list[str]:
    """The refugee findings screening gives the request."""
    result = await screening.screen_request(
        ScreenRequestInput(request_id=f"req-{request.ncb_reference}", request=request, as_of=date(2026, 3, 2))
    )
    return sorted(f.rule_id for f in result.findings if f.rule_id.startswith("refugee."))


async def test_a_bad_refugee_reload_keeps_the_refugee_list_screening_reads(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    worker = ScreeningActivities(fresh_db)  # a running worker's, which keeps its index of the list
    loaded = await store.load_csv(ReferenceKind.REFUGEES, _write(tmp_path, "refugees.csv", REFUGEES))
    assert (loaded.rows, loaded.version) == (2, 1)
    before = await store.all_refugees()
    nunez = _request("NÚÑEZ", "Carlos", "1980-05-20", "VE")
    haddad = _request("HADDAD", "Samir", "1975-02-11", "SY")
    assert await _refugee_rules(worker, nunez) == [REFUGEE_PERSECUTOR.id]
    assert await _refugee_rules(worker, haddad) == []

    with pytest.raises(ReferenceDataError) as refused:
        await store.load_csv(ReferenceKind.REFUGEES, _write(tmp_path, "bad.csv", REFUGEES_WITH_A_BAD_ROW))
    assert [(p.line, p.field) for p in refused.value.problems] == [(4, "status")]
    assert "line 4" in str(refused.value) and "nothing loaded" in str(refused.value)

    assert await store.all_refugees() == before
    assert await store.version(ReferenceKind.REFUGEES) == 1
    for screening in (worker, ScreeningActivities(fresh_db)):  # the running worker, and one that reads afresh
        assert await _refugee_rules(screening, nunez) == [REFUGEE_PERSECUTOR.id], "still granted, not revoked"
        assert await _refugee_rules(screening, haddad) == [], "the good rows of the bad file were not loaded either"
    # the same file, fixed, loads as the next version, and screening reads that one
    fixed = REFUGEES_WITH_A_BAD_ROW.replace("pending", "granted")
    assert (await store.load_text(ReferenceKind.REFUGEES, fixed)).version == 2
    assert await _refugee_rules(worker, nunez) == [REFUGEE_REVOKED.id]
    assert await _refugee_rules(worker, haddad) == [REFUGEE_PERSECUTOR.id]


async def test_a_bad_roster_reload_keeps_the_reviewers_and_roles_loaded_before(
    fresh_db: Database, tmp_path: Path
) -> None:
    store = ReferenceStore(fresh_db)
    roster = RegistryActivities(fresh_db, Settings())

    async def roles(reviewer_id: str) -> list[ReviewerRole] | None:
        found = await roster.lookup_reviewer(ReviewerLookupInput(reviewer_id=reviewer_id))
        return found.reviewer.roles if found.reviewer else None

    loaded = await store.load_csv(ReferenceKind.REVIEWERS, _write(tmp_path, "reviewers.csv", REVIEWERS))
    assert (loaded.rows, loaded.version) == (2, 1)
    before = {r: await roles(r) for r in ("rev-legal", "rev-super", "rev-new", "rev-judge")}
    assert before == {
        "rev-legal": [ReviewerRole.LEGAL],
        "rev-super": [ReviewerRole.SUPERVISOR, ReviewerRole.LEGAL],
        "rev-new": None,
        "rev-judge": None,
    }

    with pytest.raises(ReferenceDataError) as refused:
        await store.load_csv(ReferenceKind.REVIEWERS, _write(tmp_path, "bad.csv", REVIEWERS_WITH_A_BAD_ROW))
    assert [(p.line, p.field) for p in refused.value.problems] == [(4, "roles")]
    assert "line 4" in str(refused.value) and "judge" in str(refused.value)

    assert {r: await roles(r) for r in before} == before
    assert await store.version(ReferenceKind.REVIEWERS) == 1
