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

ALL = (NOTICE_KIND, REQUESTING_NCB, REVIEW_STAGE, RISK_LEVEL, DECISION, NEXT_DEADLINE)


def cli_flags() -> list[str]:
    """`temporal server start-dev` flags that register them (`--search-attribute Name=Type`)."""
    flags: list[str] = []
    for key in ALL:
        kind = "Datetime" if key.indexed_value_type == IndexedValueType.INDEXED_VALUE_TYPE_DATETIME else "Keyword"
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags


def registration() -> dict[str, IndexedValueType.ValueType]:
    """Name to type, as ``AddSearchAttributesRequest`` takes them (the test servers register them so)."""
    return {key.name: IndexedValueType.ValueType(int(key.indexed_value_type)) for key in ALL}
