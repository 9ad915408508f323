"""Reading exports that arrive in unusual shapes: UTF-16, other date spellings, a spreadsheet's
re-written dates, and rows written twice; and what a Hevy superset becomes."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coaching.domain.exchange import FileProblem, read_history

UTC_ZONE = ZoneInfo("UTC")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
STRONG = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
    "Workout Notes,RPE\n"
)
HEVY = (
    "title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,"
    "set_index,set_type,weight_kg,reps,distance_km,duration_seconds,rpe\n"
)
FITNOTES = "Date,Exercise,Category,Weight,Weight Unit,Reps,Distance,Distance Unit,Time\n"


def _sets(data: bytes) -> list[tuple[str, list[tuple[Decimal | None, int | None]]]]:
    history = read_history(data, UTC_ZONE)
    return [
        (e.name, [(s.weight_kg, s.reps) for s in e.sets])
        for w in history.workouts
        for e in w.exercises
    ]


@pytest.mark.parametrize(
    "encoded",
    [
        lambda text: text.encode("utf-16"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("utf-16-be"),
    ],
    ids=["with a BOM", "big-endian with a BOM", "little-endian", "big-endian"],
)
def test_utf16_files_read_like_utf8(encoded: object) -> None:
    text = STRONG.replace("Workout Name", "Nom de l'entraînement") + (
        "2025-02-01 18:00:00,Séance 💪,1h,Développé couché (Barre),1,62.5,10,0,0,,,\r\n"
    )
    assert callable(encoded)
    assert _sets(encoded(text)) == [("Développé couché (Barre)", [(Decimal("62.500"), 10)])]


def test_binary_with_zero_bytes_is_not_taken_for_utf16() -> None:
    with pytest.raises(FileProblem, match="this is not a CSV text file"):
        read_history(b"PK\x03\x04" + b"\x00\x01" * 40, UTC_ZONE)


@pytest.mark.parametrize(
    "when",
    ["2025-02-01 18:00:00", "2025-02-01 18:00", "2025-02-01T18:00:00", "2025-02-01 6:00:00 PM"],
)
def test_strong_dates_as_written_over_the_years(when: str) -> None:
    data = (STRONG + f"{when},S,1h,Squat (Barbell),1,100,5,0,0,,,\n").encode()
    (workout,) = read_history(data, UTC_ZONE).workouts
    assert workout.start == datetime(2025, 2, 1, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("when", ["1 Feb 2025, 18:00", "2025-02-01T18:00:00", "2025-02-01 18:00"])
def test_hevy_dates(when: str) -> None:
    data = (HEVY + f'"Leg","{when}","","","Squat (Barbell)",,"",0,normal,100,5,,,\n').encode()
    (workout,) = read_history(data, UTC_ZONE).workouts
    assert workout.start == datetime(2025, 2, 1, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("when", ["01/02/2025 18:00", "1.2.2025 18:00", "02/01/25 6:00 PM"])
def test_dates_rewritten_by_a_spreadsheet_are_explained(when: str) -> None:
    data = (STRONG + f"{when},S,1h,Squat (Barbell),1,100,5,0,0,,,\n" * 2).encode()
    with pytest.raises(FileProblem) as caught:
        read_history(data, UTC_ZONE)
    text = str(caught.value)
    assert text.startswith(f"Line 2: the date “{when}” is not a date and time like")
    assert "None of the other 1 rows can be read either." in text
    assert "changed by a spreadsheet program" in text


def test_a_date_in_no_known_shape_gets_no_spreadsheet_hint() -> None:
    data = (STRONG + "yesterday,S,1h,Squat (Barbell),1,100,5,0,0,,,\n").encode()
    with pytest.raises(FileProblem) as caught:
        read_history(data, UTC_ZONE)
    assert "spreadsheet" not in str(caught.value)


def test_a_strong_row_written_twice_is_one_set() -> None:
    row = "2025-02-01 18:00:00,S,1h,Squat (Barbell),{n},100,5,0,0,,,\n"
    data = (STRONG + row.format(n=1) + row.format(n=2) * 3 + row.format(n=3)).encode()
    history = read_history(data, UTC_ZONE)
    assert _sets(data) == [("Squat (Barbell)", [(Decimal("100.000"), 5)] * 3)]
    assert history.repeated_rows == 2


def test_alike_lettered_strong_sets_are_separate_sets() -> None:
    """Warm-up sets are lettered, not numbered: two empty-bar warm-ups are two sets."""
    warmup = "2025-02-01 18:00:00,S,1h,Squat (Barbell),W,20,10,0,0,,,\n"
    work = "2025-02-01 18:00:00,S,1h,Squat (Barbell),1,100,5,0,0,,,\n"
    data = (STRONG + warmup * 2 + work).encode()
    assert _sets(data) == [
        ("Squat (Barbell)", [(Decimal("20.000"), 10)] * 2 + [(Decimal("100.000"), 5)])
    ]
    assert read_history(data, UTC_ZONE).repeated_rows == 0


def test_the_same_exercise_twice_in_a_workout_keeps_both_runs() -> None:
    """Strong numbers each run of an exercise from 1: a second run with the same sets is real."""
    squat = "2025-02-01 18:00:00,S,1h,Squat (Barbell),{n},100,5,0,0,,,\n"
    curl = "2025-02-01 18:00:00,S,1h,Bicep Curl (Dumbbell),1,12,10,0,0,,,\n"
    data = (STRONG + squat.format(n=1) + squat.format(n=2) + curl + squat.format(n=1)).encode()
    history = read_history(data, UTC_ZONE)
    assert [(name, len(sets)) for name, sets in _sets(data)] == [
        ("Squat (Barbell)", 2),
        ("Bicep Curl (Dumbbell)", 1),
        ("Squat (Barbell)", 1),
    ]
    assert history.repeated_rows == 0


def test_fitnotes_identical_rows_are_separate_sets() -> None:
    """FitNotes does not number sets: three identical rows are three sets."""
    data = (FITNOTES + "2025-02-01,Deadlift,Back,140.0,kgs,5,,,\n" * 3).encode()
    assert _sets(data) == [("Deadlift", [(Decimal("140.000"), 5)] * 3)]


def test_a_hevy_superset_keeps_each_exercise_apart_in_order() -> None:
    """Interleaved superset rows (A1, B1, A2, B2) become exercise A with its sets, then B with
    its sets, in the order done; the superset's id itself is not kept. A row written twice is
    kept once."""
    rows = [
        '"Arms","1 Feb 2025, 18:00","","","Bicep Curl (Dumbbell)",3,"",0,normal,12,10,,,',
        '"Arms","1 Feb 2025, 18:00","","","Triceps Pushdown (Cable)",3,"",0,normal,30,12,,,',
        '"Arms","1 Feb 2025, 18:00","","","Bicep Curl (Dumbbell)",3,"",1,normal,12,9,,,',
        '"Arms","1 Feb 2025, 18:00","","","Triceps Pushdown (Cable)",3,"",1,normal,30,11,,,',
        '"Arms","1 Feb 2025, 18:00","","","Triceps Pushdown (Cable)",3,"",1,normal,30,11,,,',
    ]
    data = (HEVY + "\n".join(rows)).encode()
    assert _sets(data) == [
        ("Bicep Curl (Dumbbell)", [(Decimal("12.000"), 10), (Decimal("12.000"), 9)]),
        ("Triceps Pushdown (Cable)", [(Decimal("30.000"), 12), (Decimal("30.000"), 11)]),
    ]
    assert read_history(data, UTC_ZONE).repeated_rows == 1


@pytest.mark.parametrize("blank", ["\u200b", "\u2800 \u2800", "\u3164", " \u200b\u200d "])
def test_an_invisible_exercise_name_is_a_bad_row(blank: str) -> None:
    good = "2025-02-01 18:00:00,S,1h,Squat (Barbell),1,100,5,0,0,,,\n"
    data = (STRONG + good + good.replace("Squat (Barbell)", blank).replace(",1,", ",2,")).encode()
    history = read_history(data, UTC_ZONE)
    assert history.set_count == 1
    (bad,) = history.bad_rows
    assert (bad.line, bad.reason) == (
        3,
        "the exercise name is empty (like “Bench Press (Barbell)”).",
    )


def test_emoji_names_and_titles_are_names() -> None:
    data = (STRONG + "2025-02-01 18:00:00,🔥,1h,👨‍👩‍👧 Carry,1,40,20,0,0,,,\n").encode()
    (workout,) = read_history(data, UTC_ZONE).workouts
    assert (workout.title, workout.exercises[0].name) == ("🔥", "👨‍👩‍👧 Carry")


def test_control_characters_of_a_broken_row_are_not_quoted() -> None:
    good = "2025-02-01 18:00:00,S,1h,Squat (Barbell),1,100,5,0,0,,,\n"
    data = (STRONG + good * 80 + "\x00\x07" + good).encode()
    (bad,) = read_history(data, UTC_ZONE).bad_rows
    assert bad.reason.startswith("the date “\ufffd\ufffd2025-02-01 18:00:00” is not a date")
