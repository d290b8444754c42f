"""Who sees what: published notices for every NCB, pending requests only for the NCB that sent them."""

from __future__ import annotations

import pytest

from benchmarks.search_bench import fill, linear_search
from models.activities import (
    NoticeStatus,
    NoticeStatusChange,
    PublishNoticeInput,
    RegisterRequestInput,
    SearchNoticesInput,
)
from models.request import NoticeKind
from registry.database import Database
from registry.store import Registry
from runtime.config import Settings
from screening.vocabulary import name_matches
from tests.data.conftest import NOW, make_request


@pytest.fixture
def registry(db: Database) -> Registry:
    return Registry(db, Settings())


async def _submit(registry: Registry, ncb: str, reference: str, family_name: str) -> str:
    request_id = f"req-{reference}"
    await registry.register_request(
        RegisterRequestInput(
            request_id=request_id,
            workflow_id=f"wf-{reference}",
            request=make_request(ncb=ncb, reference=reference, family_name=family_name),
            registered_at=NOW,
        )
    )
    return request_id


async def _publish(registry: Registry, ncb: str, reference: str, family_name: str) -> str:
    request_id = await _submit(registry, ncb, reference, family_name)
    notice_id = f"N-{reference}"
    await registry.publish_notice(
        PublishNoticeInput(
            notice_id=notice_id,
            request_id=request_id,
            request=make_request(ncb=ncb, reference=reference, family_name=family_name),
            published_at=NOW,
        )
    )
    return notice_id


async def _seen_by(registry: Registry, ncb: str, name: str) -> dict[str, str]:
    results = await registry.search_notices(SearchNoticesInput(viewer_ncb=ncb, name=name))
    return {hit.request_id: hit.status for hit in results.hits}


async def test_published_notice_is_visible_to_every_ncb(registry: Registry, unique: str) -> None:
    await _publish(registry, "FR", f"P{unique}", f"Núñez {unique}")
    for viewer in ("FR", "DE", "BR"):
        assert await _seen_by(registry, viewer, f"nunez {unique}") == {f"req-P{unique}": "published"}


async def test_pending_request_is_visible_only_to_the_requesting_ncb(registry: Registry, unique: str) -> None:
    await _submit(registry, "FR", f"Q{unique}", f"Dupont {unique}")
    assert await _seen_by(registry, "FR", unique) == {f"req-Q{unique}": "registered"}
    assert await _seen_by(registry, "DE", unique) == {}


@pytest.mark.parametrize("status", [NoticeStatus.BLOCKED, NoticeStatus.CANCELLED, NoticeStatus.EXPIRED])
async def test_blocked_cancelled_or_expired_notice_disappears(
    registry: Registry, unique: str, status: NoticeStatus
) -> None:
    notice_id = await _publish(registry, "FR", f"B{unique}", f"Weber {unique}")
    await registry.change_notice_status(
        NoticeStatusChange(
            event_key=f"{unique}:{status}", notice_id=notice_id, status=status, actor="rev", reason="r", at=NOW
        )
    )
    assert await _seen_by(registry, "DE", unique) == {}
    assert await _seen_by(registry, "FR", unique) == {}


async def test_a_workers_name_vocabulary_follows_publications_and_blocks(db: Database, unique: str) -> None:
    """Each worker keeps the names it has seen; what another worker published since, it reads before
    it answers, and a block hides the notice at once whatever the vocabulary holds."""
    worker_a, worker_b = Registry(db, Settings()), Registry(db, Settings())
    first = await _publish(worker_a, "FR", f"V{unique}", f"Lindqvist {unique}")
    assert await _seen_by(worker_a, "DE", f"lindqvist {unique}") == {f"req-V{unique}": "published"}
    await _publish(worker_b, "SE", f"W{unique}", f"Lindquist {unique}")
    assert set(await _seen_by(worker_a, "DE", f"lindqvist {unique}")) == {f"req-V{unique}", f"req-W{unique}"}
    await worker_b.change_notice_status(
        NoticeStatusChange(
            event_key=f"{unique}:block", notice_id=first, status=NoticeStatus.BLOCKED, actor="rev", reason="r", at=NOW
        )
    )
    assert set(await _seen_by(worker_a, "DE", f"lindqvist {unique}")) == {f"req-W{unique}"}


async def test_filters_by_nationality_kind_and_requesting_ncb(registry: Registry, unique: str) -> None:
    await _publish(registry, "FR", f"F{unique}", f"Rossi {unique}")
    await _publish(registry, "IT", f"I{unique}", f"Rossi {unique}")

    async def found(**filters: object) -> set[str]:
        query = SearchNoticesInput(viewer_ncb="DE", name=unique, **filters)  # type: ignore[arg-type]
        return {hit.requesting_ncb for hit in (await registry.search_notices(query)).hits}

    assert await found() == {"FR", "IT"}
    assert await found(nationality="it") == {"IT"}
    assert await found(requesting_ncb="FR") == {"FR"}
    assert await found(kind=NoticeKind.WANTED_PERSON_DIFFUSION) == set()


def test_name_match_ignores_case_and_accents_and_ranks_exact_names_first() -> None:
    assert name_matches("garcia", "GARCÍA", "José") is not None
    assert name_matches("jose garcia", "García", "José") == 1.0
    exact = name_matches("garcia", "García", None)
    longer = name_matches("garcia", "García López", None)
    assert exact is not None and longer is not None and exact > longer
    assert name_matches("gar", "García", None) is not None
    assert name_matches("smith", "García", "José") is None
    assert name_matches("", "García", None) is None


async def test_name_search_returns_exactly_what_scoring_every_notice_returns(fresh_db: Database) -> None:
    """The vocabulary prefilter loses nothing: the same hits, scores and order as the former full scan,
    for family names, names with forenames, prefixes, typos and transliterations."""
    names = await fill(fresh_db, 1500)
    registry = Registry(fresh_db, Settings())
    checked = 0
    for name in [*names[:40], "Петров", "ab", "Marchety"]:
        query = SearchNoticesInput(viewer_ncb="DE", name=name)
        expected = [(h.notice_id, h.score) for h in (await linear_search(fresh_db, query)).hits]
        assert [(h.notice_id, h.score) for h in (await registry.search_notices(query)).hits] == expected, name
        checked += bool(expected)
    assert checked >= 30, "most queries find someone: the comparison is not between empty lists"
