"""Hostile reference-data files (``PUT /v1/reference-data/{kind}``, which ``ndtf data load`` calls): the
shipped list with one cell or its structure made wrong is refused whole, naming the line and the field,
and the list loaded before is the one still loaded."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from models.reference import ReferenceKind
from registry.tables import ReferenceVersionRow
from tests.api.conftest import Api
from tests.hostile.conftest import hostile, problem
from tests.hostile.test_submissions import CONTROL, LINE_BREAK, SOME_TEXT, over, within_text
from tests.workflows.conftest import REFERENCE

SHIPPED = {kind: (REFERENCE / f"{kind.value}.csv").read_text() for kind in ReferenceKind}
FREE_TEXT: dict[ReferenceKind, dict[str, int]] = {
    ReferenceKind.REFUGEES: {"family_name": 200, "forenames": 200},
    ReferenceKind.POLITICAL_TARGETING: {"family_name": 200, "forenames": 200, "note": 2000},
    ReferenceKind.COUNTRY_CONTEXT: {"note": 2000},
    ReferenceKind.INTERSTATE_DISPUTES: {"note": 2000},
    ReferenceKind.REVIEWERS: {"reviewer_id": 100, "name": 200},
    ReferenceKind.MEMBERS: {"name": 200},
    ReferenceKind.OFFENCE_CLASSIFICATION: {"label": 200},
}
"""The columns each list takes as free text, and how long a cell may be (the registry's column)."""
COUNTRIES: dict[ReferenceKind, str] = {
    ReferenceKind.REFUGEES: "granted_by",
    ReferenceKind.POLITICAL_TARGETING: "country",
    ReferenceKind.COUNTRY_CONTEXT: "country",
    ReferenceKind.INTERSTATE_DISPUTES: "country_a",
    ReferenceKind.MEMBERS: "country",
}


@dataclass(frozen=True)
class HostileFile:
    kind: ReferenceKind
    content: bytes
    field: str
    line: int | None
    """The line and field the refusal must name; None: any line (a structural problem)."""


def _rows(kind: ReferenceKind) -> list[list[str]]:
    return list(csv.reader(io.StringIO(SHIPPED[kind])))


def _write(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue().encode()


def _cell(kind: ReferenceKind, column: str, value: str, index: int) -> HostileFile:
    rows = _rows(kind)
    record = 1 + index % (len(rows) - 1)
    rows[record][rows[0].index(column)] = value
    return HostileFile(kind, _write(rows), column, record + 1)


def hostile_files() -> st.SearchStrategy[HostileFile]:
    kinds = st.sampled_from(sorted(ReferenceKind, key=str))

    def for_kind(kind: ReferenceKind) -> st.SearchStrategy[HostileFile]:
        columns = FREE_TEXT[kind]
        column = st.sampled_from(sorted(columns))
        index = st.integers(0, 10_000)
        choices = [
            st.builds(lambda c, v, i: _cell(kind, c, v, i), column, within_text(st.one_of(CONTROL, LINE_BREAK)), index),
            column.flatmap(lambda c: st.builds(lambda v, i: _cell(kind, c, v, i), over(columns[c]), index)),
            st.builds(lambda h: HostileFile(kind, _write([h, *_rows(kind)[1:]]), "header", 1),
                      st.lists(SOME_TEXT, min_size=1, max_size=6).filter(lambda h: h != _rows(kind)[0])),
            st.builds(lambda i: HostileFile(kind, _write(_extra_cell(kind, i)), "row", None), index),
            st.builds(lambda b: HostileFile(kind, SHIPPED[kind].encode() + b, "file", None),
                      st.sampled_from([b"\xff\xfe\n", b"\xc3\x28,x\n", b"\x80"])),
            st.just(HostileFile(kind, SHIPPED[kind].encode() + b'"unterminated,x\n', "row", None)),
            st.just(HostileFile(kind, b"", "header", 1)),
        ]
        if kind in COUNTRIES:
            choices.append(st.builds(lambda v, i: _cell(kind, COUNTRIES[kind], v, i),
                                     st.sampled_from(["XX", "FRA", "", "F", "1"]), index))
        return st.one_of(*choices)

    return kinds.flatmap(for_kind)


def _extra_cell(kind: ReferenceKind, index: int) -> list[list[str]]:
    rows = _rows(kind)
    record = 1 + index % (len(rows) - 1)
    rows[record] = [*rows[record], "one too many"]
    return rows


async def loaded(api: Api, kind: ReferenceKind) -> tuple[int, str, int] | None:
    async with api.db.transaction() as session:
        row = await session.get(ReferenceVersionRow, kind.value)
        return (row.version, row.content_hash, row.rows) if row else None


@hostile
@given(file=hostile_files())
async def test_a_hostile_reference_file_is_refused_naming_line_and_field_and_loads_nothing(
    hostile_api: Api, file: HostileFile
) -> None:
    before = await loaded(hostile_api, file.kind)
    response = await hostile_api.call("admin", "PUT", f"/v1/reference-data/{file.kind.value}", content=file.content,
                                      headers={"Content-Type": "text/csv"})
    refusal = problem(response, 422)
    errors = refusal["errors"]
    assert errors and all(e["field"] and e.get("line") for e in errors), errors
    if file.line is not None:
        assert any(e["field"] == file.field and e["line"] == file.line for e in errors), (file.field, file.line, errors)
    assert await loaded(hostile_api, file.kind) == before


async def test_the_shipped_files_still_load(hostile_api: Api) -> None:
    """The control for the test above: the checks refuse what is wrong, not what is shipped."""
    for kind in ReferenceKind:
        response = await hostile_api.call("admin", "PUT", f"/v1/reference-data/{kind.value}",
                                          content=SHIPPED[kind].encode(), headers={"Content-Type": "text/csv"})
        assert response.status_code == 200, response.text
