"""A big import through the chat: stored whole, and told plainly when writing fails partway."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from storage.repositories.exchange import ExchangeRepository
from tests.factories import ZOE, Factory, import_counts, make_user, strong_file
from tests.fakes.chat import ChatSimulator


def fail_on_insert(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """Make the ``number``-th bulk insert of set rows fail, as a full disk would."""
    original = ExchangeRepository.insert_set_records
    calls = 0

    async def insert_set_records(repo: ExchangeRepository, rows: Sequence[dict[str, Any]]) -> None:
        nonlocal calls
        calls += 1
        if calls == number:
            raise RuntimeError("disk full")
        await original(repo, rows)

    monkeypatch.setattr(ExchangeRepository, "insert_set_records", insert_set_records)


async def test_a_big_file_is_imported_and_undone_through_the_chat(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    zoe = sim.user(ZOE, "Zoe")
    await zoe.send_document(strong_file(500), "strong.csv", "text/csv")
    assert "500 workouts, 5,000 sets" in zoe.last_reply.text
    (done,) = await zoe.press("Import")
    assert "Imported into your own history: 500 workouts, 5,000 sets" in done.text
    assert await import_counts(session_factory) == (500, 5000)

    await zoe.send_document(strong_file(500), "strong.csv", "text/csv")
    (again,) = await zoe.press("Import")
    assert "already in Spotter" in again.text
    assert await import_counts(session_factory) == (500, 5000)

    (undone,) = await zoe.press_data(done.button_data[0][0], message_id=done.message_id)
    assert "Import undone: removed 500 workouts and 5,000 sets" in undone.text
    assert await import_counts(session_factory) == (0, 0)


async def test_a_failure_partway_is_removed_and_the_person_told(
    sim: ChatSimulator, session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    zoe = sim.user(ZOE, "Zoe")
    await zoe.send_document(strong_file(300), "strong.csv", "text/csv")
    fail_on_insert(monkeypatch, 4)
    (reply,) = await zoe.press("Import")
    assert "Storing the workouts failed partway" in reply.text
    assert "Nothing was stored" in reply.text
    assert "Traceback" not in reply.text
    assert "disk full" not in reply.text
    assert await import_counts(session_factory) == (0, 0)


async def test_when_the_part_written_cannot_be_removed_the_person_is_told_so(
    sim: ChatSimulator, session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    zoe = sim.user(ZOE, "Zoe")
    data = strong_file(300)
    await zoe.send_document(data, "strong.csv", "text/csv")
    fail_on_insert(monkeypatch, 4)

    async def broken(repo: ExchangeRepository, record_ids: Sequence[int]) -> None:
        raise RuntimeError("database gone")

    with monkeypatch.context() as patch:
        patch.setattr(ExchangeRepository, "delete_records", broken)
        (reply,) = await zoe.press("Import")
    assert "part of them is stored" in reply.text
    assert "Send the file again to finish" in reply.text
    assert "Nothing was stored" not in reply.text
    stored = await import_counts(session_factory)
    assert 0 < stored[1] < 3000

    monkeypatch.undo()
    await zoe.send_document(data, "strong.csv", "text/csv")
    (done,) = await zoe.press("Import")
    assert "Imported into your own history" in done.text
    assert await import_counts(session_factory) == (300, 3000)
    (undone,) = await zoe.press_data(done.button_data[0][0], message_id=done.message_id)
    assert "removed 300 workouts and 3,000 sets" in undone.text
    assert await import_counts(session_factory) == (0, 0)
