"""Tests for expanding a program assignment into dated sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.schedule import (
    PlannedSlot,
    ScheduleError,
    TrainingDay,
    UnknownTimeZone,
    expand_schedule,
    format_weekdays,
    load_zone,
    local_to_utc,
    parse_weekdays,
    shift_slots,
)
from tests.helpers import u

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

MON_WED_FRI = (
    TrainingDay(MON, time(7, 0)),
    TrainingDay(WED, time(7, 0)),
    TrainingDay(FRI, time(18, 30)),
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def program(weeks: int, per_week: int) -> list[tuple[int, int]]:
    return [(w, s) for w in range(1, weeks + 1) for s in range(1, per_week + 1)]


# ---------------------------------------------------------------------------------------------
# local_to_utc
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "local", "expected"),
    [
        # Ordinary times.
        ("Europe/London", datetime(2026, 1, 15, 7, 0), utc(2026, 1, 15, 7, 0)),
        ("Europe/London", datetime(2026, 7, 15, 7, 0), utc(2026, 7, 15, 6, 0)),
        ("Asia/Kolkata", datetime(2026, 3, 29, 7, 0), utc(2026, 3, 29, 1, 30)),
        # Spring-forward gaps move to the moment the clocks jumped.
        ("Europe/Berlin", datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 0)),
        ("Europe/London", datetime(2026, 3, 29, 1, 15), utc(2026, 3, 29, 1, 0)),
        ("America/New_York", datetime(2026, 3, 8, 2, 30), utc(2026, 3, 8, 7, 0)),
        # Samoa skipped the whole of 2011-12-30: the next valid time is midnight on the 31st.
        ("Pacific/Apia", datetime(2011, 12, 30, 12, 0), utc(2011, 12, 30, 10, 0)),
        # Ambiguous fall-back times take the first occurrence (still summer time).
        ("Europe/Berlin", datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),
        ("Europe/London", datetime(2026, 10, 25, 1, 30), utc(2026, 10, 25, 0, 30)),
        ("America/New_York", datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),
    ],
)
def test_local_to_utc_handles_gaps_and_folds(tz: str, local: datetime, expected: datetime) -> None:
    assert local_to_utc(local, ZoneInfo(tz)) == expected


def test_local_to_utc_rejects_aware_input() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_to_utc(utc(2026, 1, 1, 7, 0), ZoneInfo("Europe/London"))


@pytest.mark.parametrize("name", ["Mars/Olympus", "", " Europe/London", "../etc/passwd"])
def test_load_zone_rejects_unknown_names(name: str) -> None:
    with pytest.raises(UnknownTimeZone, match="Europe/London"):
        load_zone(name)


# ---------------------------------------------------------------------------------------------
# expand_schedule
# ---------------------------------------------------------------------------------------------


def test_four_weeks_of_three_sessions_on_mon_wed_fri() -> None:
    slots = expand_schedule(
        start_date=date(2026, 1, 5),  # a Monday
        tz="Europe/London",
        training_days=MON_WED_FRI,
        sessions=program(4, 3),
    )
    assert [(s.week_number, s.session_number, s.local_date) for s in slots] == [
        (1, 1, date(2026, 1, 5)),
        (1, 2, date(2026, 1, 7)),
        (1, 3, date(2026, 1, 9)),
        (2, 1, date(2026, 1, 12)),
        (2, 2, date(2026, 1, 14)),
        (2, 3, date(2026, 1, 16)),
        (3, 1, date(2026, 1, 19)),
        (3, 2, date(2026, 1, 21)),
        (3, 3, date(2026, 1, 23)),
        (4, 1, date(2026, 1, 26)),
        (4, 2, date(2026, 1, 28)),
        (4, 3, date(2026, 1, 30)),
    ]
    assert [s.starts_at_utc.time() for s in slots[:3]] == [time(7), time(7), time(18, 30)]


def test_program_week_starts_on_first_training_day_after_start_date() -> None:
    # Starting on a Tuesday: week 1 runs Wed, Fri, then Mon of the following calendar week.
    slots = expand_schedule(
        start_date=date(2026, 1, 6),
        tz="UTC",
        training_days=MON_WED_FRI,
        sessions=program(2, 3),
    )
    assert [(s.week_number, s.session_number, s.local_date) for s in slots] == [
        (1, 1, date(2026, 1, 7)),
        (1, 2, date(2026, 1, 9)),
        (1, 3, date(2026, 1, 12)),
        (2, 1, date(2026, 1, 14)),
        (2, 2, date(2026, 1, 16)),
        (2, 3, date(2026, 1, 19)),
    ]
    assert slots[2].starts_at_utc == utc(2026, 1, 12, 7, 0)


def test_weeks_with_fewer_sessions_and_empty_weeks_keep_the_weekly_rhythm() -> None:
    slots = expand_schedule(
        start_date=date(2026, 1, 5),
        tz="UTC",
        training_days=MON_WED_FRI,
        sessions=[(1, 1), (1, 2), (1, 3), (2, 1), (4, 2), (4, 1)],
    )
    assert [(s.week_number, s.session_number, s.local_date) for s in slots] == [
        (1, 1, date(2026, 1, 5)),
        (1, 2, date(2026, 1, 7)),
        (1, 3, date(2026, 1, 9)),
        (2, 1, date(2026, 1, 12)),
        (4, 1, date(2026, 1, 26)),
        (4, 2, date(2026, 1, 28)),
    ]


def test_gaps_in_session_numbers_fill_the_days_in_order() -> None:
    slots = expand_schedule(
        start_date=date(2026, 1, 5),
        tz="UTC",
        training_days=MON_WED_FRI,
        sessions=[(1, 2), (1, 5)],
    )
    assert [(s.session_number, s.local_date) for s in slots] == [
        (2, date(2026, 1, 5)),
        (5, date(2026, 1, 7)),
    ]


def test_training_days_may_be_given_in_any_order() -> None:
    def expand(days: tuple[TrainingDay, ...]) -> tuple[PlannedSlot, ...]:
        return expand_schedule(
            start_date=date(2026, 1, 5), tz="UTC", training_days=days, sessions=program(2, 3)
        )

    shuffled = (MON_WED_FRI[2], MON_WED_FRI[0], MON_WED_FRI[1])
    assert expand(shuffled) == expand(MON_WED_FRI)


@pytest.mark.parametrize(
    ("tz", "first_sunday", "at", "expected_utc"),
    [
        # Europe/London, March change (2026-03-29): a 07:00 session moves from 07:00 to 06:00 UTC.
        ("Europe/London", date(2026, 3, 22), time(7), ["2026-03-22 07:00", "2026-03-29 06:00"]),
        # Europe/London, October change (2026-10-25): back from 06:00 to 07:00 UTC.
        ("Europe/London", date(2026, 10, 18), time(7), ["2026-10-18 06:00", "2026-10-25 07:00"]),
        # America/New_York, March change (2026-03-08): 12:00 UTC becomes 11:00 UTC.
        ("America/New_York", date(2026, 3, 1), time(7), ["2026-03-01 12:00", "2026-03-08 11:00"]),
        # America/New_York, November change (2026-11-01): 11:00 UTC becomes 12:00 UTC.
        ("America/New_York", date(2026, 10, 25), time(7), ["2026-10-25 11:00", "2026-11-01 12:00"]),
        # A session inside the spring-forward gap moves to the end of the gap (03:00 local).
        (
            "America/New_York",
            date(2026, 3, 1),
            time(2, 30),
            ["2026-03-01 07:30", "2026-03-08 07:00"],
        ),
        ("Europe/Berlin", date(2026, 3, 22), time(2, 30), ["2026-03-22 01:30", "2026-03-29 01:00"]),
        # An ambiguous time takes the first occurrence (still summer time: BST, EDT).
        (
            "Europe/London",
            date(2026, 10, 18),
            time(1, 30),
            ["2026-10-18 00:30", "2026-10-25 00:30"],
        ),
        (
            "America/New_York",
            date(2026, 10, 25),
            time(1, 30),
            ["2026-10-25 05:30", "2026-11-01 05:30"],
        ),
        # Asia/Kolkata has a half-hour offset and no DST.
        ("Asia/Kolkata", date(2026, 3, 22), time(7), ["2026-03-22 01:30", "2026-03-29 01:30"]),
        ("Asia/Kolkata", date(2026, 10, 18), time(0, 15), ["2026-10-17 18:45", "2026-10-24 18:45"]),
    ],
)
def test_sunday_sessions_across_dst_changes(
    tz: str, first_sunday: date, at: time, expected_utc: list[str]
) -> None:
    slots = expand_schedule(
        start_date=first_sunday,
        tz=tz,
        training_days=[TrainingDay(SUN, at)],
        sessions=[(1, 1), (2, 1)],
    )
    assert [s.starts_at_utc for s in slots] == [u(text) for text in expected_utc]
    assert [s.local_date for s in slots] == [first_sunday, first_sunday + timedelta(days=7)]


def test_local_date_is_the_clients_date_not_the_utc_date() -> None:
    # 00:15 in Kolkata is still the previous day in UTC.
    (slot,) = expand_schedule(
        start_date=date(2026, 5, 4),
        tz="Asia/Kolkata",
        training_days=[TrainingDay(MON, time(0, 15))],
        sessions=[(1, 1)],
    )
    assert slot.local_date == date(2026, 5, 4)
    assert slot.starts_at_utc == utc(2026, 5, 3, 18, 45)


def test_no_sessions_gives_an_empty_schedule() -> None:
    assert (
        expand_schedule(
            start_date=date(2026, 1, 5), tz="UTC", training_days=MON_WED_FRI, sessions=[]
        )
        == ()
    )


TWO_MONDAYS = (TrainingDay(MON, time(7)), TrainingDay(MON, time(18)))


@pytest.mark.parametrize(
    ("training_days", "sessions", "message"),
    [
        (MON_WED_FRI, program(1, 4), r"Week 1 has 4 sessions but only 3 training days \(Mon, Wed"),
        (
            MON_WED_FRI[:1],
            [(1, 1), (2, 1), (2, 2)],
            r"Week 2 has 2 sessions but only 1 training day ",
        ),
        ((), program(1, 1), "at least one training day"),
        (TWO_MONDAYS, program(1, 1), "Monday is chosen twice"),
        (MON_WED_FRI, [(1, 1), (1, 1)], "week 1, session 1 twice"),
        (MON_WED_FRI, [(0, 1)], "numbered from 1"),
        (MON_WED_FRI, [(1, -2)], "numbered from 1"),
    ],
)
def test_invalid_schedules_are_rejected_with_an_example(
    training_days: tuple[TrainingDay, ...], sessions: list[tuple[int, int]], message: str
) -> None:
    with pytest.raises(ScheduleError, match=message) as info:
        expand_schedule(
            start_date=date(2026, 1, 5), tz="UTC", training_days=training_days, sessions=sessions
        )
    assert "e.g." in str(info.value)


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(UnknownTimeZone):
        expand_schedule(
            start_date=date(2026, 1, 5),
            tz="Europe/Atlantis",
            training_days=MON_WED_FRI,
            sessions=[(1, 1)],
        )


@pytest.mark.parametrize(("weekday", "at"), [(-1, time(7)), (7, time(7)), (0, time(7, tzinfo=UTC))])
def test_training_day_validates_its_fields(weekday: int, at: time) -> None:
    with pytest.raises(ValueError, match=r"weekday|naive"):
        TrainingDay(weekday, at)


TZS = st.sampled_from(
    [
        "UTC",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
    ]
)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    tz=TZS,
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    per_week=st.lists(st.integers(0, 7), min_size=1, max_size=8),
    hour=st.integers(5, 21),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_expansion_properties(
    start: date, tz: str, weekdays: set[int], per_week: list[int], hour: int, minute: int
) -> None:
    """Every session lands on a chosen weekday, at the chosen local time, in its own week."""
    counts = [min(c, len(weekdays)) for c in per_week]
    sessions = [(w, s) for w, c in enumerate(counts, start=1) for s in range(1, c + 1)]
    slots = expand_schedule(
        start_date=start,
        tz=tz,
        training_days=[TrainingDay(d, time(hour, minute)) for d in weekdays],
        sessions=sessions,
    )
    zone = ZoneInfo(tz)
    assert sorted((s.week_number, s.session_number) for s in slots) == sorted(sessions)
    assert [s.starts_at_utc for s in slots] == sorted(s.starts_at_utc for s in slots)
    assert len({s.local_date for s in slots}) == len(slots)
    first_day = min(start + timedelta(days=(d - start.weekday()) % 7) for d in weekdays)
    for slot in slots:
        local = slot.starts_at_utc.astimezone(zone)
        assert local.date() == slot.local_date
        assert local.time() == time(hour, minute)  # hours 05-21 are never in a DST gap
        assert slot.local_date.weekday() in weekdays
        week_start = first_day + timedelta(weeks=slot.week_number - 1)
        assert week_start <= slot.local_date < week_start + timedelta(days=7)


# ---------------------------------------------------------------------------------------------
# shift_slots
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "original", "days", "expected"),
    [
        # London 07:00 GMT on the Saturday before the change, moved one day to 07:00 BST.
        ("Europe/London", utc(2026, 3, 28, 7), 1, utc(2026, 3, 29, 6)),
        ("Europe/London", utc(2026, 10, 24, 6), 1, utc(2026, 10, 25, 7)),
        ("America/New_York", utc(2026, 3, 7, 23, 30), 1, utc(2026, 3, 8, 22, 30)),
        ("America/New_York", utc(2026, 11, 1, 12), -7, utc(2026, 10, 25, 11)),
        ("Asia/Kolkata", utc(2026, 3, 28, 1, 30), 14, utc(2026, 4, 11, 1, 30)),
        # 02:30 on the day before Berlin's change, moved into the gap: 03:00 CEST.
        ("Europe/Berlin", utc(2026, 3, 28, 1, 30), 1, utc(2026, 3, 29, 1)),
    ],
)
def test_shift_keeps_local_wall_clock(
    tz: str, original: datetime, days: int, expected: datetime
) -> None:
    slot = PlannedSlot(2, 1, original, original.astimezone(ZoneInfo(tz)).date())
    (moved,) = shift_slots([slot], days, tz)
    assert moved.starts_at_utc == expected
    assert moved.local_date == slot.local_date + timedelta(days=days)
    assert (moved.week_number, moved.session_number) == (2, 1)


@given(tz=TZS, days=st.integers(-60, 60), start=st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_shift_there_and_back_is_identity(tz: str, days: int, start: date) -> None:
    slots = expand_schedule(
        start_date=start, tz=tz, training_days=MON_WED_FRI, sessions=program(3, 3)
    )
    assert shift_slots(shift_slots(slots, days, tz), -days, tz) == slots


def test_shift_rejects_naive_slot_times() -> None:
    slot = PlannedSlot(1, 1, datetime(2026, 1, 5, 7), date(2026, 1, 5))
    with pytest.raises(ValueError, match="timezone-aware"):
        shift_slots([slot], 1, "UTC")


# ---------------------------------------------------------------------------------------------
# parse_weekdays / format_weekdays
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon wed fri", (MON, WED, FRI)),
        ("Mon, Wed, Fri", (MON, WED, FRI)),
        ("tue/thu", (TUE, THU)),
        ("Tuesday and Thursday", (TUE, THU)),
        ("fri; mon & wed", (MON, WED, FRI)),
        ("tues + thurs", (TUE, THU)),
        ("Mondays, Fridays", (MON, FRI)),
        ("sa su", (SAT, SUN)),
        ("mon-fri", (MON, TUE, WED, THU, FRI)),
        ("Mon – Wed", (MON, TUE, WED)),
        ("fri-mon", (MON, FRI, SAT, SUN)),
        ("weekdays", (MON, TUE, WED, THU, FRI)),
        ("weekend", (SAT, SUN)),
        ("weekdays sat", (MON, TUE, WED, THU, FRI, SAT)),
        ("every day", (MON, TUE, WED, THU, FRI, SAT, SUN)),
        ("DAILY", (MON, TUE, WED, THU, FRI, SAT, SUN)),
        ("mon mon monday", (MON,)),
        ("  sun  ", (SUN,)),
    ],
)
def test_parse_weekdays_accepts_common_forms(text: str, expected: tuple[int, ...]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("mon wed fry", "'fry'"),
        ("1 3 5", "'1'"),
        ("mon-", "'mon-'"),
        ("mon-wed-fri", "'mon-wed-fri'"),
        ("mon-xyz", "'xyz'"),
        ("", "which days"),
        (" , / ", "which days"),
    ],
)
def test_parse_weekdays_names_the_bad_token_and_gives_an_example(text: str, named: str) -> None:
    with pytest.raises(ScheduleError, match=named) as info:
        parse_weekdays(text)
    assert "mon" in str(info.value)


def test_parse_weekdays_explains_why_numbers_are_refused() -> None:
    with pytest.raises(ScheduleError, match="Monday or Sunday"):
        parse_weekdays("1 3 5")


@given(st.sets(st.integers(0, 6), min_size=1))
def test_formatted_weekdays_parse_back(days: set[int]) -> None:
    assert parse_weekdays(format_weekdays(days)) == tuple(sorted(days))
