"""Reading and showing a start time per training day."""

from __future__ import annotations

from datetime import time
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.schedule import WEEKDAY_NAMES, TrainingDay
from coaching.domain.training_times import (
    TrainingTimesError,
    dump_training_days,
    format_training_days,
    load_training_days,
    parse_training_times,
    same_time,
    shift_training_days,
    times_example,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
MWF = (MON, WED, FRI)


def days(*pairs: tuple[int, str]) -> tuple[TrainingDay, ...]:
    return tuple(TrainingDay(day, time.fromisoformat(at)) for day, at in pairs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One time for every training day.
        ("07:00", days((MON, "07:00"), (WED, "07:00"), (FRI, "07:00"))),
        ("7am", days((MON, "07:00"), (WED, "07:00"), (FRI, "07:00"))),
        ("  18:30 ", days((MON, "18:30"), (WED, "18:30"), (FRI, "18:30"))),
        ("at 6:15pm", days((MON, "18:15"), (WED, "18:15"), (FRI, "18:15"))),
        ("18:30:45", days((MON, "18:30"), (WED, "18:30"), (FRI, "18:30"))),
        # A time per day.
        ("mon 7:00, wed 18:30, fri 7am", days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00"))),
        ("mon 7:00; wed 18:30; fri 7am", days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00"))),
        ("mon 7:00\nwed 18:30\nfri 7am", days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00"))),
        (
            "Monday 07:00, WEDNESDAY 18:30, Friday 7 am",
            days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00")),
        ),
        ("fri 7am, mon 7:00, wed 18:30", days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00"))),
        (
            "mon: 7:00, wed at 6:30pm, fri - 7am",
            days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00")),
        ),
        ("7:00 mon, 18:30 wed, 7am fri", days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00"))),
        ("mon7am, wed6:30pm, fri7am", days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00"))),
        (
            "mondays 7am; weds 18:30; fridays 7am",
            days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00")),
        ),
        # A whole hour that can only mean one time: 13 to 23, or zero-padded.
        ("19", days((MON, "19:00"), (WED, "19:00"), (FRI, "19:00"))),
        ("07", days((MON, "07:00"), (WED, "07:00"), (FRI, "07:00"))),
        ("mon 07, wed 18, fri 19", days((MON, "07:00"), (WED, "18:00"), (FRI, "19:00"))),
        # Days without a time take the next time given.
        ("mon, wed 7am, fri 6pm", days((MON, "07:00"), (WED, "07:00"), (FRI, "18:00"))),
        ("Mon, Wed, Fri at 07:00", days((MON, "07:00"), (WED, "07:00"), (FRI, "07:00"))),
        ("mon & wed 7am, fri noon", days((MON, "07:00"), (WED, "07:00"), (FRI, "12:00"))),
        # The same day twice with the same time is harmless.
        (
            "mon 7am, wed 18:30, fri 7am, mon 07:00",
            days((MON, "07:00"), (WED, "18:30"), (FRI, "07:00")),
        ),
    ],
)
def test_good_answers(text: str, expected: tuple[TrainingDay, ...]) -> None:
    assert parse_training_times(text, MWF) == expected


@pytest.mark.parametrize(
    ("text", "weekdays", "message"),
    [
        (
            "",
            MWF,
            "Tell me a time for all training days, e.g. 07:00, or one per day, e.g. "
            "mon 07:00, wed 18:30, fri 07:00.",
        ),
        ("7", MWF, "'7' on its own could be morning or evening"),
        ("12", MWF, "'12' on its own could be noon or midnight"),
        ("25:00", MWF, "'25:00' is not a time of day"),
        (
            "07:00, 18:30",
            MWF,
            "'07:00, 18:30' gives times without days. Give one time for all "
            "training days, e.g. 07:00, or put the day before each time, e.g. mon 07:00",
        ),
        (
            "mon 7am, wed 6pm",
            MWF,
            "You gave no time for Friday. Give every training day a time, "
            "e.g. mon 07:00, wed 18:30, fri 07:00, or one time for all, e.g. 07:00.",
        ),
        ("mon 7am", MWF, "You gave no time for Wednesday and Friday."),
        (
            "mon 7am, tue 6pm, fri 7am",
            MWF,
            "Tuesday isn't one of the training days you picked "
            "(Mon, Wed, Fri). Give times for those days, e.g. mon 07:00, wed 18:30, fri 07:00.",
        ),
        (
            "mon 7am, tue 6pm, thu 6pm, wed 7am, fri 7am",
            MWF,
            "Tuesday and Thursday aren't among the training days you picked (Mon, Wed, Fri).",
        ),
        ("mon 7am, wed 25:00, fri 7am", MWF, "Wednesday: '25:00' is not a time of day."),
        ("mon 7, wed 6pm, fri 7am", MWF, "Monday: '7' on its own could be morning or evening"),
        ("mon 7am, wed evening, fri 7am", MWF, "Wednesday: I couldn't read 'evening'"),
        (
            "mon 7am, wensday 6pm, fri 7am",
            MWF,
            "'wensday' is not a day of the week. Write days as mon or monday",
        ),
        (
            "mon 7am, 6pm, fri 7am",
            (MON, FRI),
            "'6pm' has no day. Put the day before each time, e.g. mon 07:00, fri 18:30.",
        ),
        (
            "mon 7am, wed, fri",
            MWF,
            "Wednesday and Friday have no time. Put a time after each "
            "day, e.g. mon 07:00, wed 18:30, fri 07:00.",
        ),
        (
            "mon 7am, mon 6pm, wed 7am, fri 7am",
            MWF,
            "Monday has two times, 07:00 and 18:00. Give each day one time",
        ),
    ],
)
def test_bad_answers_say_what_is_wrong_with_an_example(
    text: str, weekdays: tuple[int, ...], message: str
) -> None:
    with pytest.raises(TrainingTimesError) as caught:
        parse_training_times(text, weekdays)
    assert message in str(caught.value)


def test_the_example_uses_the_picked_days_and_reads_back() -> None:
    assert times_example((TUE, THU)) == "tue 07:00, thu 18:30"
    assert times_example((SAT,)) == "sat 07:00"
    for picked in ((MON,), MWF, (TUE, THU, SAT, SUN)):
        assert [d.weekday for d in parse_training_times(times_example(picked), picked)] == list(
            picked
        )


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (days((MON, "07:00"), (WED, "07:00"), (FRI, "07:00")), "Mon, Wed, Fri at 07:00"),
        (days((FRI, "07:00"), (MON, "07:00"), (WED, "18:30")), "Mon 07:00, Wed 18:30, Fri 07:00"),
        (days((SUN, "09:05")), "Sun at 09:05"),
        ((), ""),
    ],
)
def test_format_is_short_when_the_times_agree(given: tuple[TrainingDay, ...], shown: str) -> None:
    assert format_training_days(given) == shown


def test_json_form_round_trips_and_skips_what_it_cannot_read() -> None:
    chosen = days((FRI, "07:00"), (MON, "18:30"))
    assert dump_training_days(chosen) == [[MON, "18:30"], [FRI, "07:00"]]
    assert load_training_days(dump_training_days(chosen)) == days((MON, "18:30"), (FRI, "07:00"))
    junk = [[9, "07:00"], ["x", "07:00"], [1, "late"], [2], "mon", [3, "06:00"], [3, "07:00"]]
    assert load_training_days(junk) == days((THU, "06:00"))
    assert load_training_days(None) == ()
    assert load_training_days({"0": "07:00"}) == ()


def test_shifting_moves_the_weekdays_and_keeps_the_times() -> None:
    chosen = days((MON, "07:00"), (WED, "18:30"), (SUN, "10:00"))
    assert shift_training_days(chosen, 1) == days((MON, "10:00"), (TUE, "07:00"), (THU, "18:30"))
    assert shift_training_days(chosen, -8) == days((TUE, "18:30"), (SAT, "10:00"), (SUN, "07:00"))
    assert shift_training_days(chosen, 14) == chosen


def test_same_time_drops_seconds_and_duplicates() -> None:
    assert same_time((FRI, MON, FRI), time(7, 0, 30)) == days((MON, "07:00"), (FRI, "07:00"))


minute_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
day_plans = st.dictionaries(st.integers(0, 6), minute_times, min_size=1)


@given(plan=day_plans)
def test_what_is_shown_reads_back_as_the_same_plan(plan: dict[int, time]) -> None:
    chosen = tuple(TrainingDay(day, plan[day]) for day in sorted(plan))
    assert parse_training_times(format_training_days(chosen), sorted(plan)) == chosen
    assert load_training_days(dump_training_days(chosen)) == chosen


@given(
    plan=day_plans,
    separator=st.sampled_from([", ", ",", "; ", "\n", " ;\n "]),
    full_names=st.booleans(),
    upper=st.booleans(),
    twelve_hour=st.booleans(),
    order=st.randoms(use_true_random=False),
)
def test_any_spelling_of_a_per_day_answer_reads_the_same(
    plan: dict[int, time],
    separator: str,
    full_names: bool,
    upper: bool,
    twelve_hour: bool,
    order: Random,
) -> None:
    def spelled(day: int, at: time) -> str:
        name = WEEKDAY_NAMES[day] if full_names else WEEKDAY_NAMES[day][:3]
        clock = f"{at.hour % 12 or 12}:{at.minute:02d}{'am' if at.hour < 12 else 'pm'}"
        text = f"{name} {clock if twelve_hour else f'{at:%H:%M}'}"
        return text.upper() if upper else text.lower()

    entries = [spelled(day, at) for day, at in plan.items()]
    order.shuffle(entries)
    expected = tuple(TrainingDay(day, plan[day]) for day in sorted(plan))
    assert parse_training_times(separator.join(entries), list(plan)) == expected
