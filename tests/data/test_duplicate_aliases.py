"""The duplicate check's candidates are found under every name on file for another case, its subject's
and its aliases', for pending requests and published notices alike, and carry those names."""

from __future__ import annotations

from typing import Any

from models.activities import CaseEvent, PublishNoticeInput, RegisterRequestInput
from models.case import ReviewStage
from models.reference import KnownName
from models.request import NoticeRequest
from registry.database import Database
from registry.references import ReferenceStore
from registry.store import Registry
from runtime.config import Settings
from screening.persons import DUPLICATE, duplicate_findings
from tests.data.conftest import NOW, make_request

LUCIANO = {"family_name": "MARKETTI", "forenames": "Luciano"}
"""The fraud example's alias of MARCHETTI Lucien Paul."""


def _filed_as_someone_else(reference: str, *aliases: dict[str, Any], ncb: str = "FR") -> NoticeRequest:
    """A request whose subject is filed under other names: the aliases are the only names in common."""
    data = make_request(ncb=ncb, reference=reference, family_name="KOWALSKI", forenames="Jan").model_dump(mode="json")
    data["subject"]["aliases"] = list(aliases)
    return NoticeRequest.model_validate(data)


async def _register(registry: Registry, request_id: str, request: NoticeRequest) -> None:
    await registry.register_request(
        RegisterRequestInput(request_id=request_id, workflow_id=f"wf-{request_id}", request=request, registered_at=NOW)
    )


async def _publish(registry: Registry, request_id: str, request: NoticeRequest) -> str:
    await _register(registry, request_id, request)
    notice_id = f"N-{request_id}"
    await registry.publish_notice(
        PublishNoticeInput(notice_id=notice_id, request_id=request_id, request=request, published_at=NOW)
    )
    return notice_id


async def test_a_pending_request_and_a_published_notice_are_found_by_an_alias(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())
    store = ReferenceStore(fresh_db)
    await _register(registry, "req-pending", _filed_as_someone_else("pending", {"family_name": "ROSSI"}, LUCIANO))
    assert await store.duplicate_candidates("req-new", ["MARKETTI", "Luciano"]) != []  # the vocabulary is built
    # published after the store first read the notices: its vocabulary picks the notice and its aliases up
    notice_id = await _publish(registry, "req-notice", _filed_as_someone_else("notice", LUCIANO, ncb="DE"))
    nowak = {"family_name": "NOWAK", "forenames": "Ewa"}
    await _register(registry, "req-other", _filed_as_someone_else("other", nowak))

    for names in (["MARKETTI", "Luciano"], ["Luciano", "MARKETTI"], ["Маркетти", "Лучано"], ["Marketi", None]):
        found = await store.duplicate_candidates("req-new", names)
        assert [c.request_id for c in found] == ["req-notice", "req-pending"], names

    notice, pending = await store.duplicate_candidates("req-new", ["MARKETTI", "Luciano"])
    assert (notice.notice_id, notice.stage, notice.requesting_ncb) == (notice_id, "published", "DE")
    assert (notice.family_name, notice.forenames) == ("KOWALSKI", "Jan")
    assert notice.aliases == [KnownName(family_name="MARKETTI", forenames="Luciano")]
    assert (pending.notice_id, pending.stage) == ("", ReviewStage.REGISTERED.value)
    assert pending.aliases == [KnownName(family_name="ROSSI"), KnownName(family_name="MARKETTI", forenames="Luciano")]
    assert await store.duplicate_candidates("req-new", ["Okafor", "Chidi"]) == []

    # and the matcher, given them, names both cases and the names that matched
    request = make_request(ncb="IT", reference="new", family_name="MARKETTI", forenames="Luciano")
    findings = duplicate_findings(request, [notice, pending])
    assert [(f.rule_id, f.evidence["request_id"], f.evidence["notice_id"], f.evidence["list_entry_field"])
            for f in findings] == [
        (DUPLICATE.id, "req-notice", notice_id, "subject.aliases[0]"),
        (DUPLICATE.id, "req-pending", "", "subject.aliases[1]"),
    ]


async def test_an_alias_added_by_an_amendment_is_found_and_a_closed_case_is_not(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())
    store = ReferenceStore(fresh_db)
    await _register(registry, "req-amended", _filed_as_someone_else("amended"))
    await _register(registry, "req-closed", _filed_as_someone_else("closed", LUCIANO))
    assert [c.request_id for c in await store.duplicate_candidates("req-new", ["MARKETTI Luciano"])] == ["req-closed"]

    base = {"actor": "ncb:FR", "action": "amended", "at": NOW}
    await registry.record_case_event(CaseEvent(
        event_key="amended:1", request_id="req-amended", stage=ReviewStage.DETAILED_REVIEW,
        request=_filed_as_someone_else("amended", LUCIANO), **base,
    ))
    await registry.record_case_event(CaseEvent(
        event_key="closed:1", request_id="req-closed", stage=ReviewStage.WITHDRAWN, **base,
    ))
    found = await store.duplicate_candidates("req-new", ["MARKETTI Luciano"])
    assert [(c.request_id, c.aliases) for c in found] == [("req-amended", [KnownName(**LUCIANO)])]
