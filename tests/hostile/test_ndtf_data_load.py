"""``ndtf data load`` with a hostile file: the command says which line and field, exits 2, loads nothing,
and never writes the file's control characters to the terminal."""

from __future__ import annotations

from pathlib import Path

from models.reference import ReferenceKind
from tests.cli.conftest import LiveApi, cli_env, live_api  # noqa: F401 - fixtures used here
from tests.hostile.test_reference_data import SHIPPED

ESCAPE = "\x1b]0;owned\x07\x1b[2J"
"""An ESC sequence that would retitle and clear the operator's terminal."""


async def test_ndtf_data_load_names_the_line_and_field_of_a_control_character_and_loads_nothing(
    live_api: LiveApi,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    lines = SHIPPED[ReferenceKind.MEMBERS].splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[1], f"Nowhere{ESCAPE}land", 1)
    lines[5] = lines[5].replace(lines[5].split(",")[1], "Nul\x00land", 1)
    path = tmp_path / "members.csv"
    path.write_text("\n".join(lines) + "\n")

    loaded = await live_api.ndtf("data", "load", "members", str(path))
    assert loaded.exit_code == 2, loaded.output
    assert "nothing was loaded" in loaded.stderr
    assert "line 4, name" in loaded.stderr and "U+001B" in loaded.stderr
    assert "line 6, name" in loaded.stderr and "U+0000" in loaded.stderr
    assert "\x1b" not in loaded.output and "\x00" not in loaded.output

    shipped = tmp_path / "shipped.csv"
    shipped.write_text(SHIPPED[ReferenceKind.MEMBERS])
    unchanged = await live_api.ndtf("data", "load", "members", str(shipped))
    assert unchanged.exit_code == 0 and "unchanged" in unchanged.stdout, unchanged.output
