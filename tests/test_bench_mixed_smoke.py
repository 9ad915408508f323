"""The "nobody waits" benchmark runs end to end at a tiny size. Speed is never asserted here.

It runs the bot as it is built: chats handled concurrently, each chat's updates in order
(``bot.updates.ChatOrderedProcessor``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bench.mixed import WINDOW_NAMES, Options, is_notice, run
from coaching.domain.enums import AlertSeverity, AlertType
from coaching.services.alerts import ClientNotice, UrgentNotice
from conversations.alerts import notice_keyboard, notice_text
from tests.fakes.botapi import Call

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None


def _tiny(tmp_path: Path, record: Path | None, **overrides: Any) -> Options:
    settings: dict[str, Any] = {
        "size": "6,30,3000",
        "trainers": 3,
        "rate": 12.0,
        "window": 0.3,
        "warmup": 0.3,
        "settle": 0.1,
        "import_sets": 60,
        "charts": 2,
        "digests": 2,
        "dashboards": 1,
        "floor_updates": 0,
        "timeout": 60.0,
        "out_dir": tmp_path,
        "record": record,
    }
    settings.update(overrides)
    return Options(**settings)


async def test_every_window_runs_and_no_set_is_lost(tmp_path: Path) -> None:
    record = tmp_path / "RESULTS.md"
    report = await run(_tiny(tmp_path, record, floor_updates=5))

    assert [w.name for w in report.windows] == list(WINDOW_NAMES)
    for window in report.windows:
        assert window.acked > 0, window.name
        assert window.samples.count >= window.acked
        # every acknowledged set is stored exactly once, and every set was answered
        assert (window.lost, window.doubled, window.already, window.unanswered) == (0, 0, 0, 0)
        assert window.refused == 0, window.job_note
        if window.name != "idle":
            assert window.job_seconds is not None
    notes = {w.name: w.job_note for w in report.windows}
    assert "Imported into your own history" in notes["import"]
    assert "60 sets" in notes["import"]
    assert "sets; files" in notes["export"]
    assert "2 charts sent" in notes["charts"]
    assert "scan" in notes["alert scan"]
    assert "2 of 2 digests sent" in notes["digest"]
    assert "/dashboard 1×" in notes["dashboard"]
    assert "2 charts sent" in notes["all together"]

    text = record.read_text()
    assert "## Nobody waits (bench.mixed)" in text
    assert "| all together |" in text
    assert "cores" in text
    assert str(tmp_path) not in text
    assert not list((tmp_path / "run").glob("*.db"))
    assert report.floors is not None
    assert report.floors.vs_storage > 0
    assert report.floors.stack_floor_ms > 0
    assert "raw-storage floor" in text
    assert "storage-stack floor" in text


@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL does not point at PostgreSQL")
async def test_the_same_on_postgresql(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    report = await run(_tiny(tmp_path, None, database=POSTGRES_URL))

    assert report.database.startswith("PostgreSQL")
    assert [w.name for w in report.windows] == list(WINDOW_NAMES)
    assert all(w.acked > 0 and w.intact for w in report.windows)


def _notice_call(alerts: int) -> Call:
    items = tuple(
        UrgentNotice(
            n, 77, 5, "Cleo", AlertSeverity.HIGH, AlertType.MISSED_WORKOUT, f"Missed day {n}"
        )
        for n in range(1, alerts + 1)
    )
    notice = ClientNotice(77, 5, "Cleo", items)
    markup = notice_keyboard(notice, items).to_dict()
    text = notice_text("Cleo", list(items))
    return Call("sendMessage", {"chat_id": 77, "text": text, "reply_markup": markup}, 0.0)


def test_an_urgent_notice_counts_as_a_notice_whether_it_names_one_alert_or_many() -> None:
    # The alert-scan window sends notices until none come; a notice naming several alerts of
    # one client was once not counted, so the window ended after a single run.
    assert is_notice(_notice_call(1))
    assert is_notice(_notice_call(35))
    answer = Call("sendMessage", {"chat_id": 77, "text": "✅ Logged set 3"}, 0.0)
    assert not is_notice(answer)
