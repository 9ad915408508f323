"""The dashboard benchmark runs end to end at a tiny size. Speed is never asserted here."""

from __future__ import annotations

from pathlib import Path

from bench.dashboard import run


async def test_dashboard_benchmark_at_a_tiny_size(tmp_path: Path) -> None:
    record = tmp_path / "RESULTS.md"
    record.write_text("# results\n")
    report = await run("3,12,900", rounds=3, warmup=1, out_dir=tmp_path, record=record)
    sets, board, card = report.samples
    assert (sets.count, board.count, card.count) == (3, 3, 3)
    assert report.clients >= 4
    span = board.statements_range
    assert span is not None
    assert span[0] == span[1]  # the same statements every time
    assert report.scan_trainers >= 2
    text = record.read_text()
    assert "## Dashboard" in text
    assert "/dashboard (200 clients)" in text
    assert "alert scan over all trainers" in text
    assert str(tmp_path) not in text
