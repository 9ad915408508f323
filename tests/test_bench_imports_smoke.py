"""The import benchmark runs end to end at a tiny size. Speed is never asserted here."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bench.imports import OWN_NAMES, STANDARD_NAMES, run, strong_file
from coaching.domain.enums import Units
from coaching.domain.exchange import read_history


def test_the_generated_file_is_a_strong_export_with_rest_timer_rows() -> None:
    history = read_history(strong_file(97), ZoneInfo("UTC"), Units.KG)
    assert history.set_count == 97
    assert history.rest_rows == 97
    assert history.unit_missing


async def test_import_benchmark_at_a_tiny_size(tmp_path: Path) -> None:
    record = tmp_path / "RESULTS.md"
    record.write_text("# results\n")
    report = await run(600, out_dir=tmp_path, record=record)
    assert report.stored_sets == 600
    assert report.stored_workouts == report.workouts == 15
    assert report.names == STANDARD_NAMES + OWN_NAMES
    text = record.read_text()
    assert text.startswith("# results\n")
    assert "## Imports " in text
    assert "- stored: 600 sets in 15 workouts" in text
    assert str(tmp_path) not in text
    assert not (tmp_path / "imports.db").exists()
