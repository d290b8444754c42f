"""The ``offence_classification`` list (UNODC's ICCS: ``code,label,parent``): loaded like every reference
list (all of a file or none of it, each bad row by line, idempotent), every parent listed in the file, and
shipped in data/reference/offence_classification.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.reference import OffenceCode, ReferenceKind
from registry.database import Database
from registry.references import ReferenceDataError, ReferenceStore
from runtime.config import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "reference" / "offence_classification.csv"

CLASSIFICATION = """code,label,parent
07,"Acts involving fraud, deception or corruption",
0701,Fraud,07
07011,Financial fraud,0701
01,Acts leading to death or intending to cause death,
0101,Intentional homicide,01
"""

BAD = """code,label,parent
07,"Acts involving fraud, deception or corruption",
0701,Fraud,07
0701,Fraud again,07
7A,Not a code,07
0702,,07
07011,Financial fraud,07
01,A section with a parent,07
0703
"""

UNKNOWN_PARENT = """code,label,parent
07,"Acts involving fraud, deception or corruption",
0701,Fraud,07
0901,"Acts involving weapons, explosives and other destructive materials",09
"""


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def test_a_classification_loads_and_is_read_by_code(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    assert await store.offence_classification() is None, "never loaded"
    report = await store.load_csv(ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "iccs.csv", CLASSIFICATION))

    assert (report.rows, report.changed, report.version) == (5, True, 1)
    loaded = await store.offence_classification()
    assert loaded is not None
    assert sorted(loaded) == ["01", "0101", "07", "0701", "07011"]
    assert loaded["0701"] == OffenceCode(code="0701", label="Fraud", parent="07")
    assert loaded["07"].parent == ""


async def test_a_file_with_bad_rows_reports_each_by_line_and_loads_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    store = ReferenceStore(fresh_db)
    await store.load_csv(ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "good.csv", CLASSIFICATION))
    with pytest.raises(ReferenceDataError) as refused:
        await store.load_csv(ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "bad.csv", BAD))

    problems = {(p.line, p.field): p.message for p in refused.value.problems}
    assert set(problems) == {
        (4, "code"), (5, "code"), (6, "label"), (7, "parent"), (8, "parent"), (9, "row"),
    }
    assert "already listed on line 3" in problems[(4, "code")]
    assert "'7A' is not a classification code" in problems[(5, "code")]
    assert problems[(7, "parent")] == "the parent of 07011 is 0701 (found 07)"
    assert "a section (01) has no parent" in problems[(8, "parent")]
    loaded = await store.offence_classification()
    assert loaded is not None and sorted(loaded) == ["01", "0101", "07", "0701", "07011"], "the good list stays"
    assert await store.version(ReferenceKind.OFFENCE_CLASSIFICATION) == 1


async def test_a_parent_not_listed_in_the_file_is_refused_by_line(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    with pytest.raises(ReferenceDataError) as refused:
        await store.load_csv(ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "orphan.csv", UNKNOWN_PARENT))

    assert [(p.line, p.field, p.message) for p in refused.value.problems] == [
        (4, "parent", "parent 09 is not listed in the file")
    ]
    assert await store.offence_classification() is None, "nothing loaded"


async def test_an_empty_classification_is_refused(fresh_db: Database, tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError) as refused:
        await ReferenceStore(fresh_db).load_csv(
            ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "empty.csv", "code,label,parent\n")
        )
    assert [(p.line, p.field) for p in refused.value.problems] == [(2, "row")]


async def test_loading_the_same_classification_again_changes_nothing(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    first = await store.load_csv(ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "a.csv", CLASSIFICATION))
    again = await store.load_csv(
        ReferenceKind.OFFENCE_CLASSIFICATION, _write(tmp_path, "b.csv", CLASSIFICATION.replace("\n", "\r\n"))
    )
    assert (first.version, again.changed, again.version, again.rows) == (1, False, 1, 5)
    more = CLASSIFICATION + "0702,Forgery/counterfeiting,07\n"
    changed = await store.load_text(ReferenceKind.OFFENCE_CLASSIFICATION, more)
    assert (changed.changed, changed.version, changed.rows) == (True, 2, 6)


async def test_the_shipped_classification_is_iccs_sections_divisions_and_groups(fresh_db: Database) -> None:
    store = ReferenceStore(fresh_db)
    report = await store.load_csv(ReferenceKind.OFFENCE_CLASSIFICATION, SHIPPED)
    loaded = await store.offence_classification()
    assert loaded is not None and report.rows == len(loaded)
    sections = sorted(code for code in loaded if len(code) == 2)
    assert sections == [f"{n:02d}" for n in range(1, 12)]
    assert loaded["01"].label == "Acts leading to death or intending to cause death"
    assert loaded["11"].label == "Other criminal acts not elsewhere classified"
    assert {code: loaded[code].label for code in ("0101", "0701", "0703", "0704", "0801", "07041")} == {
        "0101": "Intentional homicide",
        "0701": "Fraud",
        "0703": "Corruption",
        "0704": "Acts involving proceeds of crime",
        "0801": "Acts against public order behavioural standards",
        "07041": "Money laundering",
    }
    assert all(entry.parent == "" or entry.parent in loaded for entry in loaded.values())
