"""Use cases marked to run in a worker process: a busy database is retried where the use case
runs (in the worker, or here when there is no database address), as for any use case, and not
at all for a use case that commits in steps of its own."""

from __future__ import annotations

import dataclasses

import pytest

from coaching.services.base import ATTEMPTS, Service, ServiceContext, own_transactions
from coaching.services.elsewhere import in_worker
from coaching.services.offload import READS, WorkerPool
from storage.uow import DatabaseBusy


class _Flaky(Service):
    def __init__(self, ctx: ServiceContext, busy: int) -> None:
        super().__init__(ctx)
        self.busy = busy
        self.calls = 0

    def _attempt(self) -> str:
        self.calls += 1
        if self.calls <= self.busy:
            raise DatabaseBusy("locked")
        return "done"

    @in_worker(READS)
    async def read(self) -> str:
        return self._attempt()

    @own_transactions
    @in_worker(READS)
    async def claim(self) -> str:
        return self._attempt()


async def test_a_busy_database_is_retried_here_when_there_is_no_worker(
    ctx: ServiceContext,
) -> None:
    flaky = _Flaky(ctx, busy=2)
    assert await flaky.read() == "done"
    assert flaky.calls == 3


async def test_it_gives_up_after_as_many_attempts_as_any_use_case(ctx: ServiceContext) -> None:
    flaky = _Flaky(ctx, busy=100)
    with pytest.raises(DatabaseBusy):
        await flaky.read()
    assert flaky.calls == ATTEMPTS


async def test_a_use_case_with_transactions_of_its_own_is_not_run_again(
    ctx: ServiceContext,
) -> None:
    flaky = _Flaky(ctx, busy=1)
    with pytest.raises(DatabaseBusy):
        await flaky.claim()
    assert flaky.calls == 1


_BUSY = WorkerPool("busy-test", warm=False)
_attempts_in_this_process = 0


class _AlwaysBusy(Service):
    @in_worker(_BUSY)
    async def read(self) -> str:
        global _attempts_in_this_process
        _attempts_in_this_process += 1
        raise DatabaseBusy(f"attempt {_attempts_in_this_process}")


async def test_in_a_worker_a_busy_database_is_retried_there_and_not_again_around_the_trip(
    ctx: ServiceContext, database_url: str
) -> None:
    elsewhere = _AlwaysBusy(dataclasses.replace(ctx, database_url=database_url))
    try:
        with pytest.raises(DatabaseBusy) as raised:
            await elsewhere.read()
    finally:
        _BUSY.close()
    # Every attempt ran in the worker; the bot did not send the whole use case there again.
    assert str(raised.value) == f"attempt {ATTEMPTS}"
    assert _attempts_in_this_process == 0
