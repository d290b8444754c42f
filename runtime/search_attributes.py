"""The search attributes operators filter on in the Temporal UI. None may hold personal data."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.common import SearchAttributeKey

NOTICE_KIND = SearchAttributeKey.for_keyword("NoticeKind")
REQUESTING_NCB = SearchAttributeKey.for_keyword("RequestingNcb")
REVIEW_STAGE = SearchAttributeKey.for_keyword("ReviewStage")
RISK_LEVEL = SearchAttributeKey.for_keyword("RiskLevel")
DECISION = SearchAttributeKey.for_keyword("Decision")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
BLOCKING_FINDINGS = SearchAttributeKey.for_int("BlockingFindings")
DOUBTS = SearchAttributeKey.for_int("Doubts")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
ESCALATED = SearchAttributeKey.for_bool("Escalated")
"""What the reviewers' queue shows of a case, kept on the workflow so one list call answers it."""
ASSIGNEE = SearchAttributeKey.for_keyword("Assignee")
"""The roster id of the reviewer who holds the case (a claim); unset when nobody does. A staff id, not
personal data of the subject."""

ALL = (
    NOTICE_KIND,
    REQUESTING_NCB,
    REVIEW_STAGE,
    RISK_LEVEL,
    DECISION,
    NEXT_DEADLINE,
    BLOCKING_FINDINGS,
    DOUBTS,
    OVERDUE,
    ESCALATED,
    ASSIGNEE,
)

_CLI_TYPES: dict[int, str] = {
    IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD: "Keyword",
    IndexedValueType.INDEXED_VALUE_TYPE_DATETIME: "Datetime",
    IndexedValueType.INDEXED_VALUE_TYPE_INT: "Int",
    IndexedValueType.INDEXED_VALUE_TYPE_BOOL: "Bool",
}


def cli_flags() -> list[str]:
    """`temporal server start-dev` flags that register them (`--search-attribute Name=Type`)."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPES[int(key.indexed_value_type)]}"]
    return flags


def registration() -> dict[str, IndexedValueType.ValueType]:
    """Name to type, as ``AddSearchAttributesRequest`` takes them (the test servers register them so)."""
    return {key.name: IndexedValueType.ValueType(int(key.indexed_value_type)) for key in ALL}
