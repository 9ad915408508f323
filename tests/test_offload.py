"""Work sent to a worker process comes back as if it had run here: its result, or its error."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator

import pytest

from coaching.domain.exchange import DateProblem
from coaching.services.offload import WorkerPool, WorkerUnpicklable


def _where(label: str) -> tuple[str, bool]:
    return label, multiprocessing.parent_process() is not None


def _bad_date(line: int) -> None:
    raise DateProblem("01/02/2025 18:00", "2025-02-01 18:00:00", line)


class _Odd(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} and {second}")


def _odd() -> None:
    raise _Odd("this", "that")


def _dies() -> str:
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return "done here"


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool("test")
    try:
        yield workers
    finally:
        workers.close()


async def test_the_work_runs_in_another_process_and_its_result_comes_back(
    pool: WorkerPool,
) -> None:
    assert await pool.run(_where, "file") == ("file", True)
    assert pool.started


async def test_a_domain_error_comes_back_whole_whatever_its_init_asks(pool: WorkerPool) -> None:
    with pytest.raises(DateProblem) as raised:
        await pool.run(_bad_date, 7)
    error = raised.value
    assert str(error).startswith("Line 7: the date “01/02/2025 18:00” is not a date and time")
    assert error.line == 7
    assert error.respelt, "its own attributes too"


async def test_an_error_that_cannot_come_back_is_named_not_lost(pool: WorkerPool) -> None:
    with pytest.raises(WorkerUnpicklable, match="_Odd: this and that"):
        await pool.run(_odd)
    assert await pool.run(_where, "after") == ("after", True), "the pool still works"


async def test_a_dead_worker_leaves_the_work_done_in_a_thread_and_a_fresh_pool_next() -> None:
    workers = WorkerPool("test")
    try:
        assert await workers.run(_dies) == "done here"
        assert not workers.started, "the broken pool is dropped"
        assert await workers.run(_where, "next") == ("next", True)
    finally:
        workers.close()


async def test_a_pool_that_cannot_start_works_in_a_thread() -> None:
    workers = WorkerPool("test", method="no-such-start-method")
    assert await workers.run(_where, "here") == ("here", False)
    assert not workers.started
