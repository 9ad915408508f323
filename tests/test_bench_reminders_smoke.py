"""The reminder benchmark runs end to end at a tiny size. Speed is never asserted here."""

from __future__ import annotations

from pathlib import Path

from bench.reminders import SAMPLE_SESSIONS, expected_jobs, run
from bot.dispatch import BATCH


async def test_reminder_benchmark_at_a_tiny_size(tmp_path: Path) -> None:
    record = tmp_path / "RESULTS.md"
    record.write_text("# results\n")
    report = await run(
        "tiny", sessions=300, scans=10, dispatch=600, out_dir=tmp_path, record=record
    )

    # Sessions and reminders were booked, and the real service derives the same rows.
    assert report.booked.sessions == 300
    assert report.booked.clients == 6
    assert 300 < report.booked.reminders <= 600
    assert report.sample[0] == SAMPLE_SESSIONS
    assert report.sample[1] > SAMPLE_SESSIONS

    # The JobQueue holds the fixed set of repeating jobs, not one job per reminder.
    probe = report.probe
    assert probe.jobs == expected_jobs()
    assert "reminders" in probe.jobs
    assert probe.naive_jobs == report.booked.reminders
    assert probe.naive_job_count == len(probe.jobs) + probe.naive_jobs

    # Scans claimed nothing when nothing was due, and a full batch when one was.
    assert report.scans.idle.claimed == 0
    assert report.scans.busy.claimed == BATCH
    assert report.scans.busy.count == 10

    # One due reminder per client (six at this size), each delivered exactly once.
    dispatch = report.dispatch
    assert dispatch.reminders == 6
    assert dispatch.delivered == 6
    assert dispatch.left_pending == 0

    text = record.read_text()
    assert text.startswith("# results\n")
    assert "## Reminders" in text
    assert "jobs in the JobQueue" in text
    assert "claim, nothing due" in text
    assert str(tmp_path) not in text
    assert not (tmp_path / "run" / "reminders.db").exists()
