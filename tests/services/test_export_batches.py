"""Exports of long histories: read page by page, built off the event loop, complete and exact."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.exchange import write_hevy, write_strong
from coaching.services.base import ServiceContext
from coaching.services.exports import (
    LIBRARY_PER_PAGE,
    RECORDS_PER_PAGE,
    ROWS_PER_PAGE,
    ExportService,
    row_dict,
    workouts_of,
    zone,
)
from storage.models import Base, SessionTemplate
from storage.repositories.exchange import ExchangeRepository
from tests.factories import TOM, ZELDA, make_coaching, make_user, rich_client
from tests.services.long_history import long_history

Factory = async_sessionmaker[AsyncSession]


def _rows(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode()), delimiter=delimiter))


def _canonical(data: bytes) -> bytes:
    """The file as ``json.dumps(..., indent=2, ensure_ascii=False)`` writes its content."""
    return json.dumps(json.loads(data), indent=2, ensure_ascii=False).encode("utf-8")


async def _built_at_once(
    factory: Factory, profile_ids: list[int]
) -> tuple[list[dict[str, Any]], bytes, bytes]:
    """The sessions section and both CSVs as they were built before paging: from ORM rows,
    all at once."""
    async with factory() as session:
        records = await ExchangeRepository(session).records(profile_ids)
        sessions = [
            {
                **row_dict(r),
                "exercises": [
                    {**row_dict(e), "sets": [row_dict(s) for s in e.sets]} for e in r.exercises
                ],
            }
            for r in records
        ]
        workouts = workouts_of(records)
        tz = zone("UTC")
        return sessions, write_strong(workouts, tz), write_hevy(workouts, tz)


async def test_a_20000_set_history_exports_completely(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    history = await long_history(
        session_factory,
        rich.profile_id,
        logged_by=rich.client.id,
        trainer_id=rich.trainer.id,
        sessions=1000,
        exercises=4,
        sets=5,
    )
    assert history.sets == 20_000
    assert history.sessions > 10 * RECORDS_PER_PAGE
    svc = ExportService(ctx)

    bundle = await svc.my_data(ZELDA)
    # rich_client has two one-set sessions: the trainer's, then her own, both after the history.
    assert (bundle.sessions, bundle.sets) == (1002, 20_002)
    document, strong, hevy = (file.data for file in bundle.files)
    assert document == _canonical(document)
    content = json.loads(document)
    sessions = content["sessions"]
    assert len(sessions) == 1002
    assert sum(len(e["sets"]) for s in sessions for e in s["exercises"]) == 20_002
    assert sessions[0]["title"] == history.first_title
    assert sessions[999]["title"] == history.last_title
    assert (sessions, strong, hevy) == await _built_at_once(
        session_factory, [rich.profile_id, rich.own_profile_id]
    )
    assert content["media"][0]["file_id"] == "ZELDAVIDEO1"
    assert content["alerts"][0]["alert_type"] == "INJURY_REPORTED"

    strong_rows = _rows(strong, ",")
    assert len(strong_rows) == 20_002
    assert strong_rows[0]["Workout Name"] == history.first_title
    assert strong_rows[0]["Set Order"] == "W"
    assert strong_rows[19_999]["Workout Name"] == history.last_title
    assert strong_rows[-1]["Workout Name"] == "Legs"
    hevy_rows = _rows(hevy)
    assert len(hevy_rows) == 20_002
    assert hevy_rows[0]["title"] == history.first_title
    assert hevy_rows[0]["set_type"] == "warmup"
    assert hevy_rows[-1]["exercise_title"] == "Barbell Back Squat"

    trainer = await svc.trainer_export(TOM, rich.profile_id)
    sessions_csv, sets_csv, adherence_csv = (file.data for file in trainer.files)
    session_rows = _rows(sessions_csv)
    set_rows = _rows(sets_csv)
    # Her trainer sees her self-logged session too: she shares her workout history.
    assert (trainer.sessions, trainer.sets) == (1002, 20_002)
    assert len(session_rows) == 1002
    assert session_rows[0]["session"] == history.first_title
    assert session_rows[0]["sets"] == "20"
    assert session_rows[999]["session"] == history.last_title
    assert len(set_rows) == 20_002
    assert (set_rows[0]["session"], set_rows[0]["set"]) == (history.first_title, "1")
    assert (set_rows[19_999]["session"], set_rows[19_999]["set"]) == (history.last_title, "5")
    (adherence,) = _rows(adherence_csv)
    completed = sum(1 for i in range(1000) if i % 11)
    assert adherence["workouts_logged"] == str(completed + 2)
    assert adherence["sets_logged"] == str(completed * 20 + 2)


async def test_two_people_exporting_at_once_each_get_their_own(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    ann = await make_user(session_factory, 2001, "Ann", client=True)
    ben = await make_user(session_factory, 2002, "Ben", client=True)
    ann_coaching = await make_coaching(session_factory, tom, ann, name="Ann Archer")
    ben_coaching = await make_coaching(session_factory, tom, ben, name="Ben Baker")
    await long_history(
        session_factory,
        ann_coaching.profile.id,
        logged_by=ann.id,
        trainer_id=tom.id,
        sessions=7 * RECORDS_PER_PAGE + 3,
        tag="a",
    )
    await long_history(
        session_factory,
        ben_coaching.profile.id,
        logged_by=ben.id,
        trainer_id=tom.id,
        sessions=5 * RECORDS_PER_PAGE,
        exercises=2,
        sets=3,
        tag="b",
    )
    svc = ExportService(ctx)
    alone = [await svc.my_data(2001), await svc.my_data(2002), await svc.trainer_export(TOM, None)]

    together = await asyncio.gather(
        svc.my_data(2001), svc.my_data(2002), svc.trainer_export(TOM, None)
    )

    for before, now in zip(alone, together, strict=True):
        assert [f.data for f in now.files] == [f.data for f in before.files]
        assert (now.sessions, now.sets) == (before.sessions, before.sets)
    ann_export, ben_export, tom_export = together
    assert (ann_export.sessions, ann_export.sets) == (7 * RECORDS_PER_PAGE + 3, 2300)
    assert (ben_export.sessions, ben_export.sets) == (5 * RECORDS_PER_PAGE, 480)
    ann_document = json.loads(ann_export.files[0].data)
    assert ann_document["account"]["telegram_id"] == 2001
    assert {s["client_profile_id"] for s in ann_document["sessions"]} == {ann_coaching.profile.id}
    ben_document = json.loads(ben_export.files[0].data)
    assert {s["client_profile_id"] for s in ben_document["sessions"]} == {ben_coaching.profile.id}
    tom_sets = _rows(tom_export.files[1].data)
    assert len(tom_sets) == 2300 + 480
    assert [row["client"] for row in tom_sets] == ["Ann Archer"] * 2300 + ["Ben Baker"] * 480


async def test_a_large_library_exports_every_template_and_program(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    count = 2 * LIBRARY_PER_PAGE + 1
    async with session_factory() as session:
        session.add_all(
            SessionTemplate(trainer_user_id=tom.id, name=f"Template {i:03d}", created_by=tom.id)
            for i in range(count)
        )
        await session.commit()
    file, templates, programs = await ExportService(ctx).library(TOM)
    assert (templates, programs) == (count, 0)
    names = [t["name"] for t in json.loads(file.data)["templates"]]
    assert names == [f"Template {i:03d}" for i in range(count)]


async def test_many_measurements_on_the_same_days_come_once_each_in_order(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    ann = await make_user(session_factory, 2001, "Ann", client=True)
    coaching = await make_coaching(session_factory, tom, ann, name="Ann Archer")
    count = 2 * ROWS_PER_PAGE + 7
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with session_factory() as session:
        # Newest days first, several rows a day: the export sorts by day, then by id.
        await session.execute(
            Base.metadata.tables["measurements"].insert(),
            [
                {
                    "client_profile_id": coaching.profile.id,
                    "kind": "weight",
                    "value": Decimal(60) + Decimal(i) / 10,
                    "unit": "kg",
                    "measured_on": date(2026, 10, 1) - timedelta(days=i // 3),
                    "note": f"#{i}",
                    "created_by": ann.id,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        await session.commit()
    bundle = await ExportService(ctx).my_data(2001)
    rows = json.loads(bundle.files[0].data)["measurements"]
    expected = sorted(range(count), key=lambda i: (-(i // 3), i))
    assert [row["note"] for row in rows] == [f"#{i}" for i in expected]
    assert bundle.files[0].data == _canonical(bundle.files[0].data)
